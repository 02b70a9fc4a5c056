"""Where the app keeps its files: the data folder and the bundled resources."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import platformdirs

APP_NAME = "referral-desktop"
BACKEND_DB = "backend.sqlite"
CACHE_DB = "cache.sqlite"


def default_data_dir() -> Path:
    """The per-user data folder used when no --data-dir is given."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@cache
def resources_dir() -> Traversable:
    """The icons and style sheets: `desktop/resources` inside the installed package.

    A wheel installs the top-level `resources/` folder there (pyproject.toml maps it to the
    `desktop.resources` package) and the PyInstaller bundle puts it at the same place, so
    importlib.resources finds it either way. A source checkout (an editable install or the tree
    on sys.path) has it beside the package instead.
    """
    installed = files("desktop") / "resources"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "resources"
