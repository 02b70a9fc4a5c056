"""An in-memory keyring backend for tests, benchmarks and screenshots.

Never picked by keyring's own discovery (it has no entry point); it is installed only where a
caller passes it explicitly, so nothing reaches the real OS keyring and nothing touches a disk.
"""

from __future__ import annotations

import keyring.backend


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Secrets in a dict, for the lifetime of the object."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        """The stored secret, or None."""
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        """Store a secret."""
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        """Forget a secret (no error when absent)."""
        self.secrets.pop((service, username), None)
