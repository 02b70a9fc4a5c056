"""Build the PyInstaller bundle and check that it really starts, on its own, within budget.

    .venv/bin/python scripts/check_bundle.py            # build, then check
    .venv/bin/python scripts/check_bundle.py --no-build # check the existing dist/referral-desktop

Steps (each prints what it found; any failure makes the exit status 1):
 1. build with the documented command (`pyinstaller --noconfirm build.spec`), unless --no-build;
 2. contents: size on disk against the budget, no excluded module or Qt plugin, no dangling link,
    and every bundled Qt plugin's libraries resolve (`ldd ... | grep "not found"`);
 3. a copy of the bundle in a temporary folder, started from another temporary folder with a fresh
    data folder and HOME (and, where unshare permits, with the checkout hidden behind an empty
    tmpfs), runs `--smoke-test` offscreen: its JSON line is checked and its stderr must be free of
    missing-file, plugin and import errors;
 4. the same under a real X server (xcb) when Xvfb is installed, with --screenshot;
 5. with a Secret Service (gnome-keyring) on a private D-Bus session, when installed: the session
    is kept in the OS keyring and restored on the next start;
    which libraries the running bundle loads from the host (these are what the target needs);
 6. time from process start to the settings window's first paint, bundle against source (median
    of --runs each, alternating): at most 2x.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))  # desktop.app, also from a checkout that is not installed

import bundle_policy  # noqa: E402

from desktop.app import FIRST_PAINT_MARKER  # noqa: E402

APP_NAME = "referral-desktop"
SIZE_BUDGET_MIB = 180
FIRST_PAINT_MAX_RATIO = 2.0
ACCOUNT = "pilot@example.com"
RUN_TIMEOUT_S = 120

# stderr lines that mean something is missing from the bundle (resources, plugins, modules).
BAD_STDERR = re.compile(
    r"Traceback|ModuleNotFoundError|ImportError|No such file|not found|cannot open|"
    r"Could not (?:load|find|open)|Failed to (?:load|find|open)|QFSFileEngine|"
    r"no Qt platform plugin|This application failed to start",
    re.IGNORECASE,
)


@dataclass
class Report:
    """Collects findings; any failure makes the script exit non-zero."""

    failures: list[str] = field(default_factory=list)

    def section(self, title: str) -> None:
        print(f"\n== {title}", flush=True)

    def info(self, message: str) -> None:
        print(f"   {message}", flush=True)

    def ok(self, message: str) -> None:
        print(f"ok {message}", flush=True)

    def fail(self, message: str) -> None:
        print(f"FAIL {message}", flush=True)
        self.failures.append(message)


@dataclass
class Run:
    """One start of the app: its JSON line, stderr and timings."""

    pid: int
    returncode: int
    record: dict[str, Any] | None
    stdout: str
    stderr: str
    wall_s: float
    first_paint_s: float | None


# --- build and contents ---------------------------------------------------------------------------


def build(report: Report) -> None:
    report.section("build: pyinstaller --noconfirm build.spec")
    started = time.monotonic()
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "build.spec"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-8000:], sep="\n")
        report.fail(f"pyinstaller exited with {result.returncode}")
        return
    report.ok(f"built in {time.monotonic() - started:.0f} s")


def disk_usage_mib(folder: Path) -> float:
    """Space on disk, as `du -s` counts it (links not followed), in MiB."""
    result = subprocess.run(
        ["du", "-s", "--block-size=1", str(folder)], capture_output=True, text=True, check=True
    )
    return int(result.stdout.split()[0]) / 2**20


def check_contents(bundle: Path, report: Report) -> None:
    internal = bundle / "_internal"
    report.section(f"contents of {bundle}")
    size = disk_usage_mib(bundle)
    largest = sorted(
        ((disk_usage_mib(p), p.name) for p in internal.iterdir() if not p.is_symlink()),
        reverse=True,
    )[:6]
    report.info("largest: " + ", ".join(f"{name} {mib:.0f} MiB" for mib, name in largest))
    if size <= SIZE_BUDGET_MIB:
        report.ok(f"size on disk {size:.0f} MiB (budget {SIZE_BUDGET_MIB} MiB)")
    else:
        report.fail(f"size on disk {size:.0f} MiB is over the {SIZE_BUDGET_MIB} MiB budget")

    dangling = [p for p in internal.rglob("*") if p.is_symlink() and not p.exists()]
    for link in dangling:
        report.fail(f"dangling symlink {link.relative_to(bundle)}")

    plugins_root = internal / bundle_policy.QT_PREFIX / "plugins"
    plugins = sorted(plugins_root.rglob("*.so"))
    unexpected = [
        p for p in plugins if not bundle_policy.keep_binary(PurePosixPath(p.relative_to(internal)))
    ]
    for plugin in unexpected:
        report.fail(f"plugin outside the policy: {plugin.relative_to(plugins_root)}")
    report.info("plugins: " + " ".join(str(p.relative_to(plugins_root)) for p in plugins))
    for required in ("platforms/libqxcb.so", "platforms/libqoffscreen.so", "iconengines"):
        if not (plugins_root / required).exists():
            report.fail(f"required Qt plugin missing: {required}")
    if (internal / bundle_policy.QT_PREFIX / "translations").exists():
        report.fail("Qt translations were bundled")

    check_plugin_libraries(internal, plugins, report)
    check_modules(bundle, report)
    check_data_files(internal, report)


def check_plugin_libraries(internal: Path, plugins: Sequence[Path], report: Report) -> None:
    """ldd every bundled Qt plugin with the bundle's own library folders on the search path."""
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        [str(internal), str(internal / bundle_policy.QT_PREFIX / "lib")]
    )
    broken = 0
    for plugin in plugins:
        result = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, env=env)
        missing = sorted(
            {line.split()[0] for line in result.stdout.splitlines() if "not found" in line}
        )
        if missing:
            broken += 1
            report.fail(f"unresolved libraries in {plugin.name}: {' '.join(missing)}")
    if not broken:
        report.ok(f"all {len(plugins)} bundled Qt plugins resolve their libraries")


