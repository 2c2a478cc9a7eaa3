"""JSON encoding in one place (orjson: several times faster than the stdlib both ways).

A body that cannot be encoded (a lone surrogate such as `"x\\udcff"` in a string, a value
JSON has no form for) raises [`ValidationError`][blockbax_async.errors.ValidationError] naming the
field, never orjson's `TypeError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson

from .errors import ValidationError

__all__ = ["JSONDecodeError", "check_text", "dumps", "field_name", "loads", "sendable"]

JSONDecodeError = orjson.JSONDecodeError

_MAX_DEPTH = 254  # orjson's own nesting limit
_UPPER = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def dumps(obj: Any) -> bytes:
    """Serialize to compact UTF-8 JSON bytes;
    [`ValidationError`][blockbax_async.errors.ValidationError] names a field that cannot be
    encoded."""
    try:
        return orjson.dumps(obj)
    except orjson.JSONEncodeError as exc:
        raise _unencodable(obj, exc) from None


def loads(data: bytes | str) -> Any:
    """Parse JSON bytes or text."""
    return orjson.loads(data)


def field_name(key: str) -> str:
    """The snake_case name of an API key: `subjectTypeId` is `subject_type_id`."""
    return _UPPER.sub("_", key).lower()


def sendable(text: str) -> bool:
    """Whether `text` can be sent: UTF-8 has no form for a lone surrogate (`"\\udcff"`,
    from `surrogateescape` decoding or a JSON `\\ud800` escape)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_text(field: str, value: str) -> str:
    """`value`, or a [`ValidationError`][blockbax_async.errors.ValidationError] naming `field` when
    it is not `sendable`."""
    if not sendable(value):
        raise ValidationError(f"{field}: {value!r} cannot be encoded as UTF-8 (a lone surrogate)")
    return value


def _unencodable(obj: Any, exc: orjson.JSONEncodeError) -> ValidationError:
    for where, value in _leaves(obj, "body", 0):
        if isinstance(value, str):
            try:
                check_text(where, value)
            except ValidationError as error:
                return error
            continue
        try:
            orjson.dumps(value)
        except orjson.JSONEncodeError as leaf:
            return ValidationError(f"{where}: {value!r} cannot be sent as JSON ({leaf})")
    return ValidationError(f"body: cannot be sent as JSON ({exc})")


def _leaves(obj: Any, where: str, depth: int) -> Iterator[tuple[str, Any]]:
    """`(field path, value)` of every string, key and scalar in `obj`."""
    if depth > _MAX_DEPTH:
        raise ValidationError(f"{where}: nested too deeply to send as JSON")
    if isinstance(obj, dict):
        for key, value in obj.items():
            name = field_name(key) if isinstance(key, str) else repr(key)
            path = name if where == "body" else f"{where}.{name}"
            yield path, key
            yield from _leaves(value, path, depth + 1)
    elif isinstance(obj, list | tuple):
        for index, value in enumerate(obj):
            yield from _leaves(value, f"{where}[{index}]", depth + 1)
    else:
        yield where, obj
