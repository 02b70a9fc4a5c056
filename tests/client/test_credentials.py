"""The session token in the keyring, and the session-only fallback (DESIGN R9)."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import pytest

from desktop.credentials import SERVICE_NAME, SESSION_ENTRY, CredentialStore
from tests.conftest import MemoryKeyring


class BrokenKeyring(keyring.backend.KeyringBackend):
    """Looks usable, fails on use (a locked or vanished Secret Service)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringError("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("locked")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.PasswordDeleteError("locked")


@pytest.fixture
def installed() -> Iterator[list[keyring.backend.KeyringBackend]]:
    """Install a keyring for one test; the previous one comes back after."""
    previous = keyring.get_keyring()
    holder: list[keyring.backend.KeyringBackend] = []
    yield holder
    keyring.set_keyring(previous)


def test_the_token_goes_to_the_keyring_under_the_fixed_service(
    memory_keyring: MemoryKeyring,
) -> None:
    store = CredentialStore()
    assert store.persistent
    assert store.save("secret-token") is True
    assert memory_keyring.secrets == {(SERVICE_NAME, SESSION_ENTRY): "secret-token"}
    assert CredentialStore().load() == "secret-token"  # a new process finds it
    store.clear()
    assert memory_keyring.secrets == {}
    assert CredentialStore().load() is None


@pytest.mark.parametrize(
    "backend", [keyring.backends.fail.Keyring(), keyring.backends.null.Keyring()]
)
def test_an_unusable_keyring_keeps_the_session_in_memory_only(
    installed: list[keyring.backend.KeyringBackend], backend: keyring.backend.KeyringBackend
) -> None:
    keyring.set_keyring(backend)
    store = CredentialStore()
    assert not store.persistent
    assert store.save("secret-token") is False
    assert store.load() == "secret-token"
    assert CredentialStore().load() is None  # nothing survives the session
    store.clear()
    assert store.load() is None


def test_a_keyring_that_fails_on_use_falls_back_to_memory(
    installed: list[keyring.backend.KeyringBackend],
) -> None:
    keyring.set_keyring(BrokenKeyring())
    store = CredentialStore()
    assert store.persistent  # nothing known yet
    assert store.save("secret-token") is False
    assert not store.persistent
    assert store.load() == "secret-token"
    store.clear()
    assert store.load() is None


def test_a_failing_read_at_start_means_signed_out_and_session_only(
    installed: list[keyring.backend.KeyringBackend],
) -> None:
    keyring.set_keyring(BrokenKeyring())
    store = CredentialStore()
    assert store.load() is None
    assert not store.persistent


def test_deferred_discovery_finds_the_keyring_on_first_use(
    installed: list[keyring.backend.KeyringBackend],
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = CredentialStore(defer_discovery=True)
    assert store.persistent  # nothing known against it yet
    assert store.load() is None  # the first use found the fail backend
    assert not store.persistent
    assert store.save("secret-token") is False
    assert store.load() == "secret-token"


def test_deferred_discovery_keeps_the_token_in_the_keyring(memory_keyring: MemoryKeyring) -> None:
    store = CredentialStore(defer_discovery=True)
    assert store.save("secret-token") is True
    assert store.persistent
    assert memory_keyring.secrets == {(SERVICE_NAME, SESSION_ENTRY): "secret-token"}
    assert CredentialStore(defer_discovery=True).load() == "secret-token"


def test_no_saved_session_is_known_only_once_a_read_found_none() -> None:
    memory = MemoryKeyring()
    store = CredentialStore(backend=memory)
    assert not store.no_saved_session  # nothing read yet
    assert store.load() is None
    assert store.no_saved_session
    store.save("token")
    assert not store.no_saved_session
    assert store.load() == "token"
    assert not store.no_saved_session


def test_a_failing_keyring_read_counts_as_no_saved_session() -> None:
    store = CredentialStore(backend=BrokenKeyring())
    assert store.load() is None
    assert store.no_saved_session
