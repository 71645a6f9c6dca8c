"""Neutral model objects to and from JSON-ready dicts (for the outbox and the local chat)."""

from __future__ import annotations

import dataclasses
import types
import typing
from enum import Enum
from typing import Any

from bot.core import model

_TYPES: dict[str, type[Any]] = {
    name: obj
    for name, obj in vars(model).items()
    if isinstance(obj, type) and dataclasses.is_dataclass(obj)
}


def to_data(obj: Any) -> Any:
    """A dataclass tree as plain JSON data; each dataclass dict carries its ``type``."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        data: dict[str, Any] = {"type": type(obj).__name__}
        for f in dataclasses.fields(obj):
            data[f.name] = to_data(getattr(obj, f.name))
        return data
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, tuple | list):
        return [to_data(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): to_data(v) for k, v in obj.items()}
    return obj


def from_data(data: Any) -> Any:
    """Rebuild what ``to_data`` produced."""
    if isinstance(data, dict) and "type" in data and data["type"] in _TYPES:
        cls = _TYPES[data["type"]]
        hints = typing.get_type_hints(cls)
        kwargs = {
            f.name: _coerce(hints[f.name], from_data(data[f.name]))
            for f in dataclasses.fields(cls)
            if f.name in data
        }
        return cls(**kwargs)
    if isinstance(data, list):
        return [from_data(x) for x in data]
    if isinstance(data, dict):
        return {k: from_data(v) for k, v in data.items()}
    return data


def _coerce(hint: Any, value: Any) -> Any:
    """Lists back to tuples and strings back to enums, as the dataclass fields expect."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            if arg is type(None) and value is None:
                return None
        for arg in typing.get_args(hint):
            if arg is not type(None):
                try:
                    return _coerce(arg, value)
                except (TypeError, ValueError):
                    continue
        return value
    if origin is tuple and isinstance(value, list):
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(args[0], v) for v in value)
        return tuple(_coerce(a, v) for a, v in zip(args, value, strict=False))
    if isinstance(hint, type) and issubclass(hint, Enum) and isinstance(value, str):
        return hint(value)
    return value
