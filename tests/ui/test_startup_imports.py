"""Start-up stays light: what is imported before the first paint and before the cached data is on
screen (docs/PERFORMANCE.md). No timing here, only which modules are loaded, in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.patience import bound_s, whole_app_args

HEAVY = (
    "sqlalchemy",
    "alembic",
    "keyring",
    "email_validator",
    "confusable_homoglyphs",
    "desktop.backend.service",
)

SCRIPT = """
import json, sys
from pathlib import Path
import desktop.app
from PySide6.QtWidgets import QApplication
app = QApplication([])
window = desktop.app.SettingsWindow(desktop.app.ui_settings(Path(sys.argv[1])))
first_paint = sorted(sys.modules)
built = desktop.app.create(Path(sys.argv[1]), window=window)
created = sorted(sys.modules)
built.close()
print(json.dumps({"first_paint": first_paint, "created": created}))
"""


def loaded_modules(data_dir: Path) -> dict[str, list[str]]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=bound_s(120),
        check=True,
    )
    loaded: dict[str, list[str]] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def heavy(modules: list[str]) -> list[str]:
    return [name for name in modules if name.split(".")[0] in HEAVY or name in HEAVY]


def test_the_first_window_and_create_import_nothing_heavy(data_dir: Path) -> None:
    loaded = loaded_modules(data_dir)
    assert heavy(loaded["first_paint"]) == []
    # The pages and the invitation module come with the first state, not the "Loading" paint.
    assert "desktop.ui.referral.section" not in loaded["first_paint"]
    assert "desktop.controller.controller" not in loaded["first_paint"]
    # create() builds stand-ins: SQLAlchemy, Alembic and keyring load off the GUI thread later.
    assert heavy(loaded["created"]) == []
    # The backend file's watcher (for the QA window) comes without the QA window's snapshots.
    assert not {"desktop.controller.qa_state", "desktop.domain.cohort"} & set(loaded["created"])


MAIN_SCRIPT = """
import json, os, sys
import desktop.app

class Recording(desktop.app.FirstPaint):
    def __init__(self, window, then):
        def record():
            print(json.dumps(sorted(sys.modules)), flush=True)
            os._exit(0)
        super().__init__(window, record)

desktop.app.FirstPaint = Recording
desktop.app.main(["--data-dir", sys.argv[1], "--account", "pilot@example.com"])
"""


def test_the_first_paint_of_a_start_waits_for_no_state_and_no_domain(data_dir: Path) -> None:
    # What `referral-desktop` has imported when its "Loading" window is first painted: the
    # window, its theme, the log and the settings, but no application state (the empty one is
    # made when first asked for), no domain model beyond the clock and the fault sentences, no
    # per-user folder lookup (--data-dir is given), no box for a damaged data folder, and no
    # importlib.resources while the package is a folder on disk.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    result = subprocess.run(
        [sys.executable, "-c", MAIN_SCRIPT, str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=bound_s(120),
        check=True,
    )
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "desktop.ui.settings_window" in loaded  # the window was painted
    assert heavy(sorted(loaded)) == []
    assert not {name for name in loaded if name.startswith("desktop.controller")}
    assert {name for name in loaded if name.startswith("desktop.domain.")} <= {
        "desktop.domain.clock",
        "desktop.domain.reasons",
    }
    later = {"platformdirs", "desktop.ui.data_problem", "desktop.ui.pages", "importlib.resources"}
    assert not later & loaded


def imported_by_a_start(data_dir: Path, *more: str) -> set[str]:
    """Every module a whole `--smoke-test` start of the app imports (`python -X importtime`);
    `more`: further arguments (`--backend URL`)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"  # never the real keyring
    args = ("--data-dir", str(data_dir), *more, "--account", "pilot@example.com", "--smoke-test")
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "desktop", *whole_app_args(args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=bound_s(120),
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1])["sync"]["phase"] == "synced"
    # "import time: self [us] | cumulative | imported package", one line per module
    return {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }


