"""Settings pages, one small class each (Picard-style). The window adds the active ones."""

from __future__ import annotations

from desktop.ui.pages.account import AccountPage
from desktop.ui.pages.base import SettingsPage
from desktop.ui.pages.general import GeneralPage
from desktop.ui.pages.usage import UsagePage
from desktop.ui.pages.wallet import WalletPage

PAGE_CLASSES: tuple[type[SettingsPage], ...] = tuple(
    sorted((GeneralPage, UsagePage, AccountPage, WalletPage), key=lambda page: page.order)
)

__all__ = ["PAGE_CLASSES", "AccountPage", "GeneralPage", "SettingsPage", "UsagePage", "WalletPage"]
