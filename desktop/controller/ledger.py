"""The token ledger as CSV (DESIGN R6): one row per grant, spend and expiry."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from desktop.domain.clock import as_utc
from desktop.paths import private_file
from desktop.storage import LedgerEntry

COLUMNS = ("event", "at_utc", "token_id", "invitation_id", "recipient", "expires_at_utc")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    # A recipient address is user text: never let a spreadsheet run it as a formula.
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _utc(moment: datetime) -> str:
    return as_utc(moment).isoformat().replace("+00:00", "Z")


def write_ledger(path: Path, entries: Iterable[LedgerEntry]) -> int:
    """Write the CSV atomically (temporary file, then rename); returns the number of rows."""
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    count = 0
    private_file(partial)  # owner-only before anything is written to it; the rename keeps it
    with partial.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for entry in entries:
            writer.writerow(
                (
                    entry.event,
                    _utc(entry.at),
                    entry.token_id,
                    entry.invitation_id,
                    _cell(entry.recipient),
                    _utc(entry.expires_at) if entry.expires_at is not None else "",
                )
            )
            count += 1
    os.replace(partial, target)
    return count