def check_modules(bundle: Path, report: Report) -> None:
    """No excluded module in the frozen archive; the app's own packages are in it."""
    from PyInstaller.archive.readers import CArchiveReader

    archive = CArchiveReader(str(bundle / APP_NAME))
    pyz_name = next(name for name in archive.toc if name.endswith(".pyz"))
    modules = set(archive.open_embedded_archive(pyz_name).toc)
    internal = bundle / "_internal"
    present = modules | {p.name.split(".")[0] for p in internal.iterdir()}
    leaked = sorted(
        name
        for name in present
        for excluded in bundle_policy.EXCLUDED_MODULES
        if name == excluded or name.startswith(excluded + ".")
    )
    if leaked:
        report.fail("excluded modules in the bundle: " + ", ".join(leaked))
    else:
        report.ok(f"none of the {len(bundle_policy.EXCLUDED_MODULES)} excluded modules bundled")
    wanted = {"desktop.app", "desktop.backend", "desktop.storage", "desktop.ui", "keyring"}
    missing = sorted(wanted - modules)
    if missing:
        report.fail("modules missing from the bundle: " + ", ".join(missing))
    if not list(internal.glob("keyring-*.dist-info/entry_points.txt")):
        report.fail("keyring's entry points are missing: it would find no OS keyring backend")


def check_data_files(internal: Path, report: Report) -> None:
    expected = bundle_policy.data_files(ROOT)
    missing = [
        f"{dest}/{src.name}" for src, dest in expected if not (internal / dest / src.name).is_file()
    ]
    if missing:
        report.fail("data files missing: " + ", ".join(missing))
    else:
        report.ok(f"all {len(expected)} data files (resources, migrations) are in _internal/")


# --- running the app ------------------------------------------------------------------------------


@contextmanager
def isolated_env(platform: str) -> Iterator[tuple[dict[str, str], Path]]:
    """A clean environment: temporary HOME and XDG folders, no session bus (so never the user's
    real keyring), nothing that points Python or Qt at the checkout or the virtualenv."""
    with tempfile.TemporaryDirectory(prefix="rr-run-") as tmp:
        base = Path(tmp)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTHON", "QT_", "LD_", "XDG_"))
            and key not in {"VIRTUAL_ENV", "DBUS_SESSION_BUS_ADDRESS"}
        }
        for name in ("home", "config", "data", "cache", "runtime", "cwd"):
            (base / name).mkdir(mode=0o700)
        env.update(
            HOME=str(base / "home"),
            XDG_CONFIG_HOME=str(base / "config"),
            XDG_DATA_HOME=str(base / "data"),
            XDG_CACHE_HOME=str(base / "cache"),
            XDG_RUNTIME_DIR=str(base / "runtime"),
            QT_QPA_PLATFORM=platform,
        )
        yield env, base


