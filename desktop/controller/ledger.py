"""The token ledger as CSV (DESIGN R6): one row per grant, spend and expiry."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path

from desktop.domain.clock import as_utc
from desktop.storage import LedgerEntry

COLUMNS = ("event", "at_utc", "token_id", "invitation_id", "recipient")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    # A recipient address is user text: never let a spreadsheet run it as a formula.
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def write_ledger(path: Path, entries: Iterable[LedgerEntry]) -> int:
    """Write the CSV atomically (temporary file, then rename); returns the number of rows."""
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    count = 0
    with partial.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for entry in entries:
            writer.writerow(
                (
                    entry.event,
                    as_utc(entry.at).isoformat().replace("+00:00", "Z"),
                    entry.token_id,
                    entry.invitation_id,
                    _cell(entry.recipient),
                )
            )
            count += 1
    os.replace(partial, target)
    return count
