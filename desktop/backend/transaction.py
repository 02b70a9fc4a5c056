"""One unit of work on the backend database, with the time and policy it runs under."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from desktop.backend.store import BackendState
from desktop.domain.offer import OfferSettings
from desktop.domain.policy import ReferralPolicy


@dataclass
class BackendTransaction:
    """The session of one unit of work, its backend time and the policy in force."""

    session: Session
    state: BackendState
    now: datetime
    policy: ReferralPolicy
    read_only: bool = False
    """A snapshot read (BackendStore.read): taking a change version is a bug there."""
    memo: dict[object, int] = field(default_factory=dict, repr=False)
    """Counts a read-only unit of work needs more than once (nothing changes under it)."""
    _version: int | None = field(default=None, repr=False)

    def change_version(self) -> int:
        """The version every row changed in this transaction carries (R8).

        Taken from the global sequence on first use; transactions are serialised by
        BEGIN IMMEDIATE, so versions become visible in commit order and a cursor never skips one.
        """
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot change rows")
        if self._version is None:
            self.state.last_version += 1
            self._version = self.state.last_version
        return self._version

    def save_policy(self, policy: ReferralPolicy) -> None:
        """Persist a new policy for this and later transactions."""
        self.state.policy_json = json.dumps(policy.to_mapping(), sort_keys=True)
        self.policy = policy

    @property
    def offer_settings(self) -> OfferSettings:
        """The offer's copy and switches as QA set them (defaults for values never set)."""
        return OfferSettings.from_mapping(json.loads(self.state.offer_json or "{}"))

    def save_offer_settings(self, settings: OfferSettings) -> None:
        """Persist new offer settings for this and later transactions."""
        self.state.offer_json = json.dumps(settings.to_mapping(), sort_keys=True)


def load_policy(state: BackendState) -> ReferralPolicy:
    """The policy stored in the state row (defaults for values never set)."""
    values: dict[str, object] = json.loads(state.policy_json or "{}")
    return ReferralPolicy.from_mapping(values)
