import json

from iris_classifier import evaluate, train

METRICS = {"accuracy", "f1_macro", "precision_macro", "recall_macro"}


def test_evaluate_writes_a_flat_object_of_floats(tmp_path, model_path):
    metrics_path = tmp_path / "out" / "metrics.json"
    assert evaluate.main(["--model", str(model_path), "--metrics", str(metrics_path)]) == 0
    metrics = json.loads(metrics_path.read_text())
    assert set(metrics) == METRICS
    assert all(isinstance(value, float) and 0.0 <= value <= 1.0 for value in metrics.values())
    assert metrics["accuracy"] >= 0.9
    assert metrics["f1_macro"] >= 0.9


def test_evaluate_is_deterministic(tmp_path, model_path):
    evaluate.main(["--model", str(model_path), "--metrics", str(tmp_path / "a.json")])
    evaluate.main(["--model", str(model_path), "--metrics", str(tmp_path / "b.json")])
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_label_noise_makes_a_measurably_worse_model(tmp_path, model_path):
    train.main(["--out", str(tmp_path), "--label-noise", "0.7"])
    evaluate.main(["--model", str(tmp_path / "model.joblib"), "--metrics", str(tmp_path / "noisy.json")])
    evaluate.main(["--model", str(model_path), "--metrics", str(tmp_path / "clean.json")])
    noisy = json.loads((tmp_path / "noisy.json").read_text())
    clean = json.loads((tmp_path / "clean.json").read_text())
    assert noisy["accuracy"] < clean["accuracy"] - 0.2


def test_evaluate_reports_an_unloadable_model(tmp_path, capsys):
    assert (
        evaluate.main(["--model", str(tmp_path / "missing.joblib"), "--metrics", str(tmp_path / "m.json")])
        == 2
    )
    assert "cannot load model" in capsys.readouterr().err
    assert not (tmp_path / "m.json").exists()
