"""`template_context`/`plain_data`: what templates may see is plain, immutable and complete."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import pytest

from generator.render.context import plain_data, template_context
from generator.spec.model import ContainerSpec


@dataclass(frozen=True)
class Pair:
    left: str
    right: tuple[int, ...]

    @property
    def joined(self) -> str:
        return f"{self.left}{self.right}"


@dataclass(frozen=True)
class Shadowing:
    items: str


def test_dataclasses_become_read_only_mappings_with_their_properties() -> None:
    data = plain_data(Pair("a", (1, 2)))
    assert data == {"left": "a", "right": (1, 2), "joined": "a(1, 2)"}
    assert type(data) is MappingProxyType
    with pytest.raises(TypeError):
        data["left"] = "b"  # type: ignore[index]


def test_models_lists_and_dicts_are_converted_all_the_way_down() -> None:
    context = template_context(container=ContainerSpec(), labels={"a": ["x", "y"]}, names={"b", "a"})
    assert type(context["container"]) is MappingProxyType
    assert context["container"]["port"] == ContainerSpec().port
    assert context["labels"]["a"] == ("x", "y")
    assert context["names"] == ("a", "b")


@pytest.mark.parametrize("value", [object(), print, b"bytes", Shadowing("x"), {("a",): 1}])
def test_anything_else_is_refused(value: object) -> None:
    with pytest.raises(TypeError):
        plain_data(value)
