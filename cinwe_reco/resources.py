"""Where the shipped catalog and models are, for an editable checkout and an installed wheel.

The top-level ``catalog/`` and ``models/`` folders are the editable sources. The wheel carries a
copy under ``cinwe_reco/_data/`` (see pyproject.toml), so an installed tool works from any
directory; an editable install reads the checkout's folders directly.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

CATALOG_ENV = "CINWE_RECO_CATALOG"
MODEL_ENV = "CINWE_RECO_MODEL"
DEFAULT_MODEL_NAME = "default"


def _shipped(name: str) -> Path:
    packaged = Path(str(files("cinwe_reco"))) / "_data" / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name


def shipped_catalog_dir() -> Path:
    """The catalog folder that ships with the package."""
    return _shipped("catalog")


def shipped_models_dir() -> Path:
    """The folder of model folders that ships with the package."""
    return _shipped("models")


def default_model_dir() -> Path:
    """The model to use when none is given: ``$CINWE_RECO_MODEL`` or the shipped default."""
    env = os.environ.get(MODEL_ENV)
    return Path(env) if env else shipped_models_dir() / DEFAULT_MODEL_NAME


def catalog_layers_from_env() -> tuple[str, ...]:
    """The catalog layers named by ``$CINWE_RECO_CATALOG``, in order: paths separated by
    ``os.pathsep`` (':' on Linux and macOS, ';' on Windows), as in ``PATH``; empty parts are
    ignored, and an unset variable names none."""
    value = os.environ.get(CATALOG_ENV, "")
    return tuple(p for p in value.split(os.pathsep) if p.strip())
