"""Records in and out: reference rows from a file or a command, and rows from prediction log lines.

A reference record is a JSON object with the input fields and the model's prediction. A prediction log
line (the serving contract) is `{"event": "prediction", "predictions": [...], "inputs": [{...}, ...],
"model_version": ...}`: `inputs[i]` are the features the model turned into `predictions[i]`.
"""

from __future__ import annotations

import csv
import json
import shlex
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import UsageError

Record = dict[str, Any]


def read_data(path: Path, shown: str) -> list[Record]:
    """Records of a .jsonl, .json (a list of objects) or .csv file; an error names the line."""
    if not path.is_file():
        raise UsageError(f"reference data '{shown}' does not exist", hint="write it before profiling")
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".csv":
        return [_csv_row(row) for row in csv.DictReader(text.splitlines())]
    if path.suffix == ".json":
        return _json_list(text, shown)
    return json_lines(text.splitlines(), shown)


def run_command(command: str, cwd: Path) -> list[Record]:
    """Records a command prints as JSON lines (run without a shell, from the spec's folder)."""
    try:
        done = subprocess.run(
            shlex.split(command), cwd=cwd, capture_output=True, text=True, check=False, timeout=3600
        )
    except (OSError, ValueError) as exc:
        raise UsageError(f"reference command '{command}' could not start: {exc}") from None
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no error output"]
        raise UsageError(f"reference command '{command}' exited {done.returncode}: {tail[0]}")
    return json_lines(done.stdout.splitlines(), f"the output of '{command}'")


def json_lines(lines: Iterable[str], shown: str) -> list[Record]:
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise UsageError(f"{shown}:{number}: not JSON: {exc}") from None
        if not isinstance(value, dict):
            raise UsageError(f"{shown}:{number}: expected a JSON object with the input fields")
        records.append(value)
    return records


def _json_list(text: str, shown: str) -> list[Record]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{shown}:{exc.lineno if hasattr(exc, 'lineno') else 1}: not JSON: {exc}") from None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise UsageError(f"{shown}: expected a JSON list of objects, one per row")
    return value


def _csv_row(row: dict[str, str]) -> Record:
    """CSV has no types: numbers become numbers, empty cells missing, the rest stays text."""
    return {key: _csv_value(value) for key, value in row.items()}


def _csv_value(value: str | None) -> Any:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        return value


@dataclass
class Logged:
    """What the prediction log holds, by column: each input field's values in row order (None where a
    row lacks it), the predictions, and the model versions that made them. Columns rather than row dicts
    keep a million logged predictions in a few hundred MB."""

    columns: dict[str, list[Any]] = field(default_factory=dict)
    rows: int = 0  # input rows (every column has this many values)
    predictions: list[Any] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)  # prediction lines per model version
    without_inputs: int = 0  # prediction lines that did not log their inputs

    def column(self, name: str) -> list[Any]:
        return self.columns.get(name) or [None] * self.rows

    def add(self, entry: Record) -> None:
        predictions = entry.get("predictions")
        if not isinstance(predictions, list):
            predictions = [predictions]
        inputs = entry.get("inputs")
        if isinstance(inputs, list) and len(inputs) == len(predictions):
            for row in inputs:
                self._add_row(row if isinstance(row, dict) else {})
        else:
            self.without_inputs += 1
        self.predictions.extend(predictions)

    def _add_row(self, row: Record) -> None:
        for name in row.keys() - self.columns.keys():
            self.columns[name] = [None] * self.rows  # a field first seen now was missing before
        for name, values in self.columns.items():
            values.append(row.get(name))
        self.rows += 1


def prediction_entries(lines: Iterable[str]) -> Iterable[Record]:
    """The prediction lines among a service's output (other log lines are skipped)."""
    for line in lines:
        if '"prediction"' not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("event") == "prediction":
            yield entry


def logged(lines: Iterable[str], model_version: str | None = None) -> Logged:
    """Collect the prediction lines; with `model_version`, only those that model made."""
    found = Logged()
    for entry in prediction_entries(lines):
        version = str(entry.get("model_version", ""))
        found.versions[version] = found.versions.get(version, 0) + 1
        if model_version is None or version == model_version:
            found.add(entry)
    return found
