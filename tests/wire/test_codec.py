"""The wire form of every DTO: encode, JSON, decode gives the same value back."""

from __future__ import annotations

import dataclasses
import inspect
import json
import types
import typing
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.backend import api, clock, faults, simulator
from desktop.backend.wire import WireFormatError, decode, decode_details, encode, encode_details
from desktop.domain.cohort import CohortDecision
from desktop.domain.policy import PolicyError, ReferralPolicy
from desktop.domain.reasons import Reason


def _dataclasses_of(module: types.ModuleType) -> list[type[Any]]:
    return [
        kind
        for _, kind in inspect.getmembers(module, inspect.isclass)
        if dataclasses.is_dataclass(kind) and kind.__module__ == module.__name__
    ]


API_DTOS = _dataclasses_of(api)
QA_DTOS = [
    *_dataclasses_of(simulator),
    clock.ClockView,
    faults.FaultSettings,
    CohortDecision,
    ReferralPolicy,
]

TIMES = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def strategy(kind: Any) -> st.SearchStrategy[Any]:
    """Values of `kind`, built from its type hints (so new fields are covered too)."""
    origin = typing.get_origin(kind)
    if origin is typing.Union or origin is types.UnionType:
        return st.one_of([strategy(option) for option in typing.get_args(kind)])
    if origin is typing.Literal:
        return st.sampled_from(typing.get_args(kind))
    if origin is tuple:
        args = typing.get_args(kind)
        return st.lists(strategy(args[0]), max_size=2).map(tuple)
    if kind is type(None):
        return st.none()
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        fields = {f.name: strategy(hints[f.name]) for f in dataclasses.fields(kind) if f.init}
        built = st.builds(kind, **fields)
        if kind is ReferralPolicy:
            return st.builds(_policy, st.fixed_dictionaries(fields))
        return built
    if isinstance(kind, type) and issubclass(kind, Enum):
        return st.sampled_from(list(kind))
    if kind is datetime:
        return TIMES
    if kind is bool:
        return st.booleans()
    if kind is int:
        return st.integers(0, 10_000)  # every DTO's numbers are counts, days or milliseconds
    if kind is float:
        return st.floats(0, 1)  # the one float is an error rate
    if kind is str:
        return st.text(max_size=20)
    raise AssertionError(f"no strategy for {kind!r}: teach tests/wire/test_codec.py")


def _policy(values: dict[str, Any]) -> ReferralPolicy:
    try:
        return ReferralPolicy(**values)
    except PolicyError:
        return ReferralPolicy()


def test_the_known_dtos_are_all_covered() -> None:
    names = {kind.__name__ for kind in API_DTOS + QA_DTOS}
    for name in ("SessionDTO", "SyncDTO", "InvitationDTO", "RedemptionDTO", "TokenDTO"):
        assert name in names
    for name in ("InvitationRecord", "BackendStatus", "OutboxEntry", "Wallet"):
        assert name in names


@pytest.mark.parametrize("kind", API_DTOS + QA_DTOS, ids=lambda kind: kind.__name__)
@settings(max_examples=25)
@given(data=st.data())
def test_every_dto_round_trips_through_json(kind: type[Any], data: st.DataObject) -> None:
    value = data.draw(strategy(kind))
    wire = json.loads(json.dumps(encode(value)))
    assert decode(kind, wire) == value


def test_times_are_utc_with_a_z() -> None:
    moment = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
    assert encode(api.InvitationEventDTO(state=api.InvitationState.SENT, at=moment)) == {
        "state": "sent",
        "at": "2025-03-10T12:00:00Z",
    }


def test_unknown_keys_are_ignored_and_missing_defaults_filled() -> None:
    moment = datetime(2025, 3, 10, tzinfo=UTC)
    event = encode(api.InvitationEventDTO(state=api.InvitationState.SENT, at=moment))
    assert decode(api.InvitationEventDTO, {**event, "added_later": 1}).at == moment


def test_a_missing_required_field_or_a_wrong_type_is_a_wire_format_error() -> None:
    with pytest.raises(WireFormatError):
        decode(api.InvitationEventDTO, {"state": "sent"})
    with pytest.raises(WireFormatError):
        decode(api.InvitationEventDTO, {"state": "nonsense", "at": "2025-03-10T00:00:00Z"})
    with pytest.raises(WireFormatError):
        decode(
            api.AccountDTO, {"id": 1, "email": "", "display_name": "", "plan": "", "billing_day": 1}
        )
    with pytest.raises(WireFormatError):
        decode(api.InvitationEventDTO, {"state": "sent", "at": "2025-03-10T00:00:00"})


def test_error_details_keep_their_times() -> None:
    at = datetime(2025, 3, 11, 12, 30, tzinfo=UTC)
    details = {"limit": 10, "at": at, "recipient": "a@example.com"}
    back = decode_details(json.loads(json.dumps(encode_details(details))))
    assert back == details
    error = api.error_for(Reason.DAILY_LIMIT, back)
    assert "11 Mar 2025 12:30 UTC" in error.message
    assert at + timedelta(0) == back["at"]
