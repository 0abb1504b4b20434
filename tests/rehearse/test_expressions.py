"""The `${{ }}` evaluator: GitHub's semantics for what the templates use, clear errors for the rest."""

from __future__ import annotations

import pytest

from generator.rehearse.expressions import (
    ExpressionError,
    condition,
    evaluate,
    interpolate,
    lookup_in,
    to_text,
)

CONTEXTS = frozenset({"github", "matrix", "needs", "steps", "secrets"})
DATA = {
    "github": {"event_name": "push", "ref": "refs/heads/main", "sha": "abc"},
    "matrix": {"python": "3.11"},
    "needs": {"publish": {"outputs": {"image": "ghcr.io/o/r", "digest": "sha256:1"}}},
    "steps": {"deploy-step": {"outputs": {"n": "0"}}},
}
LOOKUP = lookup_in(DATA)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("github.event_name == 'push' && github.ref == 'refs/heads/main'", True),
        ("github.event_name == 'pull_request' || github.ref == 'refs/heads/main'", True),
        ("github.event_name != 'push'", False),
        ("github.EVENT_NAME == 'PUSH'", False),  # keys are case-sensitive here; values compare without case
        ("github.event_name == 'PUSH'", True),
        ("!(github.event_name == 'push')", False),
        ("matrix.python", "3.11"),
        ("matrix.missing", None),
        ("needs.publish.outputs.image", "ghcr.io/o/r"),
        ("steps.deploy-step.outputs.n == 0", True),
        ("'it''s'", "it's"),
        ("github.event_name && 'yes' || 'no'", "yes"),
        ("matrix.missing && 'yes' || 'no'", "no"),
        ("1 == true", True),
        ("null == ''", True),
        ("3.5", 3.5),
    ],
)
def test_evaluate(expression: str, expected: object) -> None:
    assert evaluate(expression, LOOKUP, CONTEXTS) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("success()", "the function success() is not supported by rehearse"),
        ("vars.X", "the context 'vars' is not supported by rehearse"),
        ("github.event_name < 'a'", "'<' is not supported by rehearse"),
        ("matrix['python']", "'[' is not supported by rehearse"),
        ("(github.sha", "ends too early"),
        ("github.sha github.ref", "unexpected 'github'"),
        ("", "empty"),
    ],
)
def test_unsupported(expression: str, message: str) -> None:
    with pytest.raises(
        ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
    ):
        evaluate(expression, LOOKUP, CONTEXTS)


def test_interpolate_and_condition() -> None:
    text = "${{ needs.publish.outputs.image }}@${{ needs.publish.outputs.digest }} on ${{ matrix.python }}"
    assert interpolate(text, LOOKUP, CONTEXTS) == "ghcr.io/o/r@sha256:1 on 3.11"
    assert interpolate("no expressions", LOOKUP, CONTEXTS) == "no expressions"
    assert condition("${{ github.event_name == 'push' }}", LOOKUP, CONTEXTS) is True
    assert condition("github.event_name == 'pull_request'", LOOKUP, CONTEXTS) is False


@pytest.mark.parametrize(
    ("value", "text"), [(None, ""), (True, "true"), (False, "false"), (2.0, "2"), (0.5, "0.5")]
)
def test_to_text(value: object, text: str) -> None:
    assert to_text(value) == text


def test_status_functions_answer_from_the_status_context() -> None:
    from generator.rehearse.expressions import ExpressionError, uses_status

    status = {"always": True, "success": False, "failure": True, "cancelled": False}
    look = lookup_in({"status": status, "github": {"event_name": "pull_request"}})
    contexts = frozenset({"github"})
    assert condition("!cancelled() && github.event_name == 'pull_request'", look, contexts)
    assert not condition("success()", look, contexts)
    assert uses_status("${{ !cancelled() }}") and not uses_status("needs.cancelled_job")
    with pytest.raises(ExpressionError, match="not supported by rehearse here"):
        condition("always()", lookup_in({}), contexts)
