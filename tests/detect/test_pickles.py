"""The static pickle reader: versions and modules from real scikit-learn files, never unpickled."""

from __future__ import annotations

import collections
import pickle
import zlib
from pathlib import Path

import pytest

from generator.detect.pickles import PickleReadError, read_model

MODELS = Path(__file__).parent / "models"


@pytest.mark.parametrize("path", sorted(MODELS.glob("*.joblib")) + sorted(MODELS.glob("*.pkl")), ids=str)
def test_real_models_record_their_scikit_learn(path: Path) -> None:
    info = read_model(path)
    assert info.versions == {"scikit-learn": "1.5.2"}
    assert {"sklearn", "numpy"} <= info.modules


@pytest.mark.parametrize("kind", ["zlib", "gzip", "bz2", "lzma", "xz"])
def test_compressed_joblib(kind: str) -> None:
    info = read_model(MODELS / f"logreg-{kind}.joblib")
    assert info.compression == kind
    assert "joblib" in info.modules


def test_object_arrays_between_opcodes_are_skipped() -> None:
    # Object arrays are pickled in place; the version comes after them in the estimator's state.
    info = read_model(MODELS / "pipeline-objects.joblib")
    assert info.modules >= {"sklearn", "numpy", "joblib", "builtins"}


def test_a_plain_pickle_names_its_globals_without_importing_them(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    state = {"_xgboost_version": "2.1.0", "counts": collections.Counter("aab")}
    path.write_bytes(pickle.dumps(state, protocol=4))
    info = read_model(path)
    assert info.versions == {"xgboost": "2.1.0"}
    assert info.modules == {"collections"}


def test_memoised_version_strings_are_followed(tmp_path: Path) -> None:
    # A second estimator repeats the key through the memo (BINGET), not as a new string.
    path = tmp_path / "two.pkl"
    path.write_bytes(pickle.dumps([{"_sklearn_version": "1.4.0"}, {"_sklearn_version": "1.4.0"}]))
    assert read_model(path).versions == {"scikit-learn": "1.4.0"}


def test_a_zlib_compressed_pickle(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl.z"
    path.write_bytes(zlib.compress(pickle.dumps({"_sklearn_version": "1.3.2"})))
    info = read_model(path)
    assert (info.compression, info.versions) == ("zlib", {"scikit-learn": "1.3.2"})


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"not a pickle at all", "not a pickle"),
        (pickle.dumps({"a": 1})[:-3], "not a pickle"),
        (b"ZF0x1a\n", "before joblib 0.10"),
    ],
)
def test_unreadable_files_say_why(tmp_path: Path, data: bytes, words: str) -> None:
    path = tmp_path / "bad.pkl"
    path.write_bytes(data)
    with pytest.raises(PickleReadError, match=words):
        read_model(path)
