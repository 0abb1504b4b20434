"""What a pickled model records, read without unpickling: the library versions and the modules it needs.

`pickletools.genops` walks the opcodes; a small stack machine keeps only plain values (strings, numbers,
tuples, dicts) and stands in a `Ref` for every global, so nothing of the file is imported or executed.
joblib files are pickles with numpy array bytes written between the opcodes, maybe compressed; the stack
machine knows each array's shape and dtype from its `NumpyArrayWrapper` state, so it skips the bytes.
Files from joblib before 0.10 keep their arrays in companion files the pickle names; those must be beside it.
"""

from __future__ import annotations

import pickletools
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from generator.detect.pickle_containers import PickleReadError as PickleReadError
from generator.detect.pickle_containers import open_container

MODEL_SUFFIXES = (".pkl", ".pickle", ".joblib", ".sav", ".pck")
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".lzma", ".z", ".zlib")
# `_sklearn_version` is what scikit-learn writes into every estimator's state; others follow the pattern.
_VERSION_KEY = re.compile(r"^_([a-z][a-z0-9]*)_version$")
_DISTRIBUTIONS = {"sklearn": "scikit-learn", "skimage": "scikit-image", "cv2": "opencv-python"}


@dataclass(frozen=True)
class Ref:
    """A global the pickle names (`module.name`), never imported."""

    module: str
    name: str


@dataclass
class Call:
    """A REDUCE/NEWOBJ result: which global was called with which arguments, and its BUILD state."""

    func: Any
    args: Any
    state: Any = None


@dataclass
class PickleInfo:
    """What one pickle records: distribution -> version, and the top-level modules it imports on load."""

    versions: dict[str, str] = field(default_factory=dict)
    modules: set[str] = field(default_factory=set)
    compression: str | None = None
    # joblib < 0.10 wrote each array to a file next to the pickle; the model does not load without them.
    companions: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def distribution(module: str) -> str:
    """The PyPI name that provides a top-level import name (sklearn -> scikit-learn)."""
    return _DISTRIBUTIONS.get(module, module)


def read_model(path: Path) -> PickleInfo:
    """Read a pickle or joblib file (compressed, or joblib's format before 0.10, too) and check that the
    companion files an old joblib file names are next to it. Raises PickleReadError."""
    with path.open("rb") as raw:
        head = raw.read(6)
        raw.seek(0)
        kind, stream = open_container(head, raw)
        info = PickleInfo(compression=kind)
        try:
            _Machine(stream, info).run()
        except (ValueError, EOFError, IndexError, KeyError, TypeError, OSError, zlib.error) as error:
            raise PickleReadError(f"not a pickle ci-gen can read ({error})") from error
    info.missing = [name for name in info.companions if not _beside(path, name)]
    return info


def _beside(path: Path, name: str) -> bool:
    """A companion is a plain file name in the pickle's own folder, never a path that leads elsewhere."""
    plain = name not in ("", ".", "..") and "/" not in name and "\\" not in name
    return plain and (path.parent / name).is_file() and not (path.parent / name).is_symlink()


class _Machine:
    """Just enough of the unpickler's stack machine to read names, strings and joblib array headers."""

    def __init__(self, stream: IO[bytes], info: PickleInfo) -> None:
        self.stream = stream
        self.info = info
        self.stack: list[Any] = []
        self.marks: list[int] = []
        self.memo: dict[int, Any] = {}
        self.pending_key: str | None = None  # a `_x_version` key waiting for its value

    def run(self) -> None:
        for opcode, arg, _ in pickletools.genops(self.stream):
            self.step(opcode.name, arg)

    def step(self, name: str, arg: Any) -> None:
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(self, arg)
        elif name in _PUSH_ARG:
            self.push(arg)
        elif name in _PUSH_NEW:
            self.push(_PUSH_NEW[name]())
        elif name not in _IGNORED:
            raise PickleReadError(f"unexpected opcode {name}")

    def push(self, value: Any) -> None:
        if isinstance(value, str):
            if self.pending_key is not None:
                self.info.versions.setdefault(self.pending_key, value)
            match = _VERSION_KEY.match(value)
            self.pending_key = distribution(match.group(1)) if match else None
        else:
            self.pending_key = None
        self.stack.append(value)

    def pop_mark(self) -> list[Any]:
        start = self.marks.pop()
        items = self.stack[start:]
        del self.stack[start:]
        return items

    def global_ref(self, module: str, name: str) -> None:
        self.info.modules.add(module.split(".", 1)[0])
        self.push(Ref(module, name))

    def build(self) -> None:
        state = self.stack.pop()
        target = self.stack[-1]
        if isinstance(target, Call):
            target.state = state
            if isinstance(target.func, Ref) and target.func.name == "NumpyArrayWrapper":
                _skip_array(self, state)
            elif isinstance(target.func, Ref) and _is_old_wrapper(target.func):
                name = state.get("filename") if isinstance(state, dict) else None
                self.info.companions.append(name if isinstance(name, str) else "(a file it does not name)")


