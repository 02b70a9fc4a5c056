"""The wheel runs: built from the checkout, installed in a fresh virtualenv, started as by a user.

`pip wheel` builds it from a copy of the checkout; a new virtualenv (no system site-packages, no
access to the test environment) gets it with `pip install`, its dependencies pinned to the versions
this test environment runs; then `referral-desktop --smoke-test` from that virtualenv, offscreen,
with a fresh data folder and HOME and (where unshare permits) the checkout hidden, must exit 0 with
the same JSON line scripts/check_bundle.py asks of the PyInstaller bundle.

Dependencies come from a wheelhouse kept between runs (`platformdirs.user_cache_dir()` /
referral-desktop/wheelhouse, or $REFERRAL_DESKTOP_WHEELHOUSE): the first run downloads them into it
(about 100 MB, PySide6 mostly), later runs install offline (`--no-index`). docs/PACKAGING.md gives
the timings.
"""

from __future__ import annotations

import fcntl
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import platformdirs
import pytest

from tests.packaging.scripts import ROOT, load_script
from tests.patience import bound_s, first_sync_timeout

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DISTRIBUTION = PROJECT["project"]["name"]
# Not copied into the build: what .gitignore leaves out of a clone, and the clone's own metadata.
NOT_SOURCE = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")


check_bundle = load_script("check_bundle")  # its isolated run and its smoke-test check


def test_pyproject_lists_every_package() -> None:
    """The package list is written out (desktop.resources is mapped to resources/, which discovery
    cannot do): every folder of Python code, and resources/ with its subfolders, is in it."""
    listed = set(PROJECT["tool"]["setuptools"]["packages"])
    code = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "desktop").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    resources = {"desktop.resources"} | {
        "desktop.resources." + ".".join(path.relative_to(ROOT / "resources").parts)
        for path in (ROOT / "resources").rglob("*")
        if path.is_dir() and "__pycache__" not in path.parts
    }
    assert listed == code | resources
    assert PROJECT["tool"]["setuptools"]["package-dir"] == {"desktop.resources": "resources"}


# -- the wheel, built and installed once for this module -----------------------------------------


def _pip(*args: str, python: Path | None = None) -> subprocess.CompletedProcess[str]:
    target = () if python is None else ("--python", str(python))
    # No PYTHONPATH & co.: with the checkout on it, pip would take its egg-info for an installed
    # referral-desktop and skip the wheel.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *target, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )


def _checked(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"{' '.join(result.args)}\n{result.stdout}\n{result.stderr}"
    return result


def wheelhouse() -> Path:
    configured = os.environ.get("REFERRAL_DESKTOP_WHEELHOUSE")
    if configured:
        return Path(configured)
    return Path(platformdirs.user_cache_dir("referral-desktop", appauthor=False)) / "wheelhouse"


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """One test run at a time fills the wheelhouse (two checkouts may test at once)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def provide(house: Path, requirements: Sequence[str], constraints: Path | None) -> None:
    """Make sure `house` holds wheels for `requirements` and all they depend on: checked offline,
    downloaded (network) only when something is missing."""
    pinned = () if constraints is None else ("--constraint", str(constraints))
    offline = _pip("download", "--no-index", "--find-links", str(house), "--dest", str(house),
                   *pinned, *requirements)  # fmt: skip
    if offline.returncode != 0:
        _checked(_pip("download", "--dest", str(house), *pinned, *requirements))


def environment_pins(path: Path) -> Path:
    """Constraints: every distribution of this test environment at its version, so the wheel is
    installed with the dependencies the suite ran against (not whatever is newest today)."""
    pins = sorted(
        f"{dist.metadata['Name']}=={dist.version}"
        for dist in importlib.metadata.distributions()
        if dist.metadata["Name"] and dist.metadata["Name"].lower() != DISTRIBUTION
    )
    path.write_text("\n".join(pins) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the built wheel, the fresh virtualenv it is installed in)."""
    base = tmp_path_factory.mktemp("wheel")
    house = wheelhouse()
    pins = environment_pins(base / "pins.txt")
    with locked(house):
        provide(house, PROJECT["build-system"]["requires"], None)
        provide(house, PROJECT["project"]["dependencies"], pins)

    source = base / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE), symlinks=True)
    offline = ("--no-index", "--find-links", str(house))
    _checked(_pip("wheel", "--no-deps", *offline, "--wheel-dir", str(base / "dist"), str(source)))
    [wheel] = (base / "dist").glob("*.whl")

    # The base interpreter, not this virtualenv's: the new one must not lead back to the checkout.
    python = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    venv = base / "venv"
    _checked(
        subprocess.run(
            [str(python), "-m", "venv", "--without-pip", str(venv)],
            capture_output=True,
            text=True,
            check=False,
        )
    )
    _checked(
        _pip("install", *offline, "--constraint", str(pins), str(wheel), python=venv / "bin/python")
    )
    return wheel, venv


# -- what the wheel holds and how it runs -------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(900)  # the first run downloads the dependencies (about 100 MB)
def test_the_wheel_ships_the_resources_inside_the_package(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    resources = {
        "desktop/resources/" + path.relative_to(ROOT / "resources").as_posix()
        for path in (ROOT / "resources").rglob("*")
        if path.is_file() and not path.name.startswith(".")
    }
    assert "desktop/resources/icons/offline.svg" in resources
    assert resources <= names
    migrations = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "desktop" / "storage" / "migrations").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert migrations <= names
    top_level = {name.split("/")[0] for name in names if ".dist-info/" not in name}
    assert top_level == {"desktop"}  # no stray top-level `resources` package


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_installed_wheel_passes_the_smoke_test(
    installed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, venv = installed
    # The script's 120 s for a whole run, stretched for the load as the first sync's wait is.
    monkeypatch.setattr(check_bundle, "RUN_TIMEOUT_S", bound_s(check_bundle.RUN_TIMEOUT_S))
    with check_bundle.isolated_env("offscreen") as (env, base):
        imported = subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import desktop; print(desktop.__file__)"],
            cwd=base / "cwd",
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    assert imported.returncode == 0, imported.stderr
    assert Path(imported.stdout.strip()).is_relative_to(venv)  # not the checkout's
    hide = check_bundle.hide_checkout_wrapper()  # [] where unshare is not permitted
    run = check_bundle.run_app(
        [str(venv / "bin" / "referral-desktop")], wrapper=hide, extra_args=first_sync_timeout()
    )
    report = check_bundle.Report()
    check_bundle.check_run(run, report, "wheel, offscreen")
    assert report.failures == [], run.stderr[-3000:]
    assert run.record is not None
    assert run.record["account"] == "pilot@example.com"
    assert run.record["sync"]["phase"] == "synced"
