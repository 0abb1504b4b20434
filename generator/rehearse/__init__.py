"""`ci-gen rehearse`: run the generated workflows' jobs locally, with local equivalents of their actions.

It covers what ci-gen's templates generate, not GitHub Actions in general; anything else is an error
that names the file and line. Use `rehearse(RehearsalRequest(...), on_event)` from code and tests.
"""

from generator.rehearse.results import (
    Event,
    JobFinished,
    JobResult,
    JobStarted,
    Notice,
    Outcome,
    RehearsalResult,
    StepFinished,
    StepResult,
    StepStarted,
)
from generator.rehearse.runner import RehearsalRequest, rehearse

__all__ = [
    "Event",
    "JobFinished",
    "JobResult",
    "JobStarted",
    "Notice",
    "Outcome",
    "RehearsalRequest",
    "RehearsalResult",
    "StepFinished",
    "StepResult",
    "StepStarted",
    "rehearse",
]
