"""The pipeline's job graph, read back from the rendered workflows and drawn as a Mermaid flowchart.

The graph comes from the rendered YAML, not from the Plan, so that template overrides (renamed,
added or rewired jobs) appear exactly as GitHub will run them.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import yaml

_MATRIX = re.compile(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_]")
# Mermaid reads `"` as the end of a label and `<`/`>` as HTML; entity codes keep them as text.
_LABEL_ESCAPES = {'"': "#quot;", "<": "#lt;", ">": "#gt;"}
STRATEGY_STYLES = {
    "basic": "fill:#e8f1ff,stroke:#3572d6",
    "shadow": "fill:#f1e8ff,stroke:#7a3fd6",
    "canary": "fill:#fff6dc,stroke:#c98a00",
}


@dataclass(frozen=True)
class Job:
    """One job: its node id (unique across workflows), display name, upstream node ids, deploy strategy."""

    node: str
    name: str
    needs: tuple[str, ...]
    strategy: str | None = None


@dataclass(frozen=True)
class Workflow:
    node: str
    name: str
    jobs: tuple[Job, ...]


def job_graph(outputs: Mapping[str, str], strategies: Mapping[str, str]) -> list[Workflow]:
    """Jobs and `needs` edges of every rendered workflow; `strategies` maps a deploy stage to its strategy."""
    nodes = _NodeIds()
    return [_workflow(path, text, strategies, nodes) for path, text in sorted(outputs.items())]


def _workflow(path: str, text: str, strategies: Mapping[str, str], nodes: _NodeIds) -> Workflow:
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    stem = PurePosixPath(path).name
    raw_jobs: dict[str, Any] = data.get("jobs") or {}
    ids = {job_id: nodes.new(f"{stem}__{job_id}") for job_id in raw_jobs}
    jobs = tuple(_job(ids, job_id, job, strategies) for job_id, job in raw_jobs.items())
    return Workflow(nodes.new(stem), str(data.get("name") or path), jobs)


def _job(ids: dict[str, str], job_id: str, job: dict[str, Any], strategies: Mapping[str, str]) -> Job:
    needs = job.get("needs") or []
    needs = [needs] if isinstance(needs, str) else needs
    return Job(
        node=ids[job_id],
        name=_display_name(job_id, job),
        needs=tuple(ids[need] for need in needs if need in ids),
        strategy=_strategy(job, strategies),
    )


def _display_name(job_id: str, job: dict[str, Any]) -> str:
    """The job's `name:`, with `${{ matrix.X }}` replaced by the values the matrix lists."""
    matrix = (job.get("strategy") or {}).get("matrix") or {}

    def values(match: re.Match[str]) -> str:
        listed = matrix.get(match[1]) if isinstance(matrix, dict) else None
        return ", ".join(str(v) for v in listed) if isinstance(listed, list) else match[0]

    return _MATRIX.sub(values, str(job.get("name") or job_id))


def _strategy(job: dict[str, Any], strategies: Mapping[str, str]) -> str | None:
    """A job deploys a stage when one of its steps runs the ci-gen Action's deploy with `--stage NAME`."""
    for step in job.get("steps") or []:
        given = step.get("with") if isinstance(step, dict) else None
        if not isinstance(given, dict) or given.get("command") != "deploy":
            continue
        stage = _stage_argument(str(given.get("args", "")))
        if stage is not None and stage in strategies:
            return strategies[stage]
    return None


def _stage_argument(args: str) -> str | None:
    try:
        words = shlex.split(args)
    except ValueError:
        return None
    for word, following in zip(words, [*words[1:], ""], strict=True):
        if word.startswith("--stage="):
            return word.removeprefix("--stage=")
        if word == "--stage":
            return following
    return None


class _NodeIds:
    """Mermaid ids: letters, digits and `_` only, and unique even when two names clean up the same."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def new(self, name: str) -> str:
        base = _UNSAFE_ID.sub("_", name)
        node, count = base, 1
        while node in self.used:
            count += 1
            node = f"{base}_{count}"
        self.used.add(node)
        return node


def mermaid(workflows: list[Workflow]) -> str:
    """A `flowchart LR`: one subgraph per workflow, one node per job, an edge per `needs`."""
    lines = ["flowchart LR"]
    for workflow in workflows:
        lines += [f'  subgraph {workflow.node}["{_label(workflow.name)}"]', "    direction LR"]
        lines += [f"    {_node(job)}" for job in workflow.jobs]
        lines += [f"    {need} --> {job.node}" for job in workflow.jobs for need in job.needs]
        lines.append("  end")
    lines += _styles([job for workflow in workflows for job in workflow.jobs])
    return "\n".join(lines) + "\n"


def _node(job: Job) -> str:
    if job.strategy is None:
        return f'{job.node}["{_label(job.name)}"]'
    name = job.name if job.strategy in job.name else f"{job.name} ({job.strategy})"
    # Deploy stages are hexagons, so the release path stands out from the build path.
    return f'{job.node}{{{{"{_label(name)}"}}}}:::{job.strategy}'


def _styles(jobs: list[Job]) -> list[str]:
    used = sorted({job.strategy for job in jobs if job.strategy})
    return [f"  classDef {name} {STRATEGY_STYLES.get(name, 'stroke-width:2px')}" for name in used]


def _label(text: str) -> str:
    return "".join(_LABEL_ESCAPES.get(char, char) for char in text)
