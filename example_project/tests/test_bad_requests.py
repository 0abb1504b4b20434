"""Every malformed /predict request is a 400 with a JSON error naming the problem, never a 500."""

import json

import pytest

from .conftest import SAMPLE_ROW

ROW = list(SAMPLE_ROW.values())

BAD_BODIES = {
    "not json": b"sepal_length=5.1",
    "truncated json": b'{"features": [5.1, 3.5',
    "invalid utf-8": b'{"features": "\xff"}',
    "deeply nested json": b"[" * 100_000 + b"]" * 100_000,
    "json null": b"null",
    "json list": json.dumps([ROW]).encode(),
    "json string": b'"features"',
    "empty body": b"",
    "no known key": json.dumps({"rows": [ROW]}).encode(),
    "both keys": json.dumps({"features": ROW, "instances": [ROW]}).encode(),
    "extra key": json.dumps({"features": ROW, "debug": True}).encode(),
    "features is a string": json.dumps({"features": "5.1,3.5,1.4,0.2"}).encode(),
    "features is a number": json.dumps({"features": 5.1}).encode(),
    "too few values": json.dumps({"features": ROW[:3]}).encode(),
    "too many values": json.dumps({"features": [*ROW, 1.0]}).encode(),
    "empty list": json.dumps({"features": []}).encode(),
    "missing feature": json.dumps(
        {"features": {k: v for k, v in SAMPLE_ROW.items() if k != "petal_width"}}
    ).encode(),
    "unknown feature": json.dumps({"features": {**SAMPLE_ROW, "colour": 1.0}}).encode(),
    "misspelt feature": json.dumps(
        {"features": {**{k: v for k, v in SAMPLE_ROW.items() if k != "sepal_width"}, "sepal_widht": 3.5}}
    ).encode(),
    "string value": json.dumps({"features": ["5.1", 3.5, 1.4, 0.2]}).encode(),
    "null value": json.dumps({"features": [None, 3.5, 1.4, 0.2]}).encode(),
    "boolean value": json.dumps({"features": [True, 3.5, 1.4, 0.2]}).encode(),
    "nested value": json.dumps({"features": [[5.1], 3.5, 1.4, 0.2]}).encode(),
    "NaN": b'{"features": [NaN, 3.5, 1.4, 0.2]}',
    "Infinity": b'{"features": [5.1, Infinity, 1.4, 0.2]}',
    "-Infinity in a named row": b'{"features": {"sepal_length": -Infinity, "sepal_width": 3.5, '
    b'"petal_length": 1.4, "petal_width": 0.2}}',
    "overflowing literal": b'{"features": [1e400, 3.5, 1.4, 0.2]}',
    "huge integer": json.dumps({"features": [10**400, 3.5, 1.4, 0.2]}).encode(),
    "instances not a list": json.dumps({"instances": {"a": ROW}}).encode(),
    "instances empty": json.dumps({"instances": []}).encode(),
    "instances too many rows": json.dumps({"instances": [ROW] * 1001}).encode(),
    "one bad row in a batch": json.dumps({"instances": [ROW, ROW[:2]]}).encode(),
    "row is a string": json.dumps({"instances": ["5.1,3.5,1.4,0.2"]}).encode(),
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_body_is_a_json_400(client, body):
    response = client.post(
        "/predict", data=body, content_type="application/json", headers={"X-Request-ID": "bad-1"}
    )
    assert response.status_code == 400, response.data[:200]
    assert response.is_json
    payload = response.get_json()
    assert set(payload) == {"error", "request_id"}
    assert payload["error"]
    assert payload["request_id"] == "bad-1"
    assert response.headers["X-Request-ID"] == "bad-1"


def test_the_error_names_the_offending_feature(client):
    body = {"features": {**{k: v for k, v in SAMPLE_ROW.items() if k != "sepal_width"}, "sepal_widht": 3.5}}
    error = client.post("/predict", json=body).get_json()["error"]
    assert "sepal_width" in error
    assert "sepal_widht" in error


def test_the_error_names_the_row_of_a_batch(client):
    error = client.post("/predict", json={"instances": [ROW, ROW, [1, 2, "x", 4]]}).get_json()["error"]
    assert "instances[2]" in error
    assert "petal_length" in error


def test_an_oversized_body_is_a_json_413(client):
    response = client.post("/predict", data=b" " * (2 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413
    assert response.is_json
