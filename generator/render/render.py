"""Render a Plan through the template set into {relative path: text}. Pure and deterministic."""

from __future__ import annotations

import dataclasses
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError
from jinja2.exceptions import SecurityError

from generator.defaults import WORKFLOWS_DIR
from generator.errors import Problem, RenderError
from generator.packs.context import pack_context
from generator.packs.model import identities
from generator.plan import Plan
from generator.render.context import template_context
from generator.render.header import with_header
from generator.render.templates import TemplateSet


def render(plan: Plan, templates: TemplateSet, inputs: str) -> dict[str, str]:
    """Render every workflow template; templates that render to nothing are left out."""
    env = templates.environment()
    context = template_context(plan=plan, uses=plan.uses, packs=pack_context(templates.packs))
    bodies: dict[str, str] = {}
    for name in templates.workflow_names():
        body = _render_one(env, name, context, templates)
        if body.strip():
            bodies[f"{WORKFLOWS_DIR}/{name[: -len('.j2')]}"] = body
    total = len(bodies)
    return {
        path: with_header(
            body,
            spec_path=plan.spec_path,
            version=plan.version,
            inputs=inputs,
            part=i,
            parts=total,
            templates=plan.template_folders,
            packs=identities(templates.packs),
        )
        for i, (path, body) in enumerate(sorted(bodies.items()), start=1)
    }


def _render_one(env: Any, name: str, context: Mapping[str, Any], templates: TemplateSet) -> str:
    try:
        text: str = env.get_template(name).render(context)
    except TemplateSyntaxError as exc:
        raise RenderError(_where(templates, exc.name or name, exc.lineno, exc.message or str(exc))) from None
    except (TemplateError, SecurityError, TypeError, AttributeError, ValueError) as exc:
        template, line = _template_frame(exc, templates, name)
        raise RenderError(_where(templates, template, line, f"{type(exc).__name__}: {exc}")) from None
    return text


def _where(templates: TemplateSet, name: str, line: int | None, message: str) -> str:
    path = _template_path(templates, name)
    return str(Problem(path, line, None, "", f"template error: {message}"))


def template_sources(templates: TemplateSet) -> dict[str, str]:
    """The template file each output comes from, so verification errors can name it."""
    return {
        f"{WORKFLOWS_DIR}/{name[: -len('.j2')]}": _template_path(templates, name)
        for name in templates.workflow_names()
    }


def _template_path(templates: TemplateSet, name: str) -> str:
    if name.startswith("builtin/"):
        return str(templates.builtin / name.removeprefix("builtin/"))
    for folder in templates.folders:
        if (folder / name).is_file():
            return str(folder / name)
    return name


def _template_frame(exc: BaseException, templates: TemplateSet, fallback: str) -> tuple[str, int | None]:
    """Jinja rewrites tracebacks so template frames carry the template file and line; find the last."""
    roots = [str(folder.resolve()) for folder in templates.folders]
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        filename = str(Path(frame.filename).resolve()) if frame.filename else ""
        if filename.endswith(".j2") and any(filename.startswith(root) for root in roots):
            return filename, frame.lineno
    return fallback, None


def plan_as_dict(plan: Plan) -> dict[str, Any]:
    """The plan as plain data, for `ci-gen plan` style debugging and for template authors."""
    return dataclasses.asdict(plan)
