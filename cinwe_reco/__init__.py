"""cinwe-reco: rank real martech tools for an SME client profile.

The package is a library first; the ``cinwe-reco`` command is a thin layer over it::

    from cinwe_reco import Recommender, load_profile
    rec = Recommender.load()
    result = rec.suggest("examples/cap-competences-formation.yaml", top=5)
    print(result.stack.tools)

Heavy libraries (LightGBM, pandas) are imported only when an object that needs them is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

__all__ = ["Recommender", "load_profile", "load_catalog", "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from .catalog import load_catalog
    from .profile import load_profile
    from .recommender import Recommender


def __getattr__(name: str) -> Any:
    # Lazy exports keep `import cinwe_reco` cheap for the CLI's light commands.
    if name == "Recommender":
        from .recommender import Recommender

        return Recommender
    if name == "load_profile":
        from .profile import load_profile

        return load_profile
    if name == "load_catalog":
        from .catalog import load_catalog

        return load_catalog
    raise AttributeError(f"module 'cinwe_reco' has no attribute {name!r}")
