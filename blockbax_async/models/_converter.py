"""The one cattrs converter between the models and the API's camelCase JSON.

Attribute names are camelCased mechanically unless a field says otherwise with
`metadata={"json": "name"}`. Fields with `metadata={"read_only": True}` are left out of
bodies built with `for_write=True`. `None` values are never emitted.
"""

from __future__ import annotations

import functools
import operator
import re
import types
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from .._checks import (
    check_bool,
    check_instance,
    check_int,
    check_items,
    check_number,
    check_str,
    show,
)
from ..errors import ValidationError
from ._common import as_id, as_ids, as_optional_id, as_optional_ids, to_id

__all__ = [
    "converter",
    "format_date",
    "json_name",
    "parse_date",
    "structure",
    "structure_input",
    "unstructure",
]

T = TypeVar("T")

converter = cattrs.Converter(detailed_validation=False, prefer_attrib_converters=True)
"""The converter; prefer [`structure`][blockbax_async.models.structure] and
[`unstructure`][blockbax_async.models.unstructure]."""


def json_name(field: attrs.Attribute[Any]) -> str:
    """The JSON key of an attrs field: `metadata["json"]`, else its camelCased name."""
    explicit = field.metadata.get("json")
    if explicit:
        return str(explicit)
    head, *rest = field.name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def structure(data: Any, cls: type[T]) -> T:
    """Build a `cls` from decoded JSON; unknown keys are ignored.

    Raises a `cattrs.BaseValidationError` when `data` does not fit `cls`.
    """
    try:
        return converter.structure(data, cls)
    except cattrs.BaseValidationError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise cattrs.ClassValidationError(f"cannot structure {cls!r}: {exc!r}", [exc], cls) from exc


def structure_input(value: Any, cls: Any, where: str = "") -> Any:
    """`value` given by a caller, checked against `cls` and built into it.

    `cls` is a model (or `list[Model]`, `Model | None`, a scalar type). A model passes
    with its attributes checked (nested mappings in it become models: then a copy is
    returned); a mapping with snake_case or camelCase keys becomes a model. Unlike
    [`structure`][blockbax_async.models.structure], which reads the server's answers leniently,
    nothing is coerced: a wrong type, an unknown key or a missing attribute raises
    [`ValidationError`][blockbax_async.errors.ValidationError] naming its path from `where`
    (`values[0].location.lat: 'x' is not a number`).
    """
    check: Callable[[Any, str], Any] = _input_check(cls)
    return check(value, where)


def unstructure(obj: Any, *, for_write: bool = False) -> Any:
    """Turn models into JSON-ready data with camelCase keys and without `None` values.

    With `for_write` the result is a create/update body: read-only fields are left out too.
    """
    data = converter.unstructure(obj)
    if for_write:
        _prune_for_write(obj, data)
    return data


_DATE = re.compile(
    r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?([Zz]|[+-]\d{2}(?::?\d{2})?)?"
)
_UTC = timezone.utc


def parse_date(value: Any, _: Any = None) -> datetime:
    """Parse an ISO 8601 date (`Z`, `+0000` or `+00:00`, up to 9 fraction digits) or
    epoch milliseconds into an aware `datetime`; dates without offset are taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        parsed = _parse_date_slowly(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=_UTC)


def _parse_date_slowly(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, _UTC)
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"not an ISO 8601 date: {value!r}")
    base, fraction, offset = match.groups()
    if fraction:
        base += "." + fraction[:6].ljust(6, "0")
    if offset in (None, "Z", "z"):
        offset = "" if offset is None else "+00:00"
    else:
        offset = f"{offset[:3]}:{offset[-2:]}" if len(offset) > 3 else offset + ":00"
    return datetime.fromisoformat(base + offset)


def format_date(value: datetime) -> str:
    """ISO 8601 with milliseconds and offset, e.g. `2021-01-24T15:00:01.946+00:00`;
    a naive `datetime` is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    return value.isoformat(timespec="milliseconds")


def _is_optional(type_: Any) -> bool:
    args = get_args(type_)
    return get_origin(type_) in (Union, types.UnionType) and len(args) == 2 and type(None) in args


def _structure_optional(type_: Any) -> Callable[[Any, Any], Any]:
    # Faster than cattrs' union dispatch, which looks the hook up on every call.
    inner = next(arg for arg in get_args(type_) if arg is not type(None))
    if inner is float:
        return _structure_optional_number
    if inner is datetime:
        return _structure_optional_date
    if inner in (str, int, bool):

        def structure_scalar(value: Any, _: Any) -> Any:
            return value if value is None or value.__class__ is inner else inner(value)

        return structure_scalar
    hook: Callable[[Any, Any], Any] | None = None

    def structure_optional(value: Any, _: Any) -> Any:
        nonlocal hook
        if value is None:
            return None
        if hook is None:  # looked up late: the model may still be being built (recursion)
            hook = converter.get_structure_hook(inner)
        return hook(value, inner)

    return structure_optional


def _structure_optional_number(value: Any, _: Any) -> float | None:
    # Ints stay ints, so that a number goes back out as it came in.
    if value is None or value.__class__ is float or value.__class__ is int:
        return value
    return float(value)


