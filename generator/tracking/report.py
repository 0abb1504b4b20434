"""The Markdown a tracked run leaves in the job summary and the log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator.tracking.lineage import LOCK_DIGEST, PYTHON, SPEC_DIGEST
from generator.tracking.registry import GIT_SHA

if TYPE_CHECKING:
    from generator.tracking.track import Tracked


def markdown(tracked: Tracked) -> str:
    """Where the run went, what it holds, and the registered version if any."""
    tags = tracked.tags
    lines = [
        "### Tracked run",
        "",
        f"Logged to {tracked.store.describe()}, experiment `{tracked.experiment}`, run `{tracked.run_id}`.",
        "",
        f"- {len(tracked.metrics)} metrics, {len(tracked.params)} parameters, "
        f"{len(tracked.artifacts)} artifacts ({', '.join(tracked.artifacts)})",
        f"- commit `{tags.get(GIT_SHA, 'unknown')}`, Python {tags.get(PYTHON, 'unknown')}, "
        f"spec `{tags[SPEC_DIGEST][:12]}`, locks `{tags[LOCK_DIGEST][:12]}`",
    ]
    if tracked.skipped:
        lines.append(f"- not logged (not numbers): {', '.join(tracked.skipped)}")
    if tracked.version is not None:
        lines.append(f"- registered as model version {tracked.version}")
    if tracked.store.embedded:
        lines.append("- in a workflow, the job keeps the embedded store as its `tracking` artifact")
    return "\n".join(lines)
