"""What templates may see: plain immutable data, built by one function, `template_context`.

Templates (built-ins, override folders, platform packs) are written by someone other than the repository
owner, and the Jinja sandbox lets a template call any public method of any object it reaches. So nothing
with methods of its own reaches a template: dataclasses and pydantic models become read-only mappings
(their public properties included, as values), sequences become tuples, and the leaves are str, int,
float, bool or None. The only callables a template gets are the filters and globals of the environment.
Every caller that renders a template (workflows, manifests, packs) builds its context with this module.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

# The leaf types a template may see; exact types, since a subclass could bring methods of its own.
PLAIN_LEAVES: tuple[type, ...] = (str, int, float, bool, type(None))
# Jinja looks up `obj.name` as an attribute before an item: a field named like a mapping method would
# reach the method, not the value, so such names are refused.
_SHADOWED = frozenset(name for name in dir(MappingProxyType({})) if not name.startswith("_"))


def template_context(**values: Any) -> Mapping[str, Any]:
    """The context for one template render: each value converted by `plain_data`."""
    return MappingProxyType({name: plain_data(value) for name, value in values.items()})


def plain_data(value: Any) -> Any:
    """`value` as nested read-only mappings, tuples, str, int, float, bool and None; TypeError otherwise."""
    if type(value) in PLAIN_LEAVES:
        return value
    if isinstance(value, enum.Enum):
        return plain_data(value.value)
    if isinstance(value, BaseModel):
        return _record(value, {name: getattr(value, name) for name in type(value).model_fields})
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return _record(value, fields)
    if isinstance(value, Mapping):
        return MappingProxyType({_key(key): plain_data(item) for key, item in value.items()})
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return tuple(plain_data(item) for item in items)
    if isinstance(value, str):  # a str subclass (e.g. a StrEnum member handled above, or a custom type)
        return str(value)
    raise TypeError(f"templates see plain data only; cannot hand them a {type(value).__name__}")


def _record(value: Any, fields: dict[str, Any]) -> Mapping[str, Any]:
    """A model or dataclass: its fields plus its public properties, each computed once, as a mapping."""
    properties = {
        name: getattr(value, name)
        for klass in reversed(type(value).__mro__)
        for name, attribute in vars(klass).items()
        if isinstance(attribute, property) and not name.startswith("_") and klass is not BaseModel
    }
    record = {**fields, **properties}
    for name in record:
        if name in _SHADOWED:
            raise TypeError(f"field '{name}' of {type(value).__name__} would be shadowed in templates")
    return MappingProxyType({name: plain_data(item) for name, item in record.items()})


def _key(key: Any) -> str | int:
    if type(key) in (str, int):
        return key  # type: ignore[no-any-return]
    if isinstance(key, str):
        return str(key)
    raise TypeError(f"templates see plain data only; cannot use a {type(key).__name__} as a mapping key")
