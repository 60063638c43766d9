"""Hostile ``.skops`` files for the safe-loading tests: each one tries to create a marker file.

A skops file is a zip with a ``schema.json`` that names, for every stored object, a module, a
name and a loader. These builders write such schemas by hand, the way an attacker would, so the
tests can check that no entry point (Python API, CLI, app upload) ever runs them. The payload
functions and classes live here so that a file can name them (``tests.hostile_skops.…``); they
only ever touch the marker path they are given.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import skops.io as sio


# ----------------------------------------------------------------------------- payloads
def leave_marker(path: str, *_args: Any) -> str:
    """The 'user function' a hostile file calls: proof that code ran."""
    Path(path).write_text("code ran")
    return path


class LeavesMarkerWhenLoaded:
    """An 'unknown class' whose ``__setstate__`` runs when skops constructs it."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __setstate__(self, state: dict[str, Any]) -> None:
        leave_marker(state["marker"])
        self.__dict__.update(state)


# ----------------------------------------------------------------------------- schema nodes
def _json(value: Any) -> dict[str, Any]:
    return {"__class__": type(value).__name__, "__module__": "builtins",
            "__loader__": "JsonNode", "content": json.dumps(value), "is_json": True}


def _tuple(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode",
            "content": items}


def _empty_dict() -> dict[str, Any]:
    return {"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode",
            "content": {}, "key_types": {"__class__": "list", "__module__": "builtins",
                                         "__loader__": "ListNode", "content": []}}


def _call(module: str, name: str, args: list[dict[str, Any]]) -> dict[str, Any]:
    """A node that skops loads by calling ``module.name(*args)``."""
    return {"__class__": name, "__module__": module, "__loader__": "ConstructorFromReduceNode",
            "content": _tuple(args)}


def _function(module: str, name: str) -> dict[str, Any]:
    return {"__class__": name, "__module__": module, "__loader__": "FunctionNode"}


def _write(path: Path, schema: dict[str, Any]) -> Path:
    schema = {**schema, "protocol": sio._protocol.PROTOCOL, "_skops_version": "0.16.0"}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("schema.json", json.dumps(schema))
    return path


def _python(marker: Path) -> str:
    return f"import pathlib; pathlib.Path({str(marker)!r}).write_text('code ran')"


# ----------------------------------------------------------------------------- hostile files
def numpy_exec_file(path: Path, marker: Path) -> Path:
    """Only NumPy: ``numpy.testing._private.utils.runstring(code, {})`` runs a string."""
    return _write(path, _call("numpy.testing._private.utils", "runstring",
                              [_json(_python(marker)), _empty_dict()]))


def numpy_chain_file(path: Path, marker: Path) -> Path:
    """A chain of NumPy callables: the code string is itself built by ``numpy.str_``."""
    code = _call("numpy", "str_", [_json(_python(marker))])
    return _write(path, _call("numpy.testing._private.utils", "runstring",
                              [code, _empty_dict()]))


def hidden_in_a_real_model_file(path: Path, marker: Path, model: Any) -> Path:
    """A genuine fitted model whose ``_askmodel_note`` attribute is the NumPy payload."""
    sio.dump(model, path)
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(files["schema.json"])
    attributes = schema["content"]  # the estimator's attribute dict: keys, then their types
    attributes["content"]["_askmodel_note"] = _call(
        "numpy.testing._private.utils", "runstring", [_json(_python(marker)), _empty_dict()])
    attributes["key_types"]["content"].append(
        {"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"})
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, json.dumps(schema) if name == "schema.json" else data)
    return path


def user_function_file(path: Path, marker: Path) -> Path:
    """Calls a function of the user's own code while loading."""
    return _write(path, _call(__name__, "leave_marker", [_json(str(marker))]))


def user_function_in_a_transformer_file(path: Path, marker: Path, model: Any) -> Path:
    """A real pipeline whose first step calls the user's function on every prediction."""
    from functools import partial

    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    step = FunctionTransformer(partial(leave_marker, str(marker)))
    sio.dump(Pipeline([("hostile", step), ("model", model)]), path)
    return path


def unknown_class_file(path: Path, marker: Path) -> Path:
    """An object of a class nobody reviewed; constructing it runs its ``__setstate__``."""
    sio.dump(LeavesMarkerWhenLoaded(str(marker)), path)
    return path


def reviewed_class_called_file(path: Path) -> Path:
    """A reviewed class name in a role it never has in a genuine model: called as a function.

    (``collections.OrderedDict`` is allowed only as a stored dict or a defaultdict's factory.)"""
    return _write(path, _call("collections", "OrderedDict", []))


def tampered_tree_file(path: Path, model: Any) -> Path:
    """A real decision tree whose root points at a child node that does not exist.

    scikit-learn follows such indices without bounds checks, so predicting with it could crash
    the process or read memory it does not own."""
    import copy

    tampered = copy.deepcopy(model)
    tree = tampered.tree_
    state = tree.__getstate__()
    nodes = state["nodes"].copy()
    nodes["left_child"][0] = 10**6
    state["nodes"] = nodes
    tree.__setstate__(state)
    sio.dump(tampered, path)
    return path


def hostile_files(folder: Path, marker: Path, model: Any) -> dict[str, Path]:
    """One of each kind, by name (``model`` is a fitted classifier on the test's data)."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "numpy function": numpy_exec_file(folder / "numpy.skops", marker),
        "chain of numpy callables": numpy_chain_file(folder / "chain.skops", marker),
        "payload inside a real model": hidden_in_a_real_model_file(
            folder / "hidden.skops", marker, model),
        "user function": user_function_file(folder / "user.skops", marker),
        "user function in a transformer": user_function_in_a_transformer_file(
            folder / "transformer.skops", marker, model),
        "unknown class": unknown_class_file(folder / "unknown.skops", marker),
    }
