"""The session token in the OS keyring (DESIGN R9), or in memory for this session only.

The token is never written anywhere else: not the cache, not QSettings, not a log. When the
keyring cannot keep secrets (keyring's fail or null backend, an empty chain, or an error on use)
the store keeps the token in memory and says so through `persistent`.

keyring is imported, and its backend discovered, on first use rather than at import: discovery
loads every installed backend (on Linux that includes the macOS one, whose import runs gcc and ld
looking for the Security framework) and asks D-Bus for a Secret Service, 0.1-0.3 s in all. With
`defer_discovery=True` that first use is the controller's keyring read on a pool thread, after
the cached data is on screen, instead of the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keyring.backend

SERVICE_NAME = "referral-desktop"
SESSION_ENTRY = "session"

log = logging.getLogger(__name__)


def keyring_is_usable(backend: keyring.backend.KeyringBackend) -> bool:
    """False for backends that cannot keep a secret (fail raises; null and empty chains drop)."""
    import keyring.backends.chainer
    import keyring.backends.fail
    import keyring.backends.null

    if isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
        return False
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        return bool(backend.backends)
    return True


class CredentialStore:
    """Where the session token lives. Thread-safe: the controller calls it from pool threads.

    `backend` replaces the system keyring (tests). Without it the system keyring is found at once,
    or, with `defer_discovery`, on the first `load`, `save` or `clear`; until then `persistent`
    is True (nothing is known against it yet).
    """

    def __init__(
        self,
        *,
        service: str = SERVICE_NAME,
        entry: str = SESSION_ENTRY,
        backend: keyring.backend.KeyringBackend | None = None,
        defer_discovery: bool = False,
    ) -> None:
        self._service = service
        self._entry = entry
        self._lock = threading.Lock()
        self._memory: str | None = None
        self._backend: keyring.backend.KeyringBackend | None = None
        self._persistent = True
        self._found_nothing = False
        if backend is not None:
            self._use(backend)
        elif not defer_discovery:
            with self._lock:
                self._discover()

    @property
    def persistent(self) -> bool:
        """True while the token goes to the OS keyring; False: sign-in lasts this session only."""
        return self._persistent

    @property
    def no_saved_session(self) -> bool:
        """A `load` has returned and found no session to restore (False until one has)."""
        return self._found_nothing

    def load(self) -> str | None:
        """The saved session token, if any."""
        with self._lock:
            token = self._load()
            self._found_nothing = not token
            return token

    def _load(self) -> str | None:
        backend = self._discover()
        if self._memory is not None or not self._persistent:
            return self._memory
        try:
            token: str | None = backend.get_password(self._service, self._entry)
        except Exception as error:  # any backend failure means: no usable keyring
            self._fall_back(error)
            return None
        return token

    def save(self, token: str) -> bool:
        """Keep `token`; returns `persistent` (False: kept in memory for this session)."""
        with self._lock:
            self._found_nothing = False
            backend = self._discover()
            if self._persistent:
                try:
                    backend.set_password(self._service, self._entry, token)
                    self._memory = None
                    return True
                except Exception as error:
                    self._fall_back(error)
            self._memory = token
            return False

    def clear(self) -> None:
        """Forget the token, wherever it was kept."""
        with self._lock:
            backend = self._discover()
            self._memory = None
            if not self._persistent:
                return
            import keyring.errors

            try:
                backend.delete_password(self._service, self._entry)
            except keyring.errors.PasswordDeleteError:
                pass  # nothing was saved
            except Exception as error:
                self._fall_back(error)

    def _discover(self) -> keyring.backend.KeyringBackend:
        """The keyring backend, found on first use (the lock is held)."""
        if self._backend is None:
            import keyring

            try:
                self._use(keyring.get_keyring())
            except Exception as error:  # a broken keyring configuration: memory only
                import keyring.backends.fail

                self._use(keyring.backends.fail.Keyring())  # type: ignore[no-untyped-call]
                self._fall_back(error)
        assert self._backend is not None
        return self._backend

    def _use(self, backend: keyring.backend.KeyringBackend) -> None:
        self._backend = backend
        self._persistent = keyring_is_usable(backend)

    def _fall_back(self, error: Exception) -> None:
        # The error text never includes the secret; the type is enough for a bug report.
        log.warning("keyring unusable (%s); the session lasts until the app closes", type(error))
        self._persistent = False
