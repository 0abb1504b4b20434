"""Rehearse the example's test job with pip-tools and with uv as the lock tool, cold and warm cache.

    .venv/bin/python benchmarks/rehearse_locktools.py [--rounds 1]

For each lock tool it makes a copy of example_project whose spec names that tool, regenerates the
workflows and the locks with that tool (untimed), then times `ci-gen rehearse test --matrix python=3.11`
(the lock job, then the 3.11 test leg): first with a fresh --cache-dir (cold: pip and uv download
everything), then again with the same folder (warm). The four runs of a round are interleaved
(cold uv, cold pip-tools, warm uv, warm pip-tools). Prints per-step times and the pip-tools/uv ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from generator.location import Location
from generator.rehearse import RehearsalRequest, RehearsalResult, rehearse

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "example_project"
TOOLS = ("uv", "pip-tools")
BIN = Path(sys.executable).parent
STEPS = {  # row label -> (job key, step name prefix)
    "install the lock tool": ("lock", "Install "),
    "recompile both locks": ("lock", "Recompile "),
    "set up Python (venv)": ("test (3.11)", "Set up Python"),
    "pip install --require-hashes": ("test (3.11)", "Install the locked"),
    "run the example's tests": ("test (3.11)", "Run the tests"),
}


def project_for(tool: str, folder: Path) -> Path:
    """A copy of the example that locks with `tool`, with its workflows and locks regenerated."""
    root = shutil.copytree(
        EXAMPLE, folder / tool, ignore=shutil.ignore_patterns("artifacts", ".venv", "__pycache__")
    )
    spec = root / "ci-gen.yaml"
    spec.write_text(spec.read_text().replace("lock-tool: uv", f"lock-tool: {tool}"))
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    for command in (["generate"], ["lock"]):
        subprocess.run(
            [str(BIN / "ci-gen"), "-C", str(root), *command], check=True, env=env, capture_output=True
        )
    return root


def run_once(root: Path, cache: Path) -> RehearsalResult:
    request = RehearsalRequest(
        location=Location.find(root, None), jobs=("test",), matrix=(("python", "3.11"),), cache_dir=cache
    )
    result = rehearse(request)
    if not result.ok:
        job, step = result.failure  # type: ignore[misc]
        raise SystemExit(f"{root.name}: {job.key} > {step.name} failed:\n{step.tail()}")
    return result


def breakdown(result: RehearsalResult) -> dict[str, float]:
    times = {
        label: sum(s.seconds for s in result.job(job).steps if s.name.startswith(prefix))
        for label, (job, prefix) in STEPS.items()
    }
    times["total (lock + test jobs)"] = sum(job.seconds for job in result.jobs)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    samples: dict[tuple[str, str], list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="ci-gen-bench-locktools-") as name:
        folder = Path(name)
        roots = {tool: project_for(tool, folder) for tool in TOOLS}
        for round_number in range(args.rounds):
            caches = {tool: folder / f"cache-{tool}-{round_number}" for tool in TOOLS}
            for state in ("cold", "warm"):
                for tool in TOOLS:
                    result = run_once(roots[tool], caches[tool])
                    samples.setdefault((tool, state), []).append(breakdown(result))
                    total = samples[(tool, state)][-1]["total (lock + test jobs)"]
                    print(f"round {round_number + 1} {state} {tool}: {total:.1f}s", file=sys.stderr)
    report(samples)
    return 0


def report(samples: dict[tuple[str, str], list[dict[str, float]]]) -> None:
    columns = [(tool, state) for state in ("cold", "warm") for tool in TOOLS]
    print(
        "| step | "
        + " | ".join(f"{state} {tool}" for tool, state in columns)
        + " | pip-tools / uv (cold, warm) |"
    )
    print("|---|" + "---:|" * len(columns) + "---:|")
    for label in [*STEPS, "total (lock + test jobs)"]:
        cells = {key: statistics.median(s[label] for s in samples[key]) for key in columns}
        ratios = [cells[("pip-tools", state)] / max(cells[("uv", state)], 1e-9) for state in ("cold", "warm")]
        row = " | ".join(f"{cells[key]:.1f}s" for key in columns)
        print(f"| {label} | {row} | {ratios[0]:.1f}x, {ratios[1]:.1f}x |")


if __name__ == "__main__":
    sys.exit(main())
