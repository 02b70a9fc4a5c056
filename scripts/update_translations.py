"""Regenerate the translation catalogue resources/i18n/referral_desktop.ts with pyside6-lupdate.

    ./dev i18n            (or: .venv/bin/python scripts/update_translations.py)

lupdate reads every module under desktop/: `self.tr(...)`, `QCoreApplication.translate(context,
...)` and `QT_TRANSLATE_NOOP(context, ...)` (desktop/domain/reasons.py defines its own, by that
name, so the domain marks its sentences without importing Qt). Source locations are left out
(`-locations none`), so the file changes only when a string does; strings no longer in the code
are dropped (`-no-obsolete`). Translations already in the file are kept. A translation for a
language is `referral_desktop_<lang>.ts` beside it, compiled with pyside6-lrelease to the `.qm`
the app loads (desktop/ui/translation.py). tests/ui/test_translation.py fails when the checked-in
catalogue misses a string the code marks.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "resources" / "i18n" / "referral_desktop.ts"


def sources(root: Path = ROOT) -> list[Path]:
    """Every module lupdate reads (pyside6-lupdate does not scan folders for .py files)."""
    return sorted(
        path for path in (root / "desktop").rglob("*.py") if "__pycache__" not in path.parts
    )


def lupdate() -> str:
    """The venv's pyside6-lupdate (beside this Python), else the one on PATH."""
    beside = Path(sys.executable).with_name("pyside6-lupdate")
    found = str(beside) if beside.exists() else shutil.which("pyside6-lupdate")
    if found is None:
        raise FileNotFoundError("pyside6-lupdate (PySide6-Essentials installs it)")
    return found


def update(target: Path = CATALOGUE, root: Path = ROOT) -> None:
    """Write (or merge into) the catalogue `target` from the modules under `root`/desktop."""
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [
        lupdate(),
        *(str(path.relative_to(root)) for path in sources(root)),
        "-locations",
        "none",
        "-no-obsolete",
        "-source-language",
        "en",
        "-silent",
        "-ts",
        str(target),
    ]
    subprocess.run(command, cwd=root, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ts", type=Path, default=CATALOGUE, help="catalogue to write")
    options = parser.parse_args(argv)
    update(options.ts)
    print(options.ts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