def run_app(
    command: Sequence[str],
    platform: str = "offscreen",
    extra_args: Sequence[str] = (),
    extra_env: Mapping[str, str] | None = None,
    wrapper: Sequence[str] = (),
    measure_paint: bool = False,
) -> Run:
    """Start the app once on a fresh data folder with --smoke-test and collect what it printed.

    `measure_paint` adds `--report-first-paint`: the app prints the time.monotonic() of its
    settings window's first paint (desktop.app.FirstPaint, the hook --smoke-test waits on), and
    CLOCK_MONOTONIC is shared by every process, so "process start -> window shown" is that time
    minus the moment the process was spawned, whenever the line is read.
    """
    with isolated_env(platform) as (env, base):
        env.update(extra_env or {})
        args = [
            *wrapper,
            *command,
            *("--data-dir", str(base / "data-dir"), "--account", ACCOUNT, "--smoke-test"),
            *(["--report-first-paint"] if measure_paint else []),
            *extra_args,
        ]
        started = time.monotonic()
        process = subprocess.Popen(
            args,
            cwd=base / "cwd",
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
        wall = time.monotonic() - started
    painted = first_paint_time(stdout)
    return Run(
        pid=process.pid,
        returncode=process.returncode,
        record=last_json_line(stdout),
        stdout=stdout,
        stderr=stderr.rstrip("\n"),
        wall_s=wall,
        first_paint_s=None if painted is None else painted - started,
    )


def first_paint_time(stdout: str) -> float | None:
    """The time.monotonic() the app printed with --report-first-paint, if it did."""
    for line in stdout.splitlines():
        word, _, seconds = line.partition(" ")
        if word == FIRST_PAINT_MARKER:
            return float(seconds)
    return None


def last_json_line(stdout: str) -> dict[str, Any] | None:
    for line in reversed(stdout.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def check_record(record: Mapping[str, Any] | None, report: Report, label: str) -> None:
    """The smoke test's JSON line shows the demo account as the issue describes it."""
    if record is None:
        report.fail(f"{label}: no JSON line on stdout")
        return
    problems: list[str] = []
    if record.get("account") != ACCOUNT:
        problems.append(f"account is {record.get('account')!r}")
    if record.get("referral_section_visible") is not True:
        problems.append("referral_section_visible is not true")
    balance = record.get("wallet_balance")
    if not isinstance(balance, int) or isinstance(balance, bool) or balance < 0:
        problems.append(f"wallet_balance is {balance!r}")
    usage = record.get("usage")
    for key in ("weekly_percent", "five_hour_percent"):
        value = usage.get(key) if isinstance(usage, Mapping) else None
        if not isinstance(value, int | float) or not 0 <= value <= 100:
            problems.append(f"usage.{key} is {value!r}")
    if not sync_ok(record.get("sync")):
        problems.append(f"sync is {record.get('sync')!r}")
    if record.get("error_banner_visible") is not False:
        problems.append("the error banner is showing")
    if problems:
        report.fail(f"{label}: " + "; ".join(problems))
    else:
        report.ok(f"{label}: " + json.dumps(record, sort_keys=True)[:300])


def sync_ok(value: Any) -> bool:
    """The first sync finished: `{"phase": "synced", ...}` in the app's smoke-test line."""
    return isinstance(value, Mapping) and value.get("phase") == "synced"


def check_run(run: Run, report: Report, label: str) -> None:
    if run.returncode != 0:
        report.fail(f"{label}: exit status {run.returncode}")
        print(run.stderr[-4000:])
    check_record(run.record, report, label)
    bad = [line for line in run.stderr.splitlines() if BAD_STDERR.search(line)]
    for line in bad[:20]:
        report.fail(f"{label}: stderr: {line}")
    other = [line for line in run.stderr.splitlines() if line.strip() and line not in bad]
    for line in other[:10]:
        report.info(f"{label}: stderr: {line}")


def check_sim(command: Sequence[str], report: Report) -> None:
    """`referral-desktop sim status` (the simulator command line) works from the bundle too."""
    with isolated_env("offscreen") as (env, base):
        result = subprocess.run(
            [*command, "sim", "--data-dir", str(base / "data-dir"), "status"],
            cwd=base / "cwd",
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )
    if result.returncode == 0 and ACCOUNT in result.stdout:
        report.ok("`referral-desktop sim status` lists the demo accounts")
    else:
        report.fail(f"`sim status` exited with {result.returncode}: {result.stderr[-2000:]}")


def hide_checkout_wrapper() -> list[str]:
    """A command prefix that runs the app in a private mount namespace where the checkout (and its
    .venv) is an empty tmpfs, so any path into the repository fails; [] when not permitted."""
    if shutil.which("unshare") is None:
        return []
    unshare = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-r", "-m"]
    wrapper = [*unshare, "sh", "-c", 'mount -t tmpfs none "$0" && exec "$@"', str(ROOT)]
    probe = subprocess.run([*wrapper, "true"], capture_output=True, check=False)
    return wrapper if probe.returncode == 0 else []


def check_xcb(command: Sequence[str], report: Report) -> None:
    report.section("real window: xcb under Xvfb, --screenshot")
    xvfb_run = shutil.which("xvfb-run")
    if xvfb_run is None:
        report.info("skipped: xvfb-run is not installed (apt-get install xvfb xauth)")
        return
    with tempfile.TemporaryDirectory(prefix="rr-shot-") as tmp:
        shot = Path(tmp) / "window.png"
        run = run_app(
            command,
            platform="xcb",
            extra_args=["--screenshot", str(shot)],
            wrapper=[xvfb_run, "-a"],
        )
        check_run(run, report, "bundle, xcb")
        if shot.is_file() and shot.stat().st_size > 2000:
            report.ok(f"screenshot written ({shot.stat().st_size // 1024} KiB)")
        else:
            report.fail("--screenshot wrote no image under xcb")


KEYRING_SESSION = """
set -e
printf pw | gnome-keyring-daemon --login >/dev/null 2>&1
gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1
"$@" --data-dir "$DATA_DIR" --account "$ACCOUNT" --smoke-test
"$@" --data-dir "$DATA_DIR" --smoke-test
"""


def check_keyring(command: Sequence[str], report: Report) -> None:
    """With a Secret Service on a D-Bus session, the bundle keeps the session in the OS keyring:
    signed in once, the next start restores it (keyring's backends are found inside the bundle)."""
    report.section("OS keyring: Secret Service (gnome-keyring) on a private D-Bus session")
    tools = [shutil.which(name) for name in ("dbus-run-session", "gnome-keyring-daemon")]
    if None in tools:
        report.info("skipped: needs dbus-run-session and gnome-keyring-daemon")
        return
    with isolated_env("offscreen") as (env, base):
        env.update(DATA_DIR=str(base / "data-dir"), ACCOUNT=ACCOUNT)
        result = subprocess.run(
            ["dbus-run-session", "--", "sh", "-c", KEYRING_SESSION, "sh", *command],
            cwd=base / "cwd",
            env=env,
            capture_output=True,
            text=True,
            timeout=2 * RUN_TIMEOUT_S,
            check=False,
        )
    records = [last_json_line(line) for line in result.stdout.splitlines()]
    records = [r for r in records if r is not None]
    if result.returncode != 0 or len(records) != 2:
        report.fail(f"keyring session failed ({result.returncode}): {result.stderr[-2000:]}")
        return
    signed_in, restored = records
    if signed_in.get("keyring_notice_visible") is not False:
        report.fail("the bundle found no OS keyring although a Secret Service was running")
    elif restored.get("account") != ACCOUNT:
        report.fail(f"the next start did not restore the session: {restored.get('account')!r}")
    else:
        report.ok("session token stored in the Secret Service and restored on the next start")


def host_libraries(command: Sequence[str], bundle: Path, report: Report) -> None:
    """Shared libraries the bundle loads from outside itself (LD_DEBUG=libs), with their package."""
    report.section("host libraries the running bundle loads (offscreen)")
    with tempfile.TemporaryDirectory(prefix="rr-ld-") as tmp:
        # The loader's trace goes to one file per process, apart from the app's own stderr; only
        # the app's own process counts (keyring's macOS backend, imported and discarded on Linux,
        # runs gcc and ld through ctypes.util.find_library when they are installed).
        trace = Path(tmp) / "ld"
        run = run_app(command, extra_env={"LD_DEBUG": "libs", "LD_DEBUG_OUTPUT": str(trace)})
        main_trace = trace.with_name(f"ld.{run.pid}")
        lines = main_trace.read_text().splitlines() if main_trace.exists() else []
    if run.returncode != 0:
        report.fail(f"the run under LD_DEBUG exited with {run.returncode}")
    loaded = sorted(
        {line.rsplit("calling init:", 1)[1].strip() for line in lines if "calling init:" in line}
    )
    outside = [lib for lib in loaded if not Path(lib).resolve().is_relative_to(bundle.resolve())]
    for lib in outside:
        report.info(f"{lib}  ({debian_package(lib)})")
    if any(".venv" in lib or str(ROOT) in lib for lib in outside):
        report.fail("the bundle loaded a library from the checkout or its virtualenv")


def debian_package(path: str) -> str:
    if shutil.which("dpkg-query") is None:
        return "?"
    for candidate in (path, str(Path(path).resolve())):
        result = subprocess.run(
            ["dpkg-query", "-S", candidate], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            return result.stdout.split(":")[0]
        # /lib is a symlink to /usr/lib on merged-/usr systems; dpkg knows one spelling.
        if candidate.startswith("/lib"):
            result = subprocess.run(
                ["dpkg-query", "-S", "/usr" + candidate], capture_output=True, text=True
            )
            if result.returncode == 0:
                return result.stdout.split(":")[0]
    return "?"


def compare_first_paint(
    bundle_command: Sequence[str], source_command: Sequence[str], runs: int, report: Report
) -> None:
    report.section(f"start-up, offscreen, fresh data folder each time, median of {runs}")
    report.info(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, {platform.platform()}")
    # One untimed start of each fills the page cache, so neither side pays for a cold disk.
    run_app(bundle_command)
    run_app(source_command)
    results: dict[str, list[Run]] = {"bundle": [], "source": []}
    for _ in range(runs):  # alternate, so machine noise hits both sides alike
        results["bundle"].append(run_app(bundle_command, measure_paint=True))
        results["source"].append(run_app(source_command, measure_paint=True))
    paint: dict[str, float] = {}
    for label, label_runs in results.items():
        for run in label_runs:
            if run.returncode != 0 or run.first_paint_s is None:
                report.fail(
                    f"{label}: a timed run exited with {run.returncode}"
                    + ("" if run.first_paint_s else " and showed no first paint")
                )
                print(run.stderr[-3000:])
                return
        paints = [run.first_paint_s for run in label_runs if run.first_paint_s is not None]
        walls = [run.wall_s for run in label_runs]
        paint[label] = statistics.median(paints)
        report.info(
            f"{label:6}: first paint {paint[label] * 1000:5.0f} ms "
            f"[{' '.join(f'{p * 1000:.0f}' for p in paints)}]; "
            f"smoke test done (first sync shown, exit) {statistics.median(walls) * 1000:5.0f} ms"
        )
    ratio = paint["bundle"] / paint["source"]
    message = (
        f"first paint: bundle {paint['bundle'] * 1000:.0f} ms vs source "
        f"{paint['source'] * 1000:.0f} ms = {ratio:.2f}x (at most {FIRST_PAINT_MAX_RATIO}x)"
    )
    if ratio <= FIRST_PAINT_MAX_RATIO:
        report.ok(message)
    else:
        report.fail(message)


# --- main -----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="check the existing bundle")
    parser.add_argument("--runs", type=int, default=7, help="timed starts of each side")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist" / APP_NAME)
    args = parser.parse_args(argv)

    report = Report()
    if not args.no_build:
        build(report)
        if report.failures:
            return 1
    if not (args.dist / APP_NAME).is_file():
        report.fail(f"no bundle at {args.dist}: build it with .venv/bin/pyinstaller build.spec")
        return 1
    check_contents(args.dist, report)

    # Run a copy outside the checkout, from another folder: the bundle must not need the repo.
    with tempfile.TemporaryDirectory(prefix="rr-bundle-") as tmp:
        copy = Path(tmp) / APP_NAME
        shutil.copytree(args.dist, copy, symlinks=True)
        bundle_command = [str(copy / APP_NAME)]
        report.section(f"smoke test of a copy in {copy}, offscreen, fresh data folder")
        hide = hide_checkout_wrapper()
        if hide:
            report.info(f"{ROOT} is hidden (empty tmpfs in a private mount namespace)")
        else:
            report.info("the checkout stays visible: unshare/mount is not permitted here")
        check_run(run_app(bundle_command, wrapper=hide), report, "bundle, offscreen")
        check_sim(bundle_command, report)
        check_xcb(bundle_command, report)
        check_keyring(bundle_command, report)
        host_libraries(bundle_command, copy, report)
        source = Path(sys.executable).parent / APP_NAME
        source_command = [str(source)] if source.exists() else [sys.executable, "-m", "desktop"]
        report.section("smoke test from source")
        check_run(run_app(source_command), report, "source, offscreen")
        if args.runs > 0:
            compare_first_paint(bundle_command, source_command, args.runs, report)

    report.section("result")
    if report.failures:
        print(f"{len(report.failures)} problem(s):")
        for failure in report.failures:
            print(f" - {failure}")
        return 1
    print("bundle OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
