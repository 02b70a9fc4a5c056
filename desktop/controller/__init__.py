"""The QObject between the UI and everything else; emits immutable `AppState` snapshots."""

from desktop.controller.controller import Controller
from desktop.controller.retry import RetryPolicy

__all__ = ["Controller", "RetryPolicy"]
