"""The bundle policy (scripts/bundle_policy.py) agrees with the code and the checkout.

Cheap checks only: the real build runs in scripts/check_bundle.py, outside the default suite.
"""

from __future__ import annotations

import ast
from pathlib import PurePosixPath

import pytest

from tests.packaging.scripts import ROOT, load_script

policy = load_script("bundle_policy")


def _imported_modules() -> set[str]:
    """Every module name imported anywhere in desktop/ (absolute imports)."""
    names: set[str] = set()
    for path in (ROOT / "desktop").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _is_excluded(name: str) -> bool:
    return any(name == ex or name.startswith(ex + ".") for ex in policy.EXCLUDED_MODULES)


def test_nothing_the_app_imports_is_excluded() -> None:
    excluded = sorted(name for name in _imported_modules() if _is_excluded(name))
    assert excluded == [], "build.spec would leave out modules the app imports"


@pytest.mark.parametrize(
    "name",
    [
        "PyQt5",
        "PyQt6",
        "PySide2",
        "pytest",
        "pytestqt",
        "hypothesis",
        "mypy",
        "ruff",
        "importlinter",
        "keyrings.alt",
        "tkinter",
        "PySide6.QtQml",
        "PySide6.QtQuick",
        "PySide6.QtNetwork",
    ],
)
def test_other_bindings_test_tools_and_unused_qt_are_excluded(name: str) -> None:
    assert _is_excluded(name)


def test_data_files_cover_every_non_python_file_the_app_ships() -> None:
    bundled = {
        (dest + "/" + src.name) for src, dest in policy.data_files(ROOT) if src.suffix != ".py"
    }
    on_disk = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "desktop").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".py", ".pyc"}
    }
    missing = on_disk - bundled - set(policy.DEVELOPMENT_ONLY_FILES)
    assert missing == set(), "add them to [tool.setuptools.package-data] in pyproject.toml"


def test_resources_land_inside_the_package_as_a_wheel_installs_them() -> None:
    resources = sorted(
        path.relative_to(ROOT / "resources").as_posix()
        for path in (ROOT / "resources").rglob("*")
        if path.is_file() and not path.name.startswith(".")
    )
    bundled = {dest + "/" + src.name for src, dest in policy.data_files(ROOT)}
    assert resources, "no resources found"
    # desktop.paths.resources_dir() is importlib.resources.files("desktop") / "resources".
    assert {f"desktop/resources/{name}" for name in resources} <= bundled
    assert not any(name.startswith("resources/") for name in bundled)


def test_migrations_land_next_to_the_storage_package() -> None:
    from desktop.storage import database

    migrations = database.MIGRATIONS_DIR
    expected = {
        path.relative_to(ROOT).as_posix()
        for path in migrations.rglob("*.py")
        if "__pycache__" not in path.parts
    }
    bundled = {dest + "/" + src.name for src, dest in policy.data_files(ROOT)}
    assert expected, "no migration scripts found"
    assert expected <= bundled
    assert (migrations / "env.py").relative_to(ROOT).as_posix() in bundled


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqtiff.so", False),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("PySide6/Qt/lib/libQt6Svg.so.6", True),
        ("PySide6/Qt/lib/libQt6Quick.so.6", False),
        ("PySide6/Qt/lib/libQt6Network.so.6", False),
        ("libxcb-cursor.so.0", True),
    ],
)
def test_keep_binary(dest: str, kept: bool) -> None:
    assert policy.keep_binary(PurePosixPath(dest)) is kept


def test_prune_drops_translations_and_links_to_dropped_libraries() -> None:
    binaries = [
        ("PySide6/Qt/lib/libQt6Core.so.6", "/src/libQt6Core.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Network.so.6", "/src/libQt6Network.so.6", "BINARY"),
    ]
    datas = [
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
        ("libQt6Network.so.6", "PySide6/Qt/lib/libQt6Network.so.6", "SYMLINK"),
        ("PySide6/Qt/translations/qtbase_de.qm", "/src/qtbase_de.qm", "DATA"),
        ("desktop/resources/style/app.qss", "/src/app.qss", "DATA"),
    ]
    kept_binaries, kept_datas = policy.prune(binaries, datas)
    assert [e[0] for e in kept_binaries] == ["PySide6/Qt/lib/libQt6Core.so.6"]
    assert [e[0] for e in kept_datas] == [
        "libQt6Core.so.6",
        "desktop/resources/style/app.qss",
    ]


def test_spec_and_entry_script_are_coherent() -> None:
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    compile(spec, "build.spec", "exec")
    assert 'name="referral-desktop"' in spec
    assert "bundle_policy.EXCLUDED_MODULES" in spec
    assert "bundle_policy.prune(" in spec
    entry = (ROOT / "scripts" / "bundle_entry.py").read_text(encoding="utf-8")
    assert "from desktop.app import main" in entry


def test_pyinstaller_still_has_the_plugin_hook_the_spec_wraps() -> None:
    qt_hooks = pytest.importorskip("PyInstaller.utils.hooks.qt", reason="[build] extra")
    assert callable(qt_hooks.QtLibraryInfo.collect_plugins)
