"""The app's way out of a data folder it cannot use as is (issue 11 item 3): the backend file is
looked at before start, a damaged or newer one is refused unless the user moves it aside, an
older one is kept, app.log failures are one line, and a call that finds damage offers the same
way out. The boxes are replaced (they are modal); the files and the moves are real."""

from __future__ import annotations

import errno
import logging
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop import data_folder
from desktop.app import create, main
from desktop.backend.datafile import SCHEMA_VERSION, backend_db_path
from desktop.backend.simulator import Simulator
from desktop.data_folder import AppLog, BackendFileFaults, prepare_backend_file
from desktop.deferred import DeferredBackend
from desktop.domain.reasons import Reason
from desktop.environment import EXIT_LOCAL_FAULT, LocalFault
from desktop.ui.data_problem import DataProblemBox

GARBAGE = b"garbage, not a database\n" * 100


class Boxes:
    """Stands in for DataProblemBox: records what was shown, answers `ask` with `answer`."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked: list[str] = []
        self.told: list[str] = []
        self.failed: list[str] = []


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    shown = Boxes(answer=True)

    def ask(parent: QWidget | None, sentence: str, action: str = "") -> bool:
        shown.asked.append(sentence)
        return shown.answer

    monkeypatch.setattr(DataProblemBox, "ask", ask)
    monkeypatch.setattr(DataProblemBox, "tell", lambda parent, s: shown.told.append(s))
    monkeypatch.setattr(DataProblemBox, "fail", lambda parent, s: shown.failed.append(s))
    return shown


@pytest.fixture
def window(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def _set_version(data_dir: Path, version: int) -> None:
    with Simulator(data_dir):
        pass
    with closing(sqlite3.connect(backend_db_path(data_dir))) as connection:
        connection.execute("UPDATE backend_state SET schema_version = ?", (version,))
        if version < SCHEMA_VERSION:  # an older file is one from before Alembic managed it
            connection.execute("DROP TABLE IF EXISTS alembic_version")
        connection.commit()


def test_a_damaged_backend_can_be_moved_aside_at_start(
    data_dir: Path, boxes: Boxes, window: QWidget, capsys: pytest.CaptureFixture[str]
) -> None:
    backend_db_path(data_dir).write_bytes(GARBAGE)
    assert prepare_backend_file(data_dir, window)
    [asked] = boxes.asked
    assert "is damaged" in asked
    [moved] = data_dir.glob("backend.sqlite.set-aside-*")
    assert moved.read_bytes() == GARBAGE
    [told] = boxes.told
    assert str(moved) in told
    assert "error (backend_damaged)" in capsys.readouterr().err


def test_declining_leaves_the_damaged_backend_and_stops(
    data_dir: Path, boxes: Boxes, window: QWidget
) -> None:
    boxes.answer = False
    backend_db_path(data_dir).write_bytes(GARBAGE)
    assert not prepare_backend_file(data_dir, window)
    assert backend_db_path(data_dir).read_bytes() == GARBAGE
    assert list(data_dir.glob("backend.sqlite.*")) == []


def test_unattended_a_newer_backend_stops_without_asking(
    data_dir: Path, boxes: Boxes, capsys: pytest.CaptureFixture[str]
) -> None:
    _set_version(data_dir, SCHEMA_VERSION + 1)
    before = backend_db_path(data_dir).read_bytes()
    assert not prepare_backend_file(data_dir, None)
    assert boxes.asked == []
    assert backend_db_path(data_dir).read_bytes() == before
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("error (backend_newer): ")


def test_an_older_backend_is_kept_and_the_user_told(
    data_dir: Path, boxes: Boxes, window: QWidget
) -> None:
    _set_version(data_dir, 0)  # a version with no in-place step: rebuilt, so kept first
    assert prepare_backend_file(data_dir, window)
    [kept] = data_dir.glob("backend.sqlite.backup-v0-*")
    [told] = boxes.told
    assert f"It was kept as {kept}" in told


class FullDisk:
    """A stream on a disk with no room left."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    def close(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_log_on_a_full_disk_is_one_line_and_no_traceback(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = AppLog(data_dir)
    handler.stream.close()
    handler.stream = FullDisk()  # type: ignore[assignment]
    logger = logging.getLogger("test-full-disk")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.error("first")
        logger.error("second")
    finally:
        logger.removeHandler(handler)
        handler.close()
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("error (disk_full): The disk holding ")
    assert str(data_dir / "app.log") in line


def test_the_deferred_backend_reports_a_damaged_file_and_moves_it_aside(data_dir: Path) -> None:
    backend_db_path(data_dir).write_bytes(GARBAGE)
    api = DeferredBackend(data_dir)
    seen: list[LocalFault] = []
    api.on_file_fault = seen.append
    try:
        with pytest.raises(LocalFault):
            api.sign_in("pilot@example.com", "demo", "key-1")
        assert [fault.reason for fault in seen] == [Reason.BACKEND_DAMAGED]
        moved = api.set_aside()
        assert moved.read_bytes() == GARBAGE
        assert api.sign_in("pilot@example.com", "demo", "key-2").account.email == (
            "pilot@example.com"
        )
    finally:
        api.close()


def test_a_running_app_offers_the_way_out_once(
    data_dir: Path, boxes: Boxes, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Simulator(data_dir):
        pass
    app = create(data_dir)
    try:
        synced: list[bool] = []
        monkeypatch.setattr(app.controller, "sync_now", lambda: synced.append(True))
        assert isinstance(app.api, DeferredBackend)
        BackendFileFaults(app, app.api)  # owned by the window
        fault = LocalFault(Reason.BACKEND_DAMAGED, {"path": str(backend_db_path(data_dir))})
        assert app.api.on_file_fault is not None
        app.api.on_file_fault(fault)
        qtbot.waitUntil(lambda: len(boxes.told) == 1)
        assert len(boxes.asked) == 1
        assert len(list(data_dir.glob("backend.sqlite.set-aside-*"))) == 1
        assert synced == [True]
    finally:
        app.close()


@pytest.mark.parametrize(
    ("number", "reason"),
    [(errno.EROFS, "read_only"), (errno.EACCES, "read_only"), (errno.ENOSPC, "disk_full")],
)
def test_a_data_folder_that_cannot_be_written_stops_the_start_with_one_line(
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    number: int,
    reason: str,
) -> None:
    # As root, chmod stops nothing: the kernel's answer is raised where the folder is prepared.
    def refused(path: Path) -> Path:
        raise OSError(number, "raw words from the kernel", str(path))

    monkeypatch.setattr(data_folder, "private_folder", refused)
    assert main(["--data-dir", str(data_dir), "--smoke-test"]) == EXIT_LOCAL_FAULT
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith(f"error ({reason}): {data_dir}") or line.startswith(
        f"error ({reason}): The disk holding {data_dir}"
    )
    assert "raw words" not in line