def _structure_optional_date(value: Any, _: Any) -> datetime | None:
    return None if value is None else parse_date(value)


def _is_list(type_: Any) -> bool:
    return get_origin(type_) is list


def _structure_list(type_: Any) -> Callable[[Any, Any], list[Any]]:
    # Like cattrs' own list hook, but a null list becomes an empty one.
    item_type: Any = get_args(type_)[0] if get_args(type_) else Any
    hook = converter.get_structure_hook(item_type)
    if hook == converter._structure_call:

        def structure_simple_list(value: Any, _: Any) -> list[Any]:
            return [] if value is None else [item_type(item) for item in value]

        return structure_simple_list

    def structure_list(value: Any, _: Any) -> list[Any]:
        return [] if value is None else [hook(item, item_type) for item in value]

    return structure_list


_MISSING = object()
# Scalars are checked inline, without a hook call; ints stay ints in float fields, so that a
# number goes back out as it came in.
_SCALAR = {
    str: "value if value.__class__ is str or value is None else str(value)",
    int: "value if value.__class__ is int or value is None else int(value)",
    bool: "value if value.__class__ is bool or value is None else bool(value)",
    float: "value if value.__class__ in (float, int) or value is None else float(value)",
    Any: "value",
}


def _scalar(type_: Any) -> str | None:
    """The inline conversion of a scalar (or optional scalar) field, `None` for others."""
    if _is_optional(type_):
        type_ = next(arg for arg in get_args(type_) if arg is not type(None))
    return _SCALAR.get(type_)


def _structure_model(cls: Any) -> Callable[[Any, Any], Any]:
    # Generated like cattrs' own, but the instance is filled in directly rather than built
    # through __init__ from a dict of keywords: much faster, and listings build thousands.
    fields = attrs.fields(attrs.resolve_types(get_origin(cls) or cls))
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls, "missing": _MISSING}
    lines = ["def structure(data, _):", "    obj = new(cls)"]
    for i, field in enumerate(fields):
        key, value = json_name(field), _scalar(field.type)
        if field.converter in (as_id, as_optional_id):
            value = _SCALAR[str]  # the same conversion, inline
        elif field.converter is not None:  # it takes the raw JSON, as prefer_attrib_converters
            scope[f"convert{i}"], value = field.converter, f"convert{i}(value)"
        elif value is None:
            scope[f"hook{i}"], scope[f"type{i}"] = (
                converter.get_structure_hook(field.type),
                field.type,
            )
            value = f"hook{i}(value, type{i})"
        if field.default is attrs.NOTHING:
            lines.append(f"    value = data[{key!r}]")
            lines.append(f"    obj.{field.name} = {value}")
            continue
        if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            scope[f"default{i}"], default = field.default.factory, f"default{i}()"
        else:
            scope[f"default{i}"], default = field.default, f"default{i}"
        lines.append(f"    value = data.get({key!r}, missing)")
        lines.append(f"    obj.{field.name} = {default} if value is missing else {value}")
    if hasattr(cls, "__attrs_post_init__"):
        lines.append("    obj.__attrs_post_init__()")
    lines.append("    return obj")
    exec(compile("\n".join(lines), f"<structure {cls!r}>", "exec"), scope)
    structure: Callable[[Any, Any], Any] = scope["structure"]
    return structure


def _unstructure_model(cls: Any) -> Callable[[Any], dict[str, Any]]:
    fields = attrs.fields(attrs.resolve_types(get_origin(cls) or cls))
    overrides: dict[str, Any] = {
        # Converters run only on construction: an id assigned later may be a UUID.
        field.name: override(
            rename=json_name(field),
            unstruct_hook=converter.unstructure if field.converter is not None else None,
        )
        for field in fields
    }
    to_dict = make_dict_unstructure_fn(cls, converter, **overrides)

    def unstructure_model(obj: Any) -> dict[str, Any]:
        return {key: value for key, value in to_dict(obj).items() if value is not None}

    return unstructure_model


