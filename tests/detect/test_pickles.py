"""The static pickle reader: versions and modules from real scikit-learn files, never unpickled."""

from __future__ import annotations

import collections
import pickle
import shutil
import sys
import zlib
from pathlib import Path

import pytest

from generator.detect.pickles import PickleReadError, read_model
from generator.init import detect

MODELS = Path(__file__).parent / "models"
OLD = MODELS / "joblib-0.9"  # written by joblib 0.9.4 (models/README.md)


@pytest.mark.parametrize("path", sorted(MODELS.glob("*.joblib")) + sorted(MODELS.glob("*.pkl")), ids=str)
def test_real_models_record_their_scikit_learn(path: Path) -> None:
    info = read_model(path)
    assert info.versions == {"scikit-learn": "1.5.2"}
    assert {"sklearn", "numpy"} <= info.modules


@pytest.mark.parametrize("kind", ["zlib", "gzip", "bz2", "lzma", "xz", "lz4"])
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
        (b"ZF0x1a\n", r"a joblib < 0\.10 file \(ZF\) of 0 bytes; its header says 26"),
        (b"ZFnot a length      x", r"a joblib < 0\.10 file \(ZF\) whose length header is not a number"),
    ],
)
def test_unreadable_files_say_why(tmp_path: Path, data: bytes, words: str) -> None:
    path = tmp_path / "bad.pkl"
    path.write_bytes(data)
    with pytest.raises(PickleReadError, match=words):
        read_model(path)


def test_lz4_is_read_with_the_lz4_package_and_unread_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    assert read_model(MODELS / "logreg-lz4.joblib").versions == {"scikit-learn": "1.5.2"}
    monkeypatch.setitem(sys.modules, "lz4.frame", None)  # as where lz4 is not installed
    with pytest.raises(PickleReadError, match="the lz4 package that reads it is not installed"):
        read_model(MODELS / "logreg-lz4.joblib")


def test_joblib_before_0_10_with_npy_companions() -> None:
    info = read_model(OLD / "logreg-joblib-0.9.pkl")
    assert (info.versions, info.compression) == ({"scikit-learn": "0.17.1"}, None)
    assert info.modules == {"sklearn", "numpy", "joblib"}
    assert info.companions == [f"logreg-joblib-0.9.pkl_0{n}.npy" for n in (1, 2, 3)]
    assert info.missing == []


def test_a_missing_or_escaping_companion_is_missing(tmp_path: Path) -> None:
    main = (OLD / "logreg-joblib-0.9.pkl").read_bytes()
    (tmp_path / "m.pkl").write_bytes(main)
    (tmp_path / "logreg-joblib-0.9.pkl_01.npy").write_bytes(b"")
    assert read_model(tmp_path / "m.pkl").missing == [f"logreg-joblib-0.9.pkl_0{n}.npy" for n in (2, 3)]
    escaping = main.replace(b"logreg-joblib-0.9.pkl_01.npy", b"../../etc/pkl_01.npy_pad____")
    (tmp_path / "e.pkl").write_bytes(escaping)
    assert "../../etc/pkl_01.npy_pad____" in read_model(tmp_path / "e.pkl").missing


def test_joblib_before_0_10_compressed_zf() -> None:
    info = read_model(OLD / "logreg-joblib-0.9-zf.pkl")
    assert (info.versions, info.compression) == ({"scikit-learn": "0.17.1"}, "zlib (joblib < 0.10)")
    assert {"sklearn", "numpy"} <= info.modules


def test_zf_written_by_joblib_0_8_has_one_space_more(tmp_path: Path) -> None:
    data = pickle.dumps({"_sklearn_version": "0.15.2"}, protocol=2)
    header = b"ZF" + hex(len(data)).encode().ljust(19) + b" "  # joblib <= 0.8.4 (read_zfile's comment)
    (tmp_path / "old.pkl").write_bytes(header + zlib.compress(data))
    assert read_model(tmp_path / "old.pkl").versions == {"scikit-learn": "0.15.2"}


def test_only_joblibs_own_array_wrappers_name_companions(tmp_path: Path) -> None:
    main = (OLD / "logreg-joblib-0.9.pkl").read_bytes()
    assert main.count(b"joblib.numpy_pickle") == 1  # the module, once, then the memo
    (tmp_path / "m.pkl").write_bytes(main.replace(b"joblib.numpy_pickle", b"joblab.numpy_pickle"))
    assert read_model(tmp_path / "m.pkl").companions == []


def test_init_names_a_model_it_could_not_read_and_missing_companions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "requirements.txt").write_text("scikit-learn==1.5.2\n")
    shutil.copy(MODELS / "logreg-lz4.joblib", tmp_path / "a.joblib")
    shutil.copy(OLD / "logreg-joblib-0.9.pkl", tmp_path / "b.pkl")
    monkeypatch.setitem(sys.modules, "lz4.frame", None)  # as where lz4 is not installed
    notes = detect(tmp_path).notes
    assert (
        "committed model a.joblib, not read: an lz4-compressed joblib file, and the lz4 package"
        in "\n".join(notes)
    )
    missing = ", ".join(f"logreg-joblib-0.9.pkl_0{n}.npy" for n in (1, 2, 3))
    assert f"committed model b.pkl keeps arrays in files that are not beside it: {missing}" in notes
