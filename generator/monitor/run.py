"""`ci-gen profile` and `ci-gen monitor` as functions: never print, return what the CLI shows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import EXIT_FAILED, EXIT_OK, UsageError
from generator.location import Location
from generator.markdown import add_to_job_summary
from generator.monitor import profile as profiles
from generator.monitor import report as reports
from generator.monitor.drift import DriftReport, compare
from generator.monitor.records import logged, read_data, run_command
from generator.monitor.source import profile_beside, stage_log
from generator.project import load
from generator.spec.monitor import MonitorSpec


def monitor_spec(location: Location) -> MonitorSpec:
    spec = load(location).spec
    if spec.monitor is None:
        raise UsageError(
            f"{location.spec_name} has no monitor section",
            hint="add monitor: {reference: <training data with predictions>} (see the README)",
        )
    return spec.monitor


def make_profile(
    location: Location, output: Path | None = None, summary: Path | None = None
) -> tuple[profiles.Profile, Path]:
    """Profile the spec's reference data (file or command) and write it (default: monitor.profile);
    append a Markdown summary of it to `summary` when given."""
    settings = monitor_spec(location)
    source = settings.reference
    if source.data is not None:
        records = read_data(location.root / source.data, source.data)
    else:
        assert source.command is not None
        records = run_command(source.command, location.root)
    built = profiles.build(records, settings.prediction, settings.features, settings.categorical)
    path = output if output is not None else location.root / settings.profile
    profiles.write(built, path)
    if summary is not None:
        with summary.open("a", encoding="utf-8") as handle:
            handle.write(profiles.markdown(built) + "\n")
    return built, path


@dataclass(frozen=True)
class MonitorRequest:
    location: Location
    stage: str | None = None
    log: Path | None = None  # a prediction log file instead of a stage's
    profile: Path | None = None
    window: int = 86400  # seconds of pod logs (kubernetes)


@dataclass(frozen=True)
class MonitorResult:
    report: DriftReport
    origin: str  # where the log lines came from
    profile: Path

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.report.verdict == "pass" else EXIT_FAILED


def run_monitor(request: MonitorRequest) -> MonitorResult:
    """Compare what the stage's model saw (or a log file) with the reference profile of that model."""
    settings = monitor_spec(request.location)
    if (request.stage is None) == (request.log is None):
        raise UsageError("pass exactly one of --stage (read the stage's prediction log) and --log FILE")
    if request.log is not None:
        if not request.log.is_file():
            raise UsageError(f"prediction log '{request.log}' does not exist")
        path = request.profile or request.location.root / settings.profile
        reference = profiles.load(path, request.location.display(path))
        with request.log.open(encoding="utf-8", errors="replace") as lines:  # streamed: logs grow large
            seen, origin = logged(lines, reference.model_version), str(request.log)
    else:
        assert request.stage is not None
        found = stage_log(request.location, request.stage, request.window)
        beside = profile_beside(found.release, settings.profile)
        path = request.profile or beside or request.location.root / settings.profile
        reference = profiles.load(path, request.location.display(path))
        seen, origin = logged(found.lines, reference.model_version), found.origin
    _check_version(reference, seen.versions, path)
    return MonitorResult(compare(reference, seen, settings.thresholds), origin, path)


def publish(result: MonitorResult, report_dir: Path | None) -> dict[str, Any]:
    """Write report.md, report.json and a chart per drifted feature into `report_dir` (when given), the
    Markdown into the job summary (in a job); return the JSON document."""
    charts = reports.charts(result.report, report_dir) if report_dir else {}
    document = {
        **reports.as_json(result.report, charts),
        "log": result.origin,
        "profile": str(result.profile),
    }
    markdown = reports.markdown(result.report, charts)
    if report_dir is not None:
        report_dir.mkdir(parents=True, exist_ok=True)
        (report_dir / "report.md").write_text(markdown, encoding="utf-8")
        (report_dir / "report.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    add_to_job_summary(markdown)
    return document


def _check_version(reference: profiles.Profile, versions: dict[str, int], path: Path) -> None:
    """A profile of another model than the one that logged would measure nonsense: refuse it."""
    if reference.model_version is None or not versions or reference.model_version in versions:
        return
    seen = ", ".join(f"{v or '?'} ({n} lines)" for v, n in sorted(versions.items()))
    raise UsageError(
        f"the profile {path.name} is of model {reference.model_version}, but the log's predictions are "
        f"of {seen}",
        hint="pass --profile with the profile the serving model was trained with",
    )
