"""doctor reads committed pickles statically and compares them with the lock the image installs."""

from __future__ import annotations

import pickle
import shutil
import sys
from pathlib import Path

import pytest

from generator.doctor import diagnose
from generator.location import Location
from tests.helpers import run

CLEAN = Path(__file__).parent / "clean"
MODELS = Path(__file__).parents[1] / "detect" / "models"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return shutil.copytree(CLEAN, tmp_path / "shop")


def test_an_older_scikit_learn_in_the_pickle_is_a_mismatch_naming_both_versions(project: Path) -> None:
    shutil.copy(MODELS / "logreg-xz.joblib", project / "artifacts" / "model.joblib")
    result = run(["doctor", "-C", str(project)])
    assert result.exit_code == 1, result.output
    pickled = "artifacts/model.joblib: model-versions: the model was pickled with scikit-learn 1.5.2"
    assert pickled in result.output
    assert "installs scikit-learn==1.9.1 (requirements.txt line 16)" in result.output
    assert "fix: re-train and save the model with scikit-learn==1.9.1 installed" in result.output


def test_a_matching_pickle_is_reported_as_checked(project: Path) -> None:
    (project / "artifacts" / "model.pkl").write_bytes(pickle.dumps({"_sklearn_version": "1.9.1"}))
    report = diagnose(Location.find(project, None))
    assert report.findings == []
    assert any(c.endswith("artifacts/model.pkl (scikit-learn 1.9.1)") for c in report.checked)
    result = run(["doctor", "-C", str(project)])
    assert result.exit_code == 0
    assert "Checked: " in result.output and "artifacts/model.pkl (scikit-learn 1.9.1)" in result.output


def test_unlocked_imports_and_main_classes(project: Path) -> None:
    data = b"\x80\x04\x8c\x08__main__\x8c\x03Net\x93\x8c\x07xgboost\x8c\x03XGB\x93\x86."
    (project / "model.pkl").write_bytes(data)
    (project / "shop_features.py").write_text("# the project's own module is not a lock matter\n")
    own = b"\x80\x04\x8c\rshop_features\x8c\x01T\x93."
    (project / "own.pkl").write_bytes(own)
    findings = diagnose(Location.find(project, None)).findings
    kinds = {(Path(f.file).name, f.kind, f.message.split(",")[0]) for f in findings}
    assert ("model.pkl", "model-imports", "loading the model imports xgboost") in kinds
    assert any(kind == "model-imports" and "__main__" in message for _, kind, message in kinds)
    assert not any(file == "own.pkl" for file, _, _ in kinds)


def test_without_a_model_file_nothing_is_claimed(project: Path) -> None:
    result = run(["doctor", "-C", str(project)])
    assert "no pickled model was inspected" in result.output
    assert "model " not in result.output.split("Checked: ", 1)[1].replace("model metadata", "")


def test_an_unreadable_model_is_a_note_not_a_pass(project: Path) -> None:
    (project / "artifacts" / "model.joblib").write_bytes(b"garbage")
    report = diagnose(Location.find(project, None))
    assert any("artifacts/model.joblib: not a pickle" in n for n in report.notes)
    assert not any("model.joblib" in c for c in report.checked)


def test_an_lz4_model_without_the_lz4_package_is_unread_not_agreed(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(MODELS / "logreg-lz4.joblib", project / "artifacts" / "model.joblib")
    monkeypatch.setitem(sys.modules, "lz4.frame", None)  # as where lz4 is not installed
    report = diagnose(Location.find(project, None))
    assert any(
        "artifacts/model.joblib: an lz4-compressed joblib file, and the lz4 package" in n
        and n.endswith("its library versions were not checked")
        for n in report.notes
    ), report.notes
    assert not any("model.joblib" in c for c in report.checked)


def test_an_old_joblib_model_is_compared_and_its_missing_companions_named(project: Path) -> None:
    old = MODELS / "joblib-0.9"
    for path in old.glob("logreg-joblib-0.9.pkl*"):
        if not path.name.endswith("_02.npy"):
            shutil.copy(path, project / "artifacts" / path.name)
    findings = diagnose(Location.find(project, None)).findings
    found = {(f.kind, f.message.split(";")[0]) for f in findings}
    assert ("model-versions", "the model was pickled with scikit-learn 0.17.1") in found
    assert (
        "model-files",
        "a joblib < 0.10 file whose arrays are in companion files",
    ) in found
    missing = next(f for f in findings if f.kind == "model-files")
    assert "logreg-joblib-0.9.pkl_02.npy not found next to it" in missing.message
