"""`ci-gen doctor`: find every mismatch between what the tests ran with and what production runs."""

from generator.doctor.findings import Finding, Report, diagnose

__all__ = ["Finding", "Report", "diagnose"]
