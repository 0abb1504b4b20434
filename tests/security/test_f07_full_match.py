"""Finding 7 (low): validators matched with `re.match` and `$`, which accepts a trailing newline.

On main `"main\\n"` passed as a branch (and so did slugs, images, environment names, build args, action
refs and the pin pattern of `verify`); `verify` then passed a workflow actionlint rejects. Every pattern is
now a full match. The property: any value a validator accepts stops being accepted with a line break
appended."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from generator.deploy.release import image_release
from generator.errors import CiGenError
from generator.render.verify import verify
from generator.spec import types

BREAKS = ["\n", "\r\n", "\r"]
# Each validating type with a strategy for values it accepts.
VALIDATED: dict[str, tuple[Any, st.SearchStrategy[str]]] = {
    "slug": (types.Slug, st.from_regex(types._SLUG, fullmatch=True)),
    "branch": (types.Branch, st.from_regex(types._BRANCH, fullmatch=True)),
    "branch name": (types.BranchName, st.from_regex(types._BRANCH_NAME, fullmatch=True)),
    "image": (types.ImageName, st.from_regex(types._IMAGE, fullmatch=True)),
    "action ref": (types.ActionRef, st.from_regex(types._ACTION_REF, fullmatch=True)),
    "url path": (types.UrlPath, st.from_regex(types._URL_PATH, fullmatch=True)),
    "environment": (types.EnvironmentName, st.from_regex(types._ENV_NAME, fullmatch=True)),
    "metric": (types.MetricName, st.from_regex(types._METRIC, fullmatch=True)),
    "build arg": (types.BuildArgValue, st.from_regex(r"[a-z0-9 =._-]{0,20}", fullmatch=True)),
    "relative path": (
        types.RelPath,
        st.from_regex(r"[a-z0-9_-]{1,10}(/[a-z0-9_.-]{1,10}){0,3}", fullmatch=True),
    ),
    "python": (types.PythonVersion, st.sampled_from(["3.8", "3.11", "3.14"])),
}
PIN = "actions/checkout@" + "a" * 40


@pytest.mark.parametrize("name", sorted(VALIDATED))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_trailing_line_break_is_refused(name: str, data: st.DataObject) -> None:
    kind, values = VALIDATED[name]
    adapter = TypeAdapter(kind)
    value = data.draw(values)
    adapter.validate_python(value)  # accepted as it is
    with pytest.raises(ValidationError):
        adapter.validate_python(value + data.draw(st.sampled_from(BREAKS)))


def test_image_references_are_matched_whole() -> None:
    image_release("ghcr.io/acme/iris@sha256:" + "a" * 64)
    with pytest.raises(CiGenError):
        image_release("ghcr.io/acme/iris@sha256:" + "a" * 64 + "\n")


def test_verify_refuses_a_pin_with_a_line_break() -> None:
    workflow = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: "{}"\n'
    verify({".github/workflows/a.yml": workflow.format(PIN)})
    with pytest.raises(CiGenError, match="not pinned"):
        verify({".github/workflows/a.yml": workflow.format(PIN + "\\n")})


def test_a_near_miss_image_name_does_not_backtrack_for_ever() -> None:
    """Found by the property above: on main the image pattern nested `/` in two repetitions, so a long
    name with one bad character took exponential time (a spec that hangs `validate`, and the PR check)."""
    code = "from generator.spec import types; types._IMAGE.fullmatch('a' + '/a' * 60 + '!')"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