def _op_global(m: _Machine, arg: str) -> None:
    module, _, name = arg.partition(" ")
    m.global_ref(module, name)


def _op_stack_global(m: _Machine, _: Any) -> None:
    name, module = m.stack.pop(), m.stack.pop()
    m.global_ref(str(module), str(name))


def _op_reduce(m: _Machine, _: Any) -> None:
    args = m.stack.pop()
    m.push(Call(m.stack.pop(), args))


def _op_newobj_ex(m: _Machine, _: Any) -> None:
    m.stack.pop()  # keyword arguments
    _op_reduce(m, None)


def _op_obj(m: _Machine, _: Any) -> None:
    items = m.pop_mark()
    m.push(Call(items[0], tuple(items[1:])))


def _op_inst(m: _Machine, arg: str) -> None:
    module, _, name = arg.partition(" ")
    m.info.modules.add(module.split(".", 1)[0])
    m.push(Call(Ref(module, name), tuple(m.pop_mark())))


def _op_tuple_n(count: int) -> Any:
    def handler(m: _Machine, _: Any) -> None:
        items = m.stack[len(m.stack) - count :] if count else []
        del m.stack[len(m.stack) - count :]
        m.push(tuple(items))

    return handler


def _op_setitems(m: _Machine, _: Any) -> None:
    items = m.pop_mark()
    target = m.stack[-1]
    if isinstance(target, dict):
        for key, value in zip(items[::2], items[1::2], strict=False):
            target[_hashable(key)] = value


def _op_setitem(m: _Machine, _: Any) -> None:
    value, key = m.stack.pop(), m.stack.pop()
    if isinstance(m.stack[-1], dict):
        m.stack[-1][_hashable(key)] = value


def _op_appends(m: _Machine, _: Any) -> None:
    items = m.pop_mark()
    if isinstance(m.stack[-1], list):
        m.stack[-1].extend(items)


def _op_append(m: _Machine, _: Any) -> None:
    value = m.stack.pop()
    if isinstance(m.stack[-1], list):
        m.stack[-1].append(value)


def _op_memoize(m: _Machine, _: Any) -> None:
    m.memo[len(m.memo)] = m.stack[-1]


def _op_put(m: _Machine, arg: int) -> None:
    m.memo[arg] = m.stack[-1]


def _op_get(m: _Machine, arg: int) -> None:
    m.push(m.memo[arg])


def _op_mark(m: _Machine, _: Any) -> None:
    m.marks.append(len(m.stack))
    m.pending_key = None


def _op_build(m: _Machine, _: Any) -> None:
    m.build()


def _op_pop(m: _Machine, _: Any) -> None:
    m.stack.pop()


def _op_pop_mark(m: _Machine, _: Any) -> None:
    m.pop_mark()


def _op_dup(m: _Machine, _: Any) -> None:
    m.push(m.stack[-1])


def _op_collect(kind: type) -> Any:
    def handler(m: _Machine, _: Any) -> None:
        items = m.pop_mark()
        if kind is dict:
            m.push({_hashable(k): v for k, v in zip(items[::2], items[1::2], strict=False)})
        else:
            m.push(kind(items) if kind is not frozenset else frozenset(map(_hashable, items)))

    return handler


def _op_persid(m: _Machine, _: Any) -> None:
    m.stack.pop()
    m.push(None)


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return id(value)
    return value


