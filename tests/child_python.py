"""This project's Python in a child process (a fresh interpreter, or another process writing the
same database), importable from anywhere the tests run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_python(*arguments: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python ARGUMENTS...` with this checkout importable; output captured as text, never
    raising on a non-zero exit (the caller asserts on it, with stderr in the message)."""
    return subprocess.run(
        [sys.executable, *arguments],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=timeout,
        check=False,
    )
