"""Routes read with ast: Flask and FastAPI decorators, blueprints and routers with prefixes."""

from __future__ import annotations

from pathlib import Path

from generator.detect.routes import find_routes, health_route, predict_route
from generator.detect.samples import sample_from_model, sample_from_tests

FASTAPI = """
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field

router = APIRouter(prefix="/v1")
app = FastAPI()


class Flower(BaseModel):
    sepal_length: float = Field(..., examples=[5.1])
    sepal_width: float
    tags: list[str] = Field(default_factory=list, min_length=2)
    kind: str = "iris"


class PredictRequest(BaseModel):
    flowers: list[Flower]


@app.get("/healthz")
def health():
    return {}


@router.post("/predict")
async def predict(request: PredictRequest):
    return {}
"""

FLASK = """
from flask import Blueprint, Flask
bp = Blueprint("api", __name__, url_prefix="/api")
app = Flask(__name__)

@app.route("/")
def index():
    return "ok"

@bp.route("/score", methods=["POST"])
def score():
    return {}

app.add_url_rule("/version", view_func=index)
"""


def test_fastapi_routes_prefixes_and_the_request_model(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text(FASTAPI)
    routes = find_routes(tmp_path)
    health, predict = health_route(routes), predict_route(routes)
    assert health is not None and (health.path, health.file) == ("/healthz", "app/main.py")
    assert predict is not None and (predict.path, predict.body_model) == ("/v1/predict", "PredictRequest")
    sample = sample_from_model(tmp_path, "PredictRequest")
    assert sample is not None
    flower = {"sepal_length": 5.1, "sepal_width": 0.5, "tags": ["text", "text"], "kind": "iris"}
    assert sample[0] == {"flowers": [flower]}  # min_length honoured, examples and defaults used


def test_flask_routes_fall_back_to_get_slash(tmp_path: Path) -> None:
    (tmp_path / "service.py").write_text(FLASK)
    routes = find_routes(tmp_path)
    assert {(r.path, r.methods) for r in routes} == {
        ("/", ("GET",)),
        ("/api/score", ("POST",)),
        ("/version", ("GET",)),
    }
    health, predict = health_route(routes), predict_route(routes)
    assert health is not None and health.path == "/"
    assert predict is not None and predict.path == "/api/score"


def test_a_sample_from_the_tests_wins(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    test = 'PAYLOAD = {"x": [1, 2]}\n\ndef test_it(client):\n    client.post("/predict", json=PAYLOAD)\n'
    (tmp_path / "tests" / "test_api.py").write_text(test)
    assert sample_from_tests(tmp_path, "/predict") == ({"x": [1, 2]}, "tests/test_api.py line 4")
    assert sample_from_tests(tmp_path, "/other") is None


def test_unparsable_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def (:\n")
    assert find_routes(tmp_path) == []
