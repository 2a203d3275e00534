"""Validate parsed YAML against a schema and report each problem at its exact place."""

from __future__ import annotations

import datetime as dt
import functools
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from lms.content.catalog import REVIEW_SHORTHANDS
from lms.content.problems import ProblemSink, did_you_mean
from lms.content.yamlsource import SourceMap

M = TypeVar("M", bound=BaseModel)

_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "date_type": "a date such as 2021-07-01",
    "date_parsing": "a date such as 2021-07-01",
    "date_from_datetime_parsing": "a date such as 2021-07-01",
    "date_from_datetime_inexact": "a date such as 2021-07-01",
}


@dataclass(frozen=True)
class Checked(Generic[M]):
    """A file's (or a part's) schema check: `spec` when valid; `salvaged` always holds the fields that are.

    Rules across fields and across files run on `salvaged` too, so an author sees every problem in
    one run, not the next layer only after fixing the first.
    """

    spec: M | None
    salvaged: M | None


def validate(
    model: type[M],
    data: Any,
    places: SourceMap,
    sink: ProblemSink,
    prefix: tuple[Any, ...] = (),
) -> M | None:
    """The validated model, or None after reporting every problem into `sink`."""
    return check(model, data, places, sink, prefix).spec


def check(model: type[M], data: Any, places: SourceMap, sink: ProblemSink, prefix: tuple[Any, ...] = ()) -> Checked[M]:
    """Validate, report every problem with its place, and salvage what is valid for further checks."""
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        by_place: dict[tuple[Any, ...], list[dict]] = {}
        for error in exc.errors(include_url=False):
            by_place.setdefault(_data_loc(data, error["loc"]), []).append(dict(error))
        for loc, errors in by_place.items():
            report_error(model, {**_representative(errors), "loc": loc}, places, sink, prefix)
        partial = salvage(model, data)
        if partial is not None:
            _report_rules(partial, places, sink, prefix)
        return Checked(None, partial)
    _report_rules(spec, places, sink, prefix)
    return Checked(spec, spec)


def _report_rules(spec: BaseModel, places: SourceMap, sink: ProblemSink, prefix: tuple[Any, ...]) -> None:
    for path, code, message in spec.problems():  # type: ignore[attr-defined]
        line, column = places.key(prefix + path)
        sink.report(code, message, line, column)


def salvage(model: type[M], data: Any) -> M | None:
    """An unvalidated instance holding only the fields whose own values are valid (None for a non-mapping).

    Reading a field that was wrong raises AttributeError, so a rule that needs it is skipped.
    """
    if not isinstance(data, dict):
        return None
    good, wrong = {}, []
    for name in model.model_fields:
        if name in data:
            try:
                good[name] = _field_adapter(model, name).validate_python(data[name])
            except ValidationError:
                wrong.append(name)
    partial = model.model_construct(**good)
    for name in wrong:  # not even its default: a rule must not mistake a wrong value for an absent one
        partial.__dict__.pop(name, None)
    return partial


@functools.cache
def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter:
    info = model.model_fields[name]
    annotation: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
        return TypeAdapter(annotation)
    return TypeAdapter(annotation, config=ConfigDict(coerce_numbers_to_str=True))


