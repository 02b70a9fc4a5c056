"""A crash in native code at exit happened twice in ~110 starts in round 9 and once in a CI run
in round 11, each time with nothing on stderr. The app now turns on `faulthandler` for its
own command line, so the next one prints where every thread was."""

from __future__ import annotations

from tests.child_python import run_python

MAIN_WITH_HELP = """
import faulthandler, sys
import desktop.app
sys.argv = ["referral-desktop", "--help"]
try:
    desktop.app.main()
except SystemExit:
    pass
print(faulthandler.is_enabled(), file=sys.stderr)
"""

CRASH = """
import faulthandler, threading
import desktop.app
desktop.app.report_fatal_errors()
faulthandler._sigsegv()
"""


def test_the_apps_command_line_turns_on_fatal_error_reports() -> None:
    result = run_python("-c", MAIN_WITH_HELP)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "True"


def test_a_segmentation_fault_prints_every_threads_stack() -> None:
    result = run_python("-c", CRASH)
    assert result.returncode != 0
    assert "Fatal Python error: Segmentation fault" in result.stderr
    assert "Current thread" in result.stderr
