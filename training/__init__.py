"""The training folder: data (``data/``) and the simulator that writes its simulated part.

Importable from a checkout (``from training import simulate``) for the tests and benchmarks;
not part of the installed package.
"""
