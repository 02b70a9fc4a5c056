"""The session token in the OS keyring (DESIGN R9), or in memory for this session only.

The token is never written anywhere else: not the cache, not QSettings, not a log. When the
keyring cannot keep secrets (keyring's fail or null backend, an empty chain, or an error on use)
the store keeps the token in memory and says so through `persistent`.
"""

from __future__ import annotations

import logging
import threading

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import keyring.errors

SERVICE_NAME = "referral-desktop"
SESSION_ENTRY = "session"

log = logging.getLogger(__name__)


def keyring_is_usable(backend: keyring.backend.KeyringBackend) -> bool:
    """False for backends that cannot keep a secret (fail raises; null and empty chains drop)."""
    if isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
        return False
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        return bool(backend.backends)
    return True


class CredentialStore:
    """Where the session token lives. Thread-safe: the controller calls it from pool threads."""

    def __init__(
        self,
        *,
        service: str = SERVICE_NAME,
        entry: str = SESSION_ENTRY,
        backend: keyring.backend.KeyringBackend | None = None,
    ) -> None:
        self._service = service
        self._entry = entry
        self._backend = backend if backend is not None else keyring.get_keyring()
        self._lock = threading.Lock()
        self._memory: str | None = None
        self._persistent = keyring_is_usable(self._backend)

    @property
    def persistent(self) -> bool:
        """True while the token goes to the OS keyring; False: sign-in lasts this session only."""
        return self._persistent

    def load(self) -> str | None:
        """The saved session token, if any."""
        with self._lock:
            if self._memory is not None or not self._persistent:
                return self._memory
            try:
                token: str | None = self._backend.get_password(self._service, self._entry)
            except Exception as error:  # any backend failure means: no usable keyring
                self._fall_back(error)
                return None
            return token

    def save(self, token: str) -> bool:
        """Keep `token`; returns `persistent` (False: kept in memory for this session)."""
        with self._lock:
            if self._persistent:
                try:
                    self._backend.set_password(self._service, self._entry, token)
                    self._memory = None
                    return True
                except Exception as error:
                    self._fall_back(error)
            self._memory = token
            return False

    def clear(self) -> None:
        """Forget the token, wherever it was kept."""
        with self._lock:
            self._memory = None
            if not self._persistent:
                return
            try:
                self._backend.delete_password(self._service, self._entry)
            except keyring.errors.PasswordDeleteError:
                pass  # nothing was saved
            except Exception as error:
                self._fall_back(error)

    def _fall_back(self, error: Exception) -> None:
        # The error text never includes the secret; the type is enough for a bug report.
        log.warning("keyring unusable (%s); the session lasts until the app closes", type(error))
        self._persistent = False
