"""The wire form of the contract: every DTO to JSON and back, derived from its dataclass fields.

Part of the contract (like desktop.backend.api): the HTTP service encodes with it, the HTTP
client (desktop.remote) decodes with it. Nothing here names a DTO's fields, so a field added to
a frozen dataclass flows over the wire with no edit: `encode` walks `dataclasses.fields`,
`decode` reads the same fields' type hints. Times are ISO 8601 UTC with a `Z` suffix, enums
their values, tuples JSON arrays. Decoding ignores keys it does not know (a newer server) and
leaves fields the sender did not have at their defaults (an older one).
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar, Union

from desktop.domain.reasons import Detail

T = TypeVar("T")

Json = Any
"""A value `json.dumps` accepts: dict, list, str, int, float, bool or None."""

_ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


class WireFormatError(ValueError):
    """A document that does not fit the type it should decode to."""


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z` suffix."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    """An aware UTC datetime from ISO 8601 (a `Z` suffix or an offset)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise WireFormatError(f"not an ISO 8601 time: {text!r}") from None
    if moment.tzinfo is None:
        raise WireFormatError(f"a time without its UTC offset: {text!r}")
    return moment.astimezone(UTC)


_PLAIN = frozenset({str, int, float, bool, type(None)})
"""Types `encode` passes through as they are (exactly these: an enum deriving from str or int
is not one of them and goes by its value)."""


_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def _field_names(kind: type) -> tuple[str, ...] | None:
    """The fields `encode` writes for instances of `kind`, or None when it is no dataclass
    (found once per type)."""
    if kind not in _FIELD_NAMES:
        is_dto = dataclasses.is_dataclass(kind)
        _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind)) if is_dto else None
    return _FIELD_NAMES[kind]


def encode(value: object) -> Json:
    """The JSON form of a DTO, an enum, a time, a tuple or a plain value."""
    kind = type(value)
    if kind in _PLAIN:  # most of a document's leaves: the quick way first
        return value
    names = _field_names(kind)  # per type once: a sync's answer is ~70 values (issue 12.7)
    if names is not None:
        return {name: encode(getattr(value, name)) for name in names}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, tuple | list | frozenset | set):
        return [encode(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): encode(item) for key, item in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot put a {type(value).__name__} on the wire")


def json_body(value: object) -> bytes:
    """`value` encoded and written as the HTTP service's JSON body (UTF-8, no spaces: the form
    of Starlette's JSONResponse)."""
    return json.dumps(
        encode(value), ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode()


def decode(kind: type[T], data: Json) -> T:
    """`data` (from `encode`) read back as `kind`; WireFormatError when it does not fit."""
    return typing.cast(T, _decode(kind, data, "$"))


def _decode(kind: Any, data: Json, where: str) -> Any:
    if kind is Any or kind is object:
        return data
    origin = typing.get_origin(kind)
    if origin is Union or origin is types.UnionType:
        options = typing.get_args(kind)
        if data is None and type(None) in options:
            return None
        failures = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _decode(option, data, where)
            except WireFormatError as error:
                failures.append(str(error))
        raise WireFormatError("; ".join(failures) or f"{where}: null where a value is needed")
    if origin is typing.Literal:
        if data not in typing.get_args(kind):
            raise WireFormatError(f"{where}: {data!r} is not one of {typing.get_args(kind)}")
        return data
    if origin is tuple:
        args = typing.get_args(kind)
        if not isinstance(data, list):
            raise WireFormatError(f"{where}: expected an array")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], item, f"{where}[{i}]") for i, item in enumerate(data))
        if len(args) != len(data):
            raise WireFormatError(f"{where}: expected {len(args)} items")
        return tuple(
            _decode(a, item, f"{where}[{i}]")
            for i, (a, item) in enumerate(zip(args, data, strict=True))
        )
    if origin in (dict, Mapping, typing.get_origin(Mapping[str, int])):
        key_kind, value_kind = typing.get_args(kind)
        if not isinstance(data, dict):
            raise WireFormatError(f"{where}: expected an object")
        return {
            _decode(key_kind, key, where): _decode(value_kind, item, f"{where}.{key}")
            for key, item in data.items()
        }
    if origin is not None:
        raise TypeError(f"{where}: cannot read {kind!r} from the wire")
    if not isinstance(kind, type):
        raise TypeError(f"{where}: cannot read {kind!r} from the wire")
    if dataclasses.is_dataclass(kind):
        return _decode_dataclass(kind, data, where)
    if issubclass(kind, Enum):
        try:
            return kind(data)
        except ValueError:
            raise WireFormatError(f"{where}: {data!r} is not a {kind.__name__}") from None
    if kind is datetime:
        if not isinstance(data, str):
            raise WireFormatError(f"{where}: expected a time")
        return parse_time(data)
    if kind is bool:
        if not isinstance(data, bool):
            raise WireFormatError(f"{where}: expected true or false")
        return data
    if kind is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise WireFormatError(f"{where}: expected a whole number")
        return data
    if kind is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise WireFormatError(f"{where}: expected a number")
        return float(data)
    if kind is str:
        if not isinstance(data, str):
            raise WireFormatError(f"{where}: expected a string")
        return data
    raise TypeError(f"{where}: cannot read {kind.__name__} from the wire")


def _decode_dataclass(kind: type[Any], data: Json, where: str) -> Any:
    if not isinstance(data, dict):
        raise WireFormatError(f"{where}: expected an object for {kind.__name__}")
    hints = _hints(kind)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(kind):
        if not f.init:
            continue
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise WireFormatError(f"{where}: {kind.__name__} needs {f.name!r}")
            continue
        values[f.name] = _decode(hints[f.name], data[f.name], f"{where}.{f.name}")
    try:
        return kind(**values)
    except (TypeError, ValueError) as error:
        raise WireFormatError(f"{where}: {kind.__name__}: {error}") from None


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(kind: type[Any]) -> dict[str, Any]:
    hints = _HINTS.get(kind)
    if hints is None:
        hints = _HINTS[kind] = typing.get_type_hints(kind)
    return hints


# -- error details ------------------------------------------------------------------------------


def encode_details(details: Mapping[str, Detail]) -> dict[str, Json]:
    """An error's details for its body: times as ISO strings, the rest as they are."""
    return {
        key: iso(value) if isinstance(value, datetime) else value for key, value in details.items()
    }


def decode_details(data: Json) -> dict[str, Detail]:
    """An error body's details: ISO UTC strings become times again; other values pass."""
    if not isinstance(data, dict):
        return {}
    details: dict[str, Detail] = {}
    for key, value in data.items():
        if isinstance(value, str) and _ISO_UTC.match(value):
            details[str(key)] = parse_time(value)
        elif isinstance(value, str | int) and not isinstance(value, bool):
            details[str(key)] = value
        elif value is not None:
            details[str(key)] = str(value)
    return details
