"""`ci-gen doctor`: find every mismatch between what the tests ran with and what production runs."""

from generator.doctor.checks import diagnose
from generator.doctor.findings import Finding, Report

__all__ = ["Finding", "Report", "diagnose"]
