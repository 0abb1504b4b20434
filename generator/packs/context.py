"""What templates see of the packs: each pack's name, version and inputs, as plain data.

The render turns it into read-only mappings and tuples with `generator.render.context.template_context`,
like every other part of a template's context.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from generator.packs.model import ResolvedPack


def pack_context(packs: Iterable[ResolvedPack]) -> dict[str, Any]:
    """`packs["acme-ml"].inputs.runner` in a template."""
    return {pack.name: {"name": pack.name, "version": pack.version, "inputs": pack.inputs} for pack in packs}
