"""Where things are: the shipped data, and the user's own data folder.

Shipped: the top-level ``catalog/``, ``models/``, ``examples/`` and ``training/data/expert/``
folders are the editable sources. The wheel carries a copy under ``cinwe_reco/_data/`` (see
pyproject.toml), so an installed tool works from any directory; an editable install reads the
checkout's folders directly. JSON schemas live in the package (``cinwe_reco/schemas``).

The user's data folder (``platformdirs``: ``~/.local/share/cinwe-reco`` on Linux, the
platform's equivalent elsewhere; ``$CINWE_RECO_HOME`` overrides it) holds what the tool learns
from its user: recorded outcomes (``training/feedback/outcomes.jsonl``) and trained models
(``models/NAME``). Nothing is written to the current folder unless a path is given.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

CATALOG_ENV = "CINWE_RECO_CATALOG"
MODEL_ENV = "CINWE_RECO_MODEL"
HOME_ENV = "CINWE_RECO_HOME"
DEFAULT_MODEL_NAME = "default"


def _shipped(name: str) -> Path:
    packaged = Path(str(files("cinwe_reco"))) / "_data" / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name


def _shipped_training() -> Path:
    packaged = Path(str(files("cinwe_reco"))) / "_data" / "training"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "training" / "data"


def shipped_examples_dir() -> Path:
    """The example client profiles that ship with the package."""
    return _shipped("examples")


def shipped_training_dir() -> Path:
    """The shipped training data folder (expert judgments, with the frozen test set)."""
    return _shipped_training()


def schemas_dir() -> Path:
    """The JSON Schemas of the profile and of the suggestions output."""
    return Path(str(files("cinwe_reco"))) / "schemas"


def user_data_dir() -> Path:
    """The user's data folder: ``$CINWE_RECO_HOME``, else the platform's user data folder."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env)
    from platformdirs import user_data_path

    return user_data_path("cinwe-reco", appauthor=False)


def user_training_dir() -> Path:
    """Where ``feedback add`` records outcomes and ``train`` finds them."""
    return user_data_dir() / "training"


def user_models_dir() -> Path:
    """Where ``train`` writes models when no ``--out`` is given."""
    return user_data_dir() / "models"


def shipped_catalog_dir() -> Path:
    """The catalog folder that ships with the package."""
    return _shipped("catalog")


def shipped_models_dir() -> Path:
    """The folder of model folders that ships with the package."""
    return _shipped("models")


def default_model_dir() -> Path:
    """The model to use when none is given: ``$CINWE_RECO_MODEL``, else the model the user
    trained (``models/default`` of the user data folder) when there is one, else the shipped
    default."""
    env = os.environ.get(MODEL_ENV)
    if env:
        return Path(env)
    mine = user_models_dir() / DEFAULT_MODEL_NAME
    if (mine / "metadata.json").is_file():
        return mine
    return shipped_models_dir() / DEFAULT_MODEL_NAME


def model_dir(explicit: Path | str | None = None) -> Path:
    """The model folder to use: the one given, else ``default_model_dir()``."""
    return Path(explicit) if explicit else default_model_dir()


def catalog_layers_from_env() -> tuple[str, ...]:
    """The catalog layers named by ``$CINWE_RECO_CATALOG``, in order: paths separated by
    ``os.pathsep`` (':' on Linux and macOS, ';' on Windows), as in ``PATH``; empty parts are
    ignored, and an unset variable names none."""
    value = os.environ.get(CATALOG_ENV, "")
    return tuple(p for p in value.split(os.pathsep) if p.strip())
