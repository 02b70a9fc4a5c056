"""Where the app keeps its files: the data folder and the bundled resources."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs

APP_NAME = "referral-desktop"
BACKEND_DB = "backend.sqlite"
CACHE_DB = "cache.sqlite"


def default_data_dir() -> Path:
    """The per-user data folder used when no --data-dir is given."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resources_dir() -> Path:
    """The top-level `resources/` folder, from a source checkout or a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"
