"""``python -m cinwe_reco`` runs the command line."""

from .cli import main

main()
