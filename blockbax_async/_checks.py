"""The type checks of arguments and options, each raising a
[`ValidationError`][blockbax_async.errors.ValidationError] that names the argument and the value it
refused.

Resource methods, the input side of the models and the client options all use these, so
that one rule is written once: strings are `str` (not a `datetime`, not an `int`),
flags `bool`, whole numbers `int` (not `bool`, not `"10"`), lists any iterable but a
lone string or mapping.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import attrs

from ._json import check_text
from .errors import ValidationError

__all__ = [
    "check_bool",
    "check_instance",
    "check_int",
    "check_items",
    "check_number",
    "check_str",
    "check_url",
    "optional",
    "show",
    "validator",
]

T = TypeVar("T")

_short = reprlib.Repr()
_short.maxstring = _short.maxother = 80
_short.maxlist = _short.maxtuple = _short.maxdict = _short.maxset = 6


def show(value: Any) -> str:
    """`repr(value)`, cut short for messages."""
    return _short.repr(value)


def check_str(field: str, value: Any) -> str:
    """`value` when it is a `str` that can be sent (no lone surrogate)."""
    if not isinstance(value, str):
        raise ValidationError(f"{field}: {show(value)} is not a string")
    return check_text(field, value)


def check_bool(field: str, value: Any) -> bool:
    """`value` when it is `True` or `False` (not `1`, not `"yes"`)."""
    if value is True or value is False:
        return value
    raise ValidationError(f"{field}: {show(value)} is not True or False")


def check_int(
    field: str, value: Any, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """`value` as an `int` when it is a whole number within the bounds (not a `bool`, not
    a `str`, not a `float`); NumPy integers become `int`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValidationError(f"{field}: {show(value)} is not a whole number")
    number = int(value)
    if minimum is not None and number < minimum:
        raise ValidationError(f"{field}: {number!r} is below {minimum}")
    if maximum is not None and number > maximum:
        raise ValidationError(f"{field}: {number!r} is above {maximum}")
    return number


def check_number(
    field: str, value: Any, *, minimum: float | None = None, above: float | None = None
) -> float:
    """`value` when it is a finite real number, at least `minimum` or more than `above`.

    An `int` stays an `int` (it goes out as it came in); other reals become `float`.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValidationError(f"{field}: {show(value)} is not a number")
    number = value if isinstance(value, int | float) else float(value)
    if isinstance(number, float) and not math.isfinite(number):
        raise ValidationError(f"{field}: {number!r} is not a finite number")
    if minimum is not None and number < minimum:
        raise ValidationError(f"{field}: {number!r} is below {minimum}")
    if above is not None and not number > above:
        raise ValidationError(f"{field}: {number!r} is not above {above}")
    return number


def check_items(field: str, value: Any) -> list[Any]:
    """`value` as a list: any iterable but a `str`, `bytes` or mapping (one value alone
    is refused rather than read as a sequence of characters or keys)."""
    if isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        raise ValidationError(f"{field}: give a list, not {show(value)}")
    return list(value)


def check_instance(field: str, value: Any, types: type | tuple[type, ...], what: str) -> Any:
    """`value` when it is an instance of `types`; `what` describes them (``"an
    ssl.SSLContext, True or False"``)."""
    if not isinstance(value, types):
        raise ValidationError(f"{field}: {show(value)} is not {what}")
    return value


def check_url(field: str, value: Any) -> str:
    """`value` when it is an `http://` or `https://` URL."""
    url = check_str(field, value)
    if not url.startswith(("https://", "http://")):
        raise ValidationError(f"{field}: {show(url)} is not an http(s):// URL")
    return url


def optional(check: Callable[..., T], field: str, value: Any, **bounds: Any) -> T | None:
    """`check` of `value`, letting `None` (not given) pass."""
    return None if value is None else check(field, value, **bounds)


def validator(check: Callable[..., Any], **bounds: Any) -> Callable[[Any, Any, Any], None]:
    """An attrs validator running `check`; the message names the field by its `option`
    metadata (the client's keyword) when it has one, else by its name."""

    def validate(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        check(attribute.metadata.get("option", attribute.name), value, **bounds)

    return validate
