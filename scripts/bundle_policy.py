"""What goes into the PyInstaller bundle and what is left out, in one place.

build.spec applies these rules; tests/packaging checks them against the checkout without building;
scripts/check_bundle.py checks a built bundle against them. docs/PACKAGING.md explains each choice.
"""

from __future__ import annotations

import posixpath
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

# Modules PyInstaller must never collect, even if something imports them optionally.
EXCLUDED_MODULES: list[str] = [
    # Another Qt binding beside PySide6 makes PyInstaller abort (and would double the size).
    "PyQt5",
    "PyQt6",
    "PySide2",
    # PySide6 modules the app does not use (it needs QtCore, QtGui, QtWidgets, QtSvg at most).
    "PySide6.QtNetwork",
    "PySide6.QtQml",
    "PySide6.QtQmlFeatures",
    "PySide6.QtQuick",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickTest",
    "PySide6.QtQuickWidgets",
    "PySide6.QtLabsStyleKit",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPrintSupport",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtUiTools",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtXml",
    "PySide6.QtConcurrent",
    "PySide6.QtDBus",
    # Development and test tools: installed in the dev virtualenv, never needed at run time.
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "mypy",
    "mypyc",
    "ruff",
    "importlinter",
    "grimp",
    "PyInstaller",
    "pip",
    "setuptools",
    "pkg_resources",
    # keyrings.alt would make keyring pick a plaintext file backend (R9: secrets only in the OS
    # keyring); if it is ever installed in the build environment it must still stay out.
    "keyrings",
    # Tk is not used; its hook would pull Tcl/Tk data files.
    "tkinter",
    "_tkinter",
    # Optional imports of libraries the app does not use: dnspython is only for email-validator's
    # deliverability (DNS) checks, which the app turns off; Pygments only for Mako's highlighted
    # tracebacks (Mako is Alembic's template engine).
    "dns",
    "pygments",
]

# Qt plugins kept, by plugin type: None keeps all of that type, a set keeps the files it names.
# Every other plugin type (eglfs, evdev input, print, SQL drivers, network, QML tooling, designer,
# Wayland, ...) is left out.
KEPT_QT_PLUGINS: dict[str, frozenset[str] | None] = {
    # xcb: a real X11 window, and XWayland on Wayland desktops; offscreen/minimal: headless runs
    # (--smoke-test, CI, screenshots). Native Wayland is left out: see docs/PACKAGING.md.
    "platforms": frozenset({"libqxcb.so", "libqoffscreen.so", "libqminimal.so"}),
    "xcbglintegrations": None,
    # The desktop's light/dark colour scheme and native file dialogs through the XDG portal (D-Bus).
    # The GTK 3 theme plugin is left out: it would drag in cairo/pango/gdk-pixbuf copies that clash
    # with the target's own GTK.
    "platformthemes": frozenset({"libqxdgdesktopportal.so"}),
    # Dead keys / compose sequences and IBus input methods while typing an email address.
    "platforminputcontexts": frozenset(
        {"libcomposeplatforminputcontextplugin.so", "libibusplatforminputcontextplugin.so"}
    ),
    # The icons are SVG; PNG support is built into QtGui.
    "imageformats": frozenset({"libqsvg.so"}),
    "iconengines": frozenset({"libqsvgicon.so"}),
}

# Qt shared libraries that only the left-out modules and plugins need. PyInstaller can still pick
# some of them up through a plugin's dependencies; they are dropped so nothing half-works.
DROPPED_QT_LIB_PREFIXES: tuple[str, ...] = (
    "libQt6Qml",
    "libQt6Quick",
    "libQt6LabsStyleKit",
    "libQt6Designer",
    "libQt6Help",
    "libQt6Sql",
    "libQt6Test",
    "libQt6UiTools",
    "libQt6Pdf",
    "libQt6VirtualKeyboard",
    "libQt6WaylandCompositor",
    "libQt6EglFS",
    "libQt6EglFs",
    "libQt6Network",
    "libQt6Wayland",
    "libQt6WlShellIntegration",
)

QT_PREFIX = PurePosixPath("PySide6/Qt")

# Non-Python files under desktop/ that only developers use, so neither the wheel nor the bundle
# ships them (Alembic's template for `alembic revision`).
DEVELOPMENT_ONLY_FILES: frozenset[str] = frozenset(
    {"desktop/storage/migrations/script.py.mako", "desktop/backend/migrations/script.py.mako"}
)