_HANDLERS = {
    "GLOBAL": _op_global,
    "STACK_GLOBAL": _op_stack_global,
    "REDUCE": _op_reduce,
    "NEWOBJ": _op_reduce,
    "NEWOBJ_EX": _op_newobj_ex,
    "OBJ": _op_obj,
    "INST": _op_inst,
    "BUILD": _op_build,
    "MARK": _op_mark,
    "TUPLE": _op_collect(tuple),
    "LIST": _op_collect(list),
    "DICT": _op_collect(dict),
    "FROZENSET": _op_collect(frozenset),
    "EMPTY_TUPLE": _op_tuple_n(0),
    "TUPLE1": _op_tuple_n(1),
    "TUPLE2": _op_tuple_n(2),
    "TUPLE3": _op_tuple_n(3),
    "SETITEM": _op_setitem,
    "SETITEMS": _op_setitems,
    "ADDITEMS": _op_pop_mark,
    "APPEND": _op_append,
    "APPENDS": _op_appends,
    "MEMOIZE": _op_memoize,
    "PUT": _op_put,
    "BINPUT": _op_put,
    "LONG_BINPUT": _op_put,
    "GET": _op_get,
    "BINGET": _op_get,
    "LONG_BINGET": _op_get,
    "POP": _op_pop,
    "POP_MARK": _op_pop_mark,
    "DUP": _op_dup,
    "BINPERSID": _op_persid,
}
_PUSH_ARG = frozenset(
    [
        "INT",
        "BININT",
        "BININT1",
        "BININT2",
        "LONG",
        "LONG1",
        "LONG4",
        "FLOAT",
        "BINFLOAT",
        "STRING",
        "BINSTRING",
        "SHORT_BINSTRING",
        "UNICODE",
        "BINUNICODE",
        "SHORT_BINUNICODE",
        "BINUNICODE8",
        "BINBYTES",
        "SHORT_BINBYTES",
        "BINBYTES8",
        "BYTEARRAY8",
        "PERSID",
        "EXT1",
        "EXT2",
        "EXT4",
    ]
)
_PUSH_NEW: dict[str, Callable[[], Any]] = {
    "NONE": lambda: None,
    "NEWTRUE": lambda: True,
    "NEWFALSE": lambda: False,
    "EMPTY_LIST": list,
    "EMPTY_DICT": dict,
    "EMPTY_SET": set,
    "NEXT_BUFFER": lambda: None,
}
_IGNORED = frozenset({"PROTO", "FRAME", "STOP", "READONLY_BUFFER"})
# joblib < 0.10 pickled these in place of each array, naming the file that holds its data.
_OLD_WRAPPERS = frozenset({"NDArrayWrapper", "ZNDArrayWrapper"})


def _is_old_wrapper(ref: Ref) -> bool:
    """joblib's own (also as vendored in sklearn.externals.joblib), not any class of that name."""
    return ref.name in _OLD_WRAPPERS and "joblib" in ref.module.split(".")


def _skip_array(m: _Machine, state: Any) -> None:
    """joblib wrote the array's bytes (or a nested pickle, for object arrays) right after this BUILD."""
    if not isinstance(state, dict):
        raise PickleReadError("a joblib array wrapper without its state")
    itemsize = _itemsize(state.get("dtype"))
    if itemsize is None:
        _Machine(m.stream, m.info).run()  # object arrays are pickled in place, with their own STOP
        return
    alignment = state.get("numpy_array_alignment_bytes")
    if isinstance(alignment, int) and state.get("allow_mmap", True):
        padding = m.stream.read(1)
        m.stream.read(padding[0] if padding else 0)
    count = 1
    for size in state.get("shape", ()):
        count *= int(size)
    _read_exactly(m.stream, count * itemsize)


def _itemsize(dtype: Any) -> int | None:
    """numpy pickles a dtype as dtype('f8', False, True) with state (3, '<', ..., elsize, ...)."""
    if not isinstance(dtype, Call) or not isinstance(dtype.args, tuple) or not dtype.args:
        raise PickleReadError("a joblib array without a readable dtype")
    code = str(dtype.args[0])
    if code.startswith("O"):
        return None
    state = dtype.state if isinstance(dtype.state, tuple) else ()
    if len(state) > 5 and isinstance(state[5], int) and state[5] > 0:
        return state[5]
    digits = re.search(r"(\d+)$", code)
    if digits is None:
        return 1 if code in ("b1", "?") else None
    return int(digits.group(1))


def _read_exactly(stream: IO[bytes], size: int) -> None:
    while size > 0:
        chunk = stream.read(min(size, 1 << 20))
        if not chunk:
            raise PickleReadError("the file ends inside an array")
        size -= len(chunk)
