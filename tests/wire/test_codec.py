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
from desktop.domain.credits import Credit, CreditSource, CreditWindows, RedemptionCode
from desktop.domain.cycles import RewardCycle
from desktop.domain.offer import Offer, OfferSettings
from desktop.domain.policy import PolicyError, ReferralPolicy
from desktop.domain.profile import Profile
from desktop.domain.reasons import Reason
from desktop.domain.usage import UsageWindow, WindowKind


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
    OfferSettings,
]
# Domain types the contract carries as they are (the cache and the window keep them too).
SHARED_SHAPES = [Profile, RewardCycle, Credit, Offer]

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
        if kind is OfferSettings:
            return st.builds(_offer_settings, st.fixed_dictionaries(fields))
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


def _offer_settings(values: dict[str, Any]) -> OfferSettings:
    try:
        return OfferSettings(**values)
    except PolicyError:
        return OfferSettings()


def test_the_known_dtos_are_all_covered() -> None:
    names = {kind.__name__ for kind in API_DTOS + QA_DTOS}
    for name in ("SessionDTO", "SyncDTO", "InvitationDTO", "RedemptionDTO"):
        assert name in names
    for name in ("InvitationRecord", "BackendStatus", "OutboxEntry", "Wallet"):
        assert name in names
    for name in ("BackendOverview", "OfferSettings"):
        assert name in names


MOMENT = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def test_issue_14_fields_cross_the_wire_both_ways() -> None:
    token = Credit(
        id="tok_1",
        granted_at=MOMENT,
        expires_at=None,
        state="spent",
        invitation_id="",
        spent_at=MOMENT,
        version=7,
        source=CreditSource.COMPLIMENTARY,
        title="Complimentary usage reset",
        windows=CreditWindows.FIVE_HOUR,
    )
    wire = encode(token)
    assert (wire["source"], wire["windows"], wire["expires_at"]) == (
        "complimentary",
        "five_hour",
        None,
    )
    assert decode(Credit, json.loads(json.dumps(wire))) == token
    offer = Offer(
        id="off_1",
        offered=False,
        title="Invite a friend",
        description="",
        rules=("One.", "Two."),
        requires_confirmation=True,
        send_capacity=None,
        reward_capacity=0,
        rewards_resume_at=MOMENT,
        send_capacity_frees_at=None,
        max_recipients=5,
        issued_at=MOMENT,
        expires_at=MOMENT + timedelta(minutes=5),
        unavailable_reason=Reason.OFFER_PAUSED,
    )
    wire = encode(offer)
    assert wire["send_capacity"] is None  # unknown stays unknown, never 0
    assert wire["reward_capacity"] == 0
    assert wire["rules"] == ["One.", "Two."]
    assert wire["unavailable_reason"] == "offer_paused"
    assert decode(Offer, json.loads(json.dumps(wire))) == offer
    usage = api.UsageDTO(
        five_hour=UsageWindow(WindowKind.FIVE_HOUR, 100, 0, None),
        weekly=UsageWindow(WindowKind.WEEKLY, 1000, 400, MOMENT),
        now=MOMENT,
    )
    before = dataclasses.replace(
        usage, five_hour=UsageWindow(WindowKind.FIVE_HOUR, 100, 60, MOMENT)
    )
    redemption = api.RedemptionDTO(
        token, usage, replayed=False, code=RedemptionCode.RESET, usage_before=before
    )
    wire = encode(redemption)
    assert wire["code"] == "reset"
    assert wire["usage_before"]["five_hour"]["used"] == 60
    assert decode(api.RedemptionDTO, json.loads(json.dumps(wire))) == redemption


def test_an_older_servers_answers_decode_with_the_new_fields_at_their_defaults() -> None:
    old_token = {"id": "tok_1", "granted_at": "2025-03-10T12:00:00Z", "expires_at": None,
                 "state": "available", "invitation_id": "inv_1", "spent_at": None,
                 "version": 1}  # fmt: skip
    token = decode(Credit, old_token)
    assert (token.source, token.windows, token.title) == (
        CreditSource.REFERRAL,
        CreditWindows.BOTH,
        "",
    )
    usage = api.UsageDTO(
        five_hour=UsageWindow(WindowKind.FIVE_HOUR, 100, 0, None),
        weekly=UsageWindow(WindowKind.WEEKLY, 1000, 0, None),
        now=MOMENT,
    )
    old_redemption = {"token": old_token, "usage": encode(usage), "replayed": True}
    redemption = decode(api.RedemptionDTO, old_redemption)
    assert redemption.code is RedemptionCode.RESET
    assert redemption.usage_before is None


@pytest.mark.parametrize("kind", API_DTOS + QA_DTOS + SHARED_SHAPES, ids=lambda kind: kind.__name__)
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
        decode(Profile, {"id": 1, "email": "", "display_name": "", "plan": "", "billing_day": 1})
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