def keep_binary(dest: PurePosixPath) -> bool:
    """Whether a collected shared library (path inside the bundle) stays in the bundle."""
    if dest.is_relative_to(QT_PREFIX / "plugins"):
        parts = dest.relative_to(QT_PREFIX / "plugins").parts
        if len(parts) != 2:
            return False
        plugin_type, name = parts
        if plugin_type not in KEPT_QT_PLUGINS:
            return False
        kept = KEPT_QT_PLUGINS[plugin_type]
        return kept is None or name in kept
    return not dest.name.startswith(DROPPED_QT_LIB_PREFIXES)


def keep_data(dest: PurePosixPath) -> bool:
    """Whether a collected data file stays: Qt's own translations go (the UI is English only)."""
    return not dest.is_relative_to(QT_PREFIX / "translations")


# A PyInstaller TOC entry: (path inside the bundle, source path or symlink target, type code).
TocEntry = tuple[str, str, str]


def prune(binaries: list[TocEntry], datas: list[TocEntry]) -> tuple[list[TocEntry], list[TocEntry]]:
    """Apply keep_binary/keep_data to an Analysis' binaries and datas.

    PyInstaller 6 also emits top-level SYMLINK entries (libQt6Core.so.6 -> PySide6/Qt/lib/...);
    a symlink whose target was dropped goes too, so the bundle has no dangling links.
    """
    kept_binaries = [e for e in binaries if keep_binary(PurePosixPath(e[0]))]
    kept_datas = [e for e in datas if e[2] == "SYMLINK" or keep_data(PurePosixPath(e[0]))]
    present = {PurePosixPath(e[0]) for e in kept_binaries + kept_datas if e[2] != "SYMLINK"}

    def _target_kept(entry: TocEntry) -> bool:
        target = PurePosixPath(
            posixpath.normpath(posixpath.join(posixpath.dirname(entry[0]), entry[1]))
        )
        return target in present

    kept_binaries = [e for e in kept_binaries if e[2] != "SYMLINK" or _target_kept(e)]
    kept_datas = [e for e in kept_datas if e[2] != "SYMLINK" or _target_kept(e)]
    return kept_binaries, kept_datas


def is_bundled_module(name: str) -> bool:
    """Whether a module of the desktop package goes into the bundle (all of them but tests)."""
    return not any(part in {"tests", "conftest"} for part in name.split("."))


def _setuptools_config(root: Path) -> dict[str, Any]:
    with (root / "pyproject.toml").open("rb") as handle:
        config: dict[str, Any] = tomllib.load(handle)["tool"]["setuptools"]
    return config


def package_data_globs(root: Path) -> dict[str, list[str]]:
    """[tool.setuptools.package-data] from pyproject.toml: the non-Python files a wheel ships."""
    globs: dict[str, list[str]] = _setuptools_config(root).get("package-data", {})
    return globs


def package_source_dir(root: Path, package: str) -> Path:
    """The folder a package is built from: its [tool.setuptools.package-dir] mapping (the nearest
    mapped parent package) or, unmapped, the folder its dotted name spells from the root."""
    mapping: dict[str, str] = _setuptools_config(root).get("package-dir", {})
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        mapped = mapping.get(".".join(parts[:cut]))
        if mapped is not None:
            return root.joinpath(mapped, *parts[cut:])
    return root.joinpath(*parts)


def data_files(root: Path) -> list[tuple[Path, str]]:
    """(source file, destination folder inside the bundle) for every non-code file the app reads.

    Each package's package-data from pyproject.toml goes where a wheel installs it: under the
    package's dotted name, whatever folder it is built from. So resources/ (the package
    `desktop.resources`) lands in desktop/resources, where desktop.paths.resources_dir() looks
    with importlib.resources, and Alembic's env.py and version scripts land next to
    desktop/storage as in the checkout.
    """
    pairs: list[tuple[Path, str]] = []
    for package, patterns in package_data_globs(root).items():
        source = package_source_dir(root, package)
        destination = PurePosixPath(*package.split("."))
        for pattern in patterns:
            for path in sorted(source.glob(pattern)):
                if path.is_file() and "__pycache__" not in path.parts:
                    inside = path.parent.relative_to(source).as_posix()
                    pairs.append((path, (destination / inside).as_posix()))
    return sorted(set(pairs))
