"""The shipped sample requests (container smoke test, shadow replay) stay valid for the service."""

import json
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def test_smoke_test_sample_predicts(client):
    body = json.loads((SAMPLES / "predict.json").read_text())
    response = client.post("/predict", json=body)
    assert response.status_code == 200
    assert response.get_json()["predictions"] == ["setosa"]


def test_every_recorded_request_is_served(client):
    lines = (SAMPLES / "requests.jsonl").read_text().splitlines()
    assert 40 <= len(lines) <= 60
    seen = set()
    for number, line in enumerate(lines, start=1):
        response = client.post("/predict", data=line, content_type="application/json")
        assert response.status_code == 200, f"requests.jsonl:{number}: {response.get_json()}"
        seen.update(response.get_json()["predictions"])
    assert seen == {"setosa", "versicolor", "virginica"}