def report_error(model, error: dict, places: SourceMap, sink: ProblemSink, prefix) -> None:
    loc = tuple(error["loc"])
    kind = error["type"]
    name = _name(loc)
    got = error.get("input")
    where = prefix + loc
    key_is_wrong = bool(loc) and loc[-1] == KEY_TAG  # a mapping's key, not its value: point at it, call it one
    if key_is_wrong:
        loc, where = loc[:-1], where[:-1]
        name = f"a key of {_name(loc[:-1])}"
    if kind == "missing":
        line, column = places.value(prefix + loc[:-1])
        sink.error("missing-key", f"missing required key '{loc[-1]}'", line, column)
        return
    if kind == "extra_forbidden":
        line, column = places.key(where)
        allowed = _fields_at(model, loc[:-1])
        sink.error("unknown-key", f"unknown key '{loc[-1]}'{did_you_mean(loc[-1], allowed)}", line, column)
        return
    # A wrong key, or a problem with a whole list or mapping, is shown at its key; a bad scalar at the value.
    line, column = places.key(where) if key_is_wrong or isinstance(got, (dict, list)) else places.value(where)
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        hint = did_you_mean(str(got), [e.strip(" '") for e in expected.replace(" or ", ", ").split(",")])
        sink.error("invalid-value", f"{name} must be one of {expected} (got {got!r}){hint}", line, column)
    elif kind in ("out_of_range", "greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        message = error["msg"] if kind == "out_of_range" else error["msg"].replace("Input should be", "must be")
        if kind != "out_of_range":
            message += f" (got {got})"
        sink.error("out-of-range", f"{name} {message}", line, column)
    elif kind in ("too_short", "string_too_short"):
        if isinstance(got, str):
            sink.error("empty-value", f"{name} must not be empty", line, column)
        else:
            need = error.get("ctx", {}).get("min_length", 1)
            sink.error("too-few", f"{name} needs at least {need} item{'s' if need != 1 else ''}", line, column)
    elif kind == "string_pattern_mismatch":
        sink.error("invalid-value", f"{name} {_pattern_words(error)} (got {got!r})", line, column)
    elif kind in _TYPE_WORDS:
        sink.error("invalid-type", f"{name} must be {_TYPE_WORDS[kind]} (got {_describe(got)})", line, column)
    elif kind == "quote_number":
        sink.error("invalid-type", f"{name} {error['msg']}", line, column)
    elif kind == "review_word":
        sink.error("invalid-value", f"{name} {error['msg']}{did_you_mean(str(got), REVIEW_SHORTHANDS)}", line, column)
    else:
        sink.error("invalid-value", f"{name}: {error['msg']}", line, column)


KEY_TAG = "[key]"  # pydantic's last `loc` part when a mapping's key, not its value, is wrong


def _data_loc(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """`loc` without pydantic's union and validator tags ('int', 'function-after[...]')."""
    kept: list[Any] = []
    current = data
    for position, part in enumerate(loc):
        is_last = position == len(loc) - 1
        if part == KEY_TAG and is_last:
            kept.append(part)
        elif isinstance(current, dict) and (part in current or is_last):
            kept.append(part)
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            kept.append(part)
            current = current[part]
    return tuple(kept)


# When a value fails every member of a union, say what it should be in the broadest words.
_PREFERENCE = ("out_of_range", "float_type", "float_parsing", "int_type", "int_from_float")


def _representative(errors: list[dict]) -> dict:
    def rank(error: dict) -> int:
        kind = error["type"]
        return _PREFERENCE.index(kind) if kind in _PREFERENCE else -1

    return min(errors, key=lambda error: (rank(error) if rank(error) >= 0 else len(_PREFERENCE)))


def _name(loc: tuple[Any, ...]) -> str:
    if not loc:
        return "the file"
    if isinstance(loc[-1], int):
        parent = next((part for part in reversed(loc) if isinstance(part, str)), "list")
        return f"{parent} item {loc[-1] + 1}"
    return str(loc[-1])


def _pattern_words(error: dict) -> str:
    pattern = error.get("ctx", {}).get("pattern", "")
    if "/" in pattern and ".md" not in pattern:
        return "must be a path under quizzes/ without .yaml, such as py2022/marketplace/eligibility"
    if ".md" in pattern:
        return "must be a .md file name in the track's folder"
    return "must use lowercase letters, digits and dashes"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return repr(value)


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Key names allowed at `loc` inside `model`, for did-you-mean hints."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", {})
        if part not in fields:
            return []
        current = _inner_model(fields[part].annotation)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is None and not isinstance(annotation, types.UnionType):
        return None
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