def test_a_warm_start_imports_only_what_the_first_sync_needs(data_dir: Path) -> None:
    # The first start creates the cache: a migration is due, Alembic runs.
    assert "alembic" in imported_by_a_start(data_dir)
    # The cache is at the head revision now: nothing to migrate, no Alembic (nor Mako).
    warm = imported_by_a_start(data_dir)
    assert "desktop.storage.database" in warm  # the cache was opened
    assert not {name for name in warm if name.split(".")[0] in {"alembic", "mako"}}
    # The embedded backend is SQLite: SQLAlchemy's PostgreSQL dialect stays unloaded.
    assert "desktop.backend.service" in warm
    assert not {name for name in warm if name.startswith("sqlalchemy.dialects.postgresql")}
    # The look-alike tables (for typed addresses) load a moment after the first sync, not
    # during it (however long it takes: it was a fixed 2 s after the cache opened).
    assert "confusable_homoglyphs" not in warm


def test_the_cheaper_pyside_check_answers_as_pyside_does() -> None:
    # PySide6 asks of every module imported after it whether its source mentions PySide6 (for
    # `from __feature__ import ...`); the app answers by reading the file instead of tokenizing.
    import importlib
    import inspect

    import desktop.app  # noqa: F401  (installs the check)
    from desktop.pyside_feature import uses_pyside

    feature = sys.modules["shibokensupport.feature"]
    assert getattr(feature._mod_uses_pyside, "__cheap__", False)

    def never(module: object) -> bool:
        raise AssertionError(f"{module} has a source file")

    for name in (
        "desktop.ui.settings_window",
        "desktop.ui.referral.invitations_model",
        "desktop.domain.policy",
        "desktop.storage.peek",
        "sqlalchemy.orm",
        "email.message",
    ):
        module = importlib.import_module(name)
        assert uses_pyside(module, never) == ("PySide6" in inspect.getsource(module)), name
    assert uses_pyside(importlib.import_module("desktop.ui.settings_window"), never)
    # No source file (a built-in module, or a frozen bundle's): PySide6's own check answers.
    asked: list[str] = []
    assert uses_pyside(sys, lambda module: asked.append(module.__name__) or False) is False
    assert asked == ["sys"]


def test_the_http_client_imports_no_http_library_and_no_event_loop() -> None:
    # With --backend URL the app talks HTTP through the standard library's http.client: httpx
    # (with httpcore, h11, anyio, certifi and, when installed, its command-line client's click,
    # rich and pygments) and asyncio cost more CPU at start-up than the whole client may
    # (issue 15, docs/WIRE.md). (`desktop.remote.qa`, for `sim --backend URL`, brings the
    # Simulator's dataclasses and with them SQLAlchemy, which imports asyncio.)
    script = "import json, sys, desktop.remote.client; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=bound_s(120),
        check=True,
    )
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "http.client" in loaded
    avoided = {"httpx", "httpcore", "h11", "anyio", "sniffio", "certifi", "asyncio", "click"}
    avoided |= {"rich", "pygments"}
    assert sorted(name for name in loaded if name.split(".")[0] in avoided) == []


STYLE_SCRIPT = """
import json, os
import desktop.app
from PySide6.QtWidgets import QApplication
from desktop.ui.theme import apply_theme
app = QApplication([])
before = app.style().name()
apply_theme(app)
variable = os.environ.get("QT_STYLE_OVERRIDE")
app.setStyleSheet("")  # the style under the theme's style sheet
print(json.dumps({"before": before, "after": app.style().name(), "variable": variable}))
"""


def style_at_start(**environment: str) -> dict[str, str | None]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **environment)
    if "QT_STYLE_OVERRIDE" not in environment:
        env.pop("QT_STYLE_OVERRIDE", None)
    result = subprocess.run(
        [sys.executable, "-c", STYLE_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=bound_s(120),
        check=True,
    )
    started: dict[str, str | None] = json.loads(result.stdout.strip().splitlines()[-1])
    return started


def test_the_app_starts_in_fusion_and_programs_it_starts_keep_their_own_style() -> None:
    # The window is in Fusion from its creation (no style change before the first paint), and
    # the override that asked for it is gone once the theme is applied: a browser opened from
    # the app keeps the desktop's style.
    assert style_at_start() == {"before": "fusion", "after": "fusion", "variable": None}


def test_a_style_the_user_chose_for_qt_programs_is_left_to_them_and_the_app_still_uses_fusion() -> (
    None
):
    # The user's own QT_STYLE_OVERRIDE stays in the environment; the theme sets Fusion itself.
    started = style_at_start(QT_STYLE_OVERRIDE="Windows")
    assert started == {"before": "windows", "after": "fusion", "variable": "Windows"}
