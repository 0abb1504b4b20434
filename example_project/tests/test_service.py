import json
import logging
import re
import shutil

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from iris_classifier.logs import PREDICTION_LOGGER
from iris_classifier.model import LoadedModel
from iris_classifier.service import ServiceConfig, create_app, request_id_from

from .conftest import SAMPLE_ROW

CLASSES = {"setosa", "versicolor", "virginica"}


def test_health_is_ok_when_the_model_is_loaded(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_health_is_503_when_the_model_cannot_be_loaded(tmp_path, caplog):
    app = create_app(ServiceConfig(model_path=tmp_path / "missing.joblib"))
    client = app.test_client()
    assert client.get("/health").status_code == 503
    response = client.post("/predict", json={"features": SAMPLE_ROW})
    assert response.status_code == 503
    assert response.get_json()["error"] == "model not loaded"
    assert "model not loaded" in caplog.text


def test_stale_metadata_refuses_to_load(tmp_path, artifacts):
    shutil.copy(artifacts / "model.joblib", tmp_path / "model.joblib")
    (tmp_path / "model-metadata.json").write_text(json.dumps({"model_version": "000000000000"}))
    app = create_app(ServiceConfig(model_path=tmp_path / "model.joblib"))
    assert app.test_client().get("/health").status_code == 503


def test_config_from_env_defaults_and_overrides():
    assert str(ServiceConfig.from_env({}).model_path) == "artifacts/model.joblib"
    config = ServiceConfig.from_env({"MODEL_PATH": "/m/model.joblib", "MAX_BATCH_SIZE": "5"})
    assert (str(config.model_path), config.max_batch_size) == ("/m/model.joblib", 5)
    with pytest.raises(ValueError, match="at least 1"):
        ServiceConfig.from_env({"MAX_BATCH_SIZE": "0"})


def test_batch_limit_follows_the_config(model_path):
    client = create_app(ServiceConfig(model_path=model_path, max_batch_size=2)).test_client()
    assert client.post("/predict", json={"instances": [SAMPLE_ROW] * 2}).status_code == 200
    assert client.post("/predict", json={"instances": [SAMPLE_ROW] * 3}).status_code == 400


def test_predict_one_named_row(client):
    response = client.post("/predict", json={"features": SAMPLE_ROW})
    assert response.status_code == 200
    body = response.get_json()
    assert body["predictions"] == ["setosa"]
    assert set(body["probabilities"][0]) == CLASSES
    assert sum(body["probabilities"][0].values()) == pytest.approx(1.0)
    assert body["probabilities"][0]["setosa"] > 0.9
    assert re.fullmatch(r"[0-9a-f]{12}", body["model_version"])
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_predict_one_positional_row_matches_the_named_one(client):
    named = client.post("/predict", json={"features": SAMPLE_ROW}).get_json()
    positional = client.post("/predict", json={"features": list(SAMPLE_ROW.values())}).get_json()
    assert positional["predictions"] == named["predictions"]
    assert positional["probabilities"] == named["probabilities"]


def test_predict_accepts_a_body_without_a_json_content_type(client):
    response = client.post("/predict", data=json.dumps({"features": [6.7, 3.0, 5.2, 2.3]}))
    assert response.status_code == 200
    assert response.get_json()["predictions"] == ["virginica"]


def test_predict_batch_mixing_row_forms(client):
    rows = [SAMPLE_ROW, [6.0, 2.9, 4.5, 1.5], [6.7, 3.0, 5.2, 2.3]]
    response = client.post("/predict", json={"instances": rows})
    assert response.status_code == 200
    body = response.get_json()
    assert body["predictions"] == ["setosa", "versicolor", "virginica"]
    assert len(body["probabilities"]) == 3


def test_predict_accepts_the_maximum_batch(client):
    response = client.post("/predict", json={"instances": [SAMPLE_ROW] * 1000})
    assert response.status_code == 200
    assert len(response.get_json()["predictions"]) == 1000


def test_request_id_is_honoured_and_echoed(client):
    response = client.post("/predict", json={"features": SAMPLE_ROW}, headers={"X-Request-ID": "abc.DEF_1-2"})
    assert response.headers["X-Request-ID"] == "abc.DEF_1-2"
    assert response.get_json()["request_id"] == "abc.DEF_1-2"
    assert client.get("/health", headers={"X-Request-ID": "h-1"}).headers["X-Request-ID"] == "h-1"


def test_request_id_is_generated_when_absent(client):
    response = client.get("/health")
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


@pytest.mark.parametrize("bad_id", ["", "has space", "semi;colon", "x" * 129, "ünïcode", "a/b"])
def test_an_unsafe_request_id_is_replaced(client, bad_id):
    response = client.post("/predict", json={"features": SAMPLE_ROW}, headers={"X-Request-ID": bad_id})
    echoed = response.headers["X-Request-ID"]
    assert echoed != bad_id
    assert re.fullmatch(r"[0-9a-f]{32}", echoed)
    assert response.get_json()["request_id"] == echoed


def test_request_id_of_exactly_128_characters_is_kept():
    assert request_id_from("a" * 128) == "a" * 128


def test_one_json_log_line_per_prediction(client, caplog):
    caplog.set_level(logging.INFO, logger=PREDICTION_LOGGER)
    client.post("/predict", json={"instances": [SAMPLE_ROW, SAMPLE_ROW]}, headers={"X-Request-ID": "log-1"})
    client.post("/predict", json={"features": "not a row"})
    client.get("/health")
    records = [r for r in caplog.records if r.name == PREDICTION_LOGGER]
    assert len(records) == 1
    line = records[0].getMessage()
    assert "\n" not in line
    event = json.loads(line)
    assert set(event) == {"event", "request_id", "model_version", "predictions", "inputs", "latency_ms"}
    assert event["event"] == "prediction"
    assert event["request_id"] == "log-1"
    assert event["predictions"] == ["setosa", "setosa"]
    assert isinstance(event["latency_ms"], float)


def _samples(client: FlaskClient, name: str) -> list[Sample]:
    text = client.get("/metrics").data.decode()
    return [
        sample
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def test_metrics_count_requests_latency_and_predictions(client):
    client.post("/predict", json={"instances": [SAMPLE_ROW, [6.7, 3.0, 5.2, 2.3]]})
    client.post("/predict", json={"features": []})
    client.get("/no-such-page")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    requests = {
        (s.labels["endpoint"], s.labels["status"]): s.value for s in _samples(client, "http_requests_total")
    }
    assert requests[("/predict", "200")] == 1
    assert requests[("/predict", "400")] == 1
    assert requests[("unmatched", "404")] == 1
    predictions = {s.labels["class_name"]: s.value for s in _samples(client, "predictions_total")}
    assert predictions == {"setosa": 1, "virginica": 1}
    latency = [
        s
        for s in _samples(client, "http_request_duration_seconds_count")
        if s.labels["endpoint"] == "/predict"
    ]
    assert latency[0].value == 2
    assert [s.value for s in _samples(client, "model_info")] == [1]


def test_each_app_has_its_own_registry(model_path):
    first = create_app(ServiceConfig(model_path=model_path)).test_client()
    second = create_app(ServiceConfig(model_path=model_path)).test_client()
    first.post("/predict", json={"features": SAMPLE_ROW})
    assert _samples(second, "predictions_total") == []


def test_version_reports_model_and_runtime(client, artifacts):
    body = client.get("/version").get_json()
    metadata = json.loads((artifacts / "model-metadata.json").read_text())
    assert body["model_version"] == metadata["model_version"]
    assert body["model_metadata"] == metadata
    assert body["runtime"]["python"].count(".") == 2
    packages = body["runtime"]["packages"]
    assert {"flask", "gunicorn", "scikit-learn", "numpy", "scipy", "joblib", "prometheus-client"} <= set(
        packages
    )
    # The model runs on the very versions it was trained with (same lock for training and serving).
    for name, version in metadata["packages"].items():
        assert packages[name] == version


def test_unknown_path_is_a_json_404(client):
    response = client.get("/nope", headers={"X-Request-ID": "r404"})
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["request_id"] == "r404"
    assert response.get_json()["error"]


def test_wrong_method_is_a_json_405_with_allow(client):
    response = client.get("/predict")
    assert response.status_code == 405
    assert response.is_json
    assert "POST" in response.headers["Allow"]


def test_an_unexpected_error_is_a_json_500(client, monkeypatch, caplog):
    def explode(self, rows):
        raise RuntimeError("boom")

    monkeypatch.setattr(LoadedModel, "predict", explode)
    response = client.post("/predict", json={"features": SAMPLE_ROW}, headers={"X-Request-ID": "r500"})
    assert response.status_code == 500
    assert response.get_json() == {"error": "internal server error", "request_id": "r500"}
    assert "boom" in caplog.text
