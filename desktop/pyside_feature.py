"""A cheaper form of PySide6's check of every module imported after it (docs/PERFORMANCE.md).

PySide6 wraps `__import__`: once PySide6 is loaded, every newly imported module is asked whether
it uses PySide6 (for its `from __feature__ import ...` switches), by
`shibokensupport.feature._mod_uses_pyside`, which runs `inspect.getsource(module)` (through
linecache and tokenize) and looks for the word "PySide6" in it. The app imports everything but
the first window after PySide6 (SQLAlchemy, keyring, the backend: about 300 modules on a warm
start), so that check cost about 70 ms of CPU per start.

`cheapen_feature_check()` gives the same answer for a module loaded from a `.py` file by reading
its bytes and looking for the same word; for anything else (no source file, a bundle's archive)
it asks PySide6's own check. Nothing changes if PySide6's internals are not what this expects.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

PYSIDE_WORD = b"PySide6"


def uses_pyside(module: ModuleType, fallback: Callable[[ModuleType], bool]) -> bool:
    """Whether the module's source mentions PySide6 (as `inspect.getsource` would tell)."""
    path = getattr(module, "__file__", None)
    if isinstance(path, str) and path.endswith(".py"):
        try:
            with open(path, "rb") as source:
                return PYSIDE_WORD in source.read()
        except OSError:
            pass
    return fallback(module)


def cheapen_feature_check() -> bool:
    """Install the cheaper check once PySide6 is imported; True if it is in place."""
    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(original):
        return False
    if getattr(original, "__cheap__", False):
        return True

    def check(module: ModuleType) -> bool:
        return uses_pyside(module, original)

    check.__cheap__ = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = check  # type: ignore[attr-defined]
    return True
