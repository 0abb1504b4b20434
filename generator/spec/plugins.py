"""Answer pydantic's plugin lookup without importlib.metadata when no installed distribution has a plugin.

Building the first model makes pydantic import `pydantic.plugin._loader`, which imports importlib.metadata
(and email, zipfile and csv with it) to find distributions declaring the `pydantic` entry-point group:
about a tenth of a cold `ci-gen generate`. When no distribution on sys.path declares that group, pydantic's
answer is "no plugins"; this module reads the same `entry_points.txt` files importlib.metadata would and,
when none names the group, gives pydantic that answer through a stand-in loader. When one does, or the
search path holds anything this cheap scan cannot read (a zip, an egg, a metadata finder of another kind),
nothing is changed and pydantic looks for itself.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Iterable

LOADER = "pydantic.plugin._loader"
_METADATA = (".dist-info", ".egg-info")


def skip_empty_plugin_lookup() -> bool:
    """Install the stand-in loader when no plugin can be installed; True when it was installed."""
    if LOADER in sys.modules or not _only_path_finders() or _may_declare_plugins(sys.path):
        return False
    loader = types.ModuleType(LOADER, "pydantic's plugin loader when no distribution declares a plugin")
    loader.get_plugins = _no_plugins  # type: ignore[attr-defined]
    sys.modules[LOADER] = loader
    return True


def _no_plugins() -> tuple[()]:
    return ()


def _only_path_finders() -> bool:
    """importlib.metadata asks every finder on sys.meta_path; only the standard one reads sys.path."""
    from importlib.machinery import PathFinder

    return all(finder is PathFinder or not hasattr(finder, "find_distributions") for finder in sys.meta_path)


# os rather than pathlib: this runs on every cold start over every installed distribution, and Path
# objects for each would cost more than the import this saves.
def _may_declare_plugins(search_path: Iterable[str]) -> bool:
    for entry in search_path:
        folder = entry or "."
        try:
            names = os.listdir(folder)  # noqa: PTH208
        except NotADirectoryError:
            return True  # a zip or an egg file: its metadata is not read here
        except OSError:
            continue  # missing (like pythonXY.zip) or unreadable: importlib.metadata finds nothing there
        if "EGG-INFO" in names or any(_declares(f"{folder}/{n}") for n in _metadata(names)):
            return True
    return False


def _metadata(names: list[str]) -> list[str]:
    return [name for name in names if name.lower().endswith(_METADATA)]


def _declares(metadata: str) -> bool:
    """True when the distribution's entry points name a `pydantic` group (or cannot be read)."""
    try:
        with open(f"{metadata}/entry_points.txt", "rb") as stream:  # noqa: PTH123
            text = stream.read().decode("utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return False  # no entry points (or a PKG-INFO file of an old egg-info)
    except (OSError, UnicodeDecodeError):
        return True
    return any(line.strip().startswith("[") and "pydantic" in line for line in text.splitlines())
