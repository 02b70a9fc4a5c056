"""Join page fixtures: a simulator on a manual clock, the page served on loopback, a browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from desktop.backend.simulator import Simulator
from desktop.backend.web.join import router
from tests.backend.support import ManualClock
from tests.web.support import CHROMIUM, CHROMIUM_ARGS, require_chromium, serving


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(data_dir: Path, clock: ManualClock) -> Iterator[Simulator]:
    with Simulator(data_dir, clock) as simulator:
        yield simulator


@pytest.fixture
def join_app(sim: Simulator) -> FastAPI:
    app = FastAPI()
    app.include_router(router(lambda: sim))
    return app


@pytest.fixture
def server(join_app: FastAPI) -> Iterator[str]:
    """Base URL of the join page served over the test's simulator."""
    with serving(join_app) as base:
        yield base


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright (nothing downloaded)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: object) -> Iterator[object]:
    """A fresh browser context (no cookies) and page; any JavaScript dialog fails the test."""
    from playwright.sync_api import Browser, Dialog

    assert isinstance(chromium, Browser)
    context = chromium.new_context(viewport={"width": 760, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()
    assert dialogs == [], f"the page ran script: {dialogs}"


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where the walk-through saves its screenshots: $JOIN_SCREENSHOTS (docs/screenshots to
    refresh the docs), else a temporary folder."""
    folder = Path(os.environ.get("JOIN_SCREENSHOTS", tmp_path / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