@functools.cache
def _write_plan(cls: Any) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The JSON keys to drop for `cls`, and (attribute, key) pairs to walk into."""
    fields = attrs.fields(cls)
    read_only = tuple(json_name(f) for f in fields if f.metadata.get("read_only"))
    walk = tuple((f.name, json_name(f)) for f in fields if not f.metadata.get("read_only"))
    return read_only, walk


def _prune_for_write(obj: Any, data: Any) -> None:
    if isinstance(obj, (list, tuple)) and isinstance(data, list):
        for item, item_data in zip(obj, data, strict=True):
            _prune_for_write(item, item_data)
    elif isinstance(obj, Mapping) and isinstance(data, dict):
        for key, value in obj.items():
            if key in data:
                _prune_for_write(value, data[key])
    elif attrs.has(type(obj)) and isinstance(data, dict):
        read_only, walk = _write_plan(obj.__class__)
        for key in read_only:
            data.pop(key, None)
        for name, key in walk:
            if key in data:
                _prune_for_write(getattr(obj, name), data[key])
        model_prune = getattr(obj, "_prune_for_write", None)
        if model_prune is not None:
            model_prune(data)


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _check_date(where: str, value: Any) -> datetime:
    return check_instance(where, value, datetime, "a datetime")  # type: ignore[no-any-return]


def _check_mapping(where: str, value: Any) -> dict[str, Any]:
    return dict(check_instance(where, value, Mapping, "a mapping"))


_SCALAR_INPUT: dict[Any, Callable[[str, Any], Any]] = {
    str: check_str,
    int: check_int,
    float: check_number,
    bool: check_bool,
    datetime: _check_date,
}
_ID_INPUT: dict[Any, bool] = {as_id: False, as_optional_id: True}  # converter: optional
_IDS_INPUT: dict[Any, bool] = {as_ids: False, as_optional_ids: True}


def _passes(value: Any, where: str) -> Any:
    return value


def _input_check(type_: Any) -> Callable[[Any, str], Any]:
    """How caller input of `type_` is checked: `check(value, where) -> value`."""
    if type_ in _SCALAR_INPUT:
        scalar = _SCALAR_INPUT[type_]
        return lambda value, where: scalar(where, value)
    if _is_optional(type_):
        inner = _input_check(next(arg for arg in get_args(type_) if arg is not type(None)))
        return lambda value, where: None if value is None else inner(value, where)
    if _is_list(type_):
        return _list_check(_input_check(get_args(type_)[0] if get_args(type_) else Any))
    if get_origin(type_) is dict:
        return lambda value, where: _check_mapping(where, value)
    if attrs.has(type_):
        return lambda value, where: _model_check(type_)(value, where)  # late: models recurse
    return _passes  # a type only read from the server (or Any): left to the model


def _list_check(item: Callable[[Any, str], Any]) -> Callable[[Any, str], list[Any]]:
    def check(value: Any, where: str) -> list[Any]:
        items = check_items(where, value)
        checked = [item(entry, f"{where}[{i}]") for i, entry in enumerate(items)]
        same = value.__class__ is list and all(map(operator.is_, checked, items))
        return value if same else checked

    return check


def _id_check(optional: bool) -> Callable[[Any, str], Any]:
    def check(value: Any, where: str) -> Any:
        if value is None and optional:
            return None
        return to_id(value, where)

    return check


def _field_check(field: attrs.Attribute[Any]) -> Callable[[Any, str], Any]:
    if field.converter in _ID_INPUT:
        return _id_check(_ID_INPUT[field.converter])
    if field.converter in _IDS_INPUT:
        ids = _list_check(_id_check(False))
        if _IDS_INPUT[field.converter]:
            return lambda value, where: None if value is None else ids(value, where)
        return ids
    return _input_check(field.type)


@functools.cache
def _model_check(cls: Any) -> Callable[[Any, str], Any]:
    fields = [f for f in attrs.fields(attrs.resolve_types(cls)) if f.init]
    checks = {f.name: _field_check(f) for f in fields}
    by_key = {key: f.name for f in fields for key in (f.name, json_name(f))}
    required = [f.name for f in fields if f.default is attrs.NOTHING]

    def check_model(model: Any, where: str) -> Any:
        changed = {}
        for name, check in checks.items():
            value = getattr(model, name)
            checked = check(value, _join(where, name))
            if checked is not value:
                changed[name] = checked
        return attrs.evolve(model, **changed) if changed else model

    def build(data: Mapping[Any, Any], where: str) -> Any:
        given: dict[str, Any] = {}
        for key, value in data.items():
            name = by_key.get(key) if isinstance(key, str) else None
            if name is None:
                raise ValidationError(
                    f"{where or cls.__name__}: unknown key {show(key)} (known: {', '.join(checks)})"
                )
            if name in given:
                raise ValidationError(f"{_join(where, name)}: given twice ({show(key)})")
            given[name] = checks[name](value, _join(where, name))
        missing = next((name for name in required if name not in given), None)
        if missing is not None:
            raise ValidationError(f"{_join(where, missing)}: required")
        complete = getattr(cls, "_complete_input", None)
        if complete is not None:
            complete(given)
        try:
            return cls(**given)
        except ValidationError as exc:  # a validator of the class, naming its field
            raise ValidationError(_join(where, str(exc))) from None

    def check(value: Any, where: str) -> Any:
        if isinstance(value, cls):
            return check_model(value, where)
        if isinstance(value, Mapping):
            return build(value, where)
        article = "an" if cls.__name__[0] in "AEIOU" else "a"
        raise ValidationError(
            f"{where or 'item'}: {show(value)} is not {article} {cls.__name__} or a mapping"
        )

    return check


converter.register_structure_hook(datetime, parse_date)
converter.register_unstructure_hook(datetime, format_date)
converter.register_unstructure_hook(uuid.UUID, str)
converter.register_structure_hook_factory(_is_list, _structure_list)
converter.register_structure_hook_factory(_is_optional, _structure_optional)
converter.register_structure_hook_factory(attrs.has, _structure_model)
converter.register_unstructure_hook_factory(attrs.has, _unstructure_model)
