"""The QObject between the UI and everything else; emits immutable `AppState` snapshots.

`Controller` and `RetryPolicy` are loaded on first use (PEP 562): the UI imports
`desktop.controller.state` before the window's first paint, and importing this package must not
pull in the controller's dependencies (SQLAlchemy, Alembic, the backend) at that point.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.controller.controller import Controller
    from desktop.controller.retry import RetryPolicy

__all__ = ["Controller", "RetryPolicy"]


def __getattr__(name: str) -> Any:
    if name == "Controller":
        from desktop.controller.controller import Controller

        return Controller
    if name == "RetryPolicy":
        from desktop.controller.retry import RetryPolicy

        return RetryPolicy
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
