"""The registry of doctor's checks: name -> function(project, report), and `diagnose`, which runs them.

Add a check by adding a line."""

from __future__ import annotations

from collections.abc import Callable

from generator.doctor import (
    container_checks,
    lock_checks,
    model_checks,
    pickle_checks,
    poetry_checks,
    python_checks,
)
from generator.doctor.findings import Report
from generator.doctor.project import Project
from generator.location import Location

Check = Callable[[Project, Report], None]

CHECKS: dict[str, Check] = {
    "python-dockerfile": python_checks.check_dockerfile,
    "python-lock-header": python_checks.check_lock_headers,
    "python-file": python_checks.check_python_file,
    "python-requires": python_checks.check_requires_python,
    "python-workflows": python_checks.check_workflows,
    "lock-contents": lock_checks.check_locks,
    "poetry-inputs": poetry_checks.check_poetry_inputs,
    "dockerfile-installs": container_checks.check_installs,
    "dockerfile-service": container_checks.check_service,
    "model-versions": model_checks.check_model,
    "model-pickles": pickle_checks.check_pickles,
}

# Slow or networked: only with `ci-gen doctor --deep`.
DEEP_CHECKS: dict[str, Check] = {
    "lock-recompile": lock_checks.check_recompile,
}


def diagnose(location: Location, *, deep: bool = False) -> Report:
    """Run every check on the project at `location`; findings come sorted by file and line."""
    project = Project.open(location)
    report = Report()
    for check in (*CHECKS.values(), *(DEEP_CHECKS.values() if deep else ())):
        check(project, report)
    report.findings.sort(key=lambda f: (f.file, f.line or 0, f.kind))
    return report
