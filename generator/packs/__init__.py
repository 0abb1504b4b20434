"""Platform packs: versioned template overrides with typed inputs and locked blocks.

A pack is a folder with a manifest (`pack.yaml`: name, version, inputs as a JSON Schema, locked blocks)
and a `templates/` folder of overrides. It comes from an installed distribution (entry point group
`ci_gen.packs`) or from a git repository pinned by commit; a spec names it in `templates:`.
"""

from generator.packs.model import ResolvedPack

__all__ = ["ResolvedPack"]
