"""Which ``.skops`` files may be opened without ``trusted=True``: an explicit, reviewed list.

skops refuses, by default, every type it has not vetted. A few classes that ordinary fitted
models contain are not on skops' own list (e.g. ``sklearn.tree._tree.Tree``), so a file that
holds a random forest needs *something* more. That something is ``REVIEWED_SKOPS_TYPES``: single
classes, each read and judged here, never a function and never a whole module (module
prefixes are unsafe: NumPy alone has functions that run a string of Python).

A file loads without ``trusted=True`` only if

1. every type skops reports as untrusted (``skops.io.get_untrusted_types``, which reads the file
   without constructing anything) is on the list, and
2. every reviewed type appears only in the role genuine models give it (e.g. a ``Tree`` as a
   stored tree, never as a function that something calls), checked on the file's schema, and
3. after loading, nothing reachable from the model has tree arrays that point outside
   themselves or boosters without a native model: scikit-learn follows tree indices without
   bounds checks, so a crafted tree could crash the process or read foreign memory.

Anything else raises ``UntrustedFileError`` naming the types, before any object is built.
"""

from __future__ import annotations

import functools
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explainers.errors import ExplainerError, UntrustedFileError


@dataclass(frozen=True)
class ReviewedType:
    """A class allowed in a skops file, the loaders (roles) it may have, and why it is safe."""

    loaders: frozenset[str]
    reason: str
    # For a TypeNode (the class object itself as a value): the only attribute names it may sit
    # under; empty means it may not appear as a bare class at all.
    type_node_keys: frozenset[str] = frozenset()


def _reviewed(loaders: str, reason: str, type_node_keys: str = "") -> ReviewedType:
    return ReviewedType(frozenset(loaders.split()), reason, frozenset(type_node_keys.split()))


REVIEWED_SKOPS_TYPES: dict[str, ReviewedType] = {
    "sklearn.tree._tree.Tree": _reviewed(
        "TreeNode",
        "node storage of decision trees, forests and gradient boosting: numbers only; child "
        "and feature indices are bounds-checked after loading (check_loaded_model)"),
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor": _reviewed(
        "ObjectNode",
        "the trees of HistGradientBoosting: one structured array of nodes; bounds-checked after "
        "loading, and categorical splits (which index further bitset arrays) are refused"),
    "numpy.dtype": _reviewed(
        "DTypeNode",
        "a dtype, rebuilt from an empty array that numpy reads with allow_pickle=False"),
    "collections.OrderedDict": _reviewed(
        "DictNode TypeNode",
        "a dict; as a bare class only as a defaultdict's factory (LightGBM's best_score)",
        type_node_keys="default_factory"),
    "sklearn.utils._bunch.Bunch": _reviewed(
        "DictNode", "a dict with attribute access (named estimators of voting/stacking)"),
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer": _reviewed(
        "ObjectNode", "plain numbers and arrays of an MLP's optimiser; used only by fit"),
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer": _reviewed(
        "ObjectNode", "plain numbers and arrays of an MLP's optimiser; used only by fit"),
    "sklearn.calibration._CalibratedClassifier": _reviewed(
        "ObjectNode", "holds a fitted estimator and its calibrators; its methods call only them"),
    "sklearn.calibration._SigmoidCalibration": _reviewed(
        "ObjectNode", "two numbers of a sigmoid calibration"),
    "xgboost.sklearn.XGBClassifier": _reviewed(
        "ObjectNode", "XGBoost's scikit-learn wrapper: parameters and a Booster"),
    "xgboost.sklearn.XGBRegressor": _reviewed(
        "ObjectNode", "XGBoost's scikit-learn wrapper: parameters and a Booster"),
    "xgboost.core.Booster": _reviewed(
        "ObjectNode",
        "its state is XGBoost's own serialised model, parsed by the library (no Python objects); "
        "a booster without a native model is refused after loading"),
    "lightgbm.sklearn.LGBMClassifier": _reviewed(
        "ObjectNode", "LightGBM's scikit-learn wrapper: parameters and a Booster"),
    "lightgbm.sklearn.LGBMRegressor": _reviewed(
        "ObjectNode", "LightGBM's scikit-learn wrapper: parameters and a Booster"),
    "lightgbm.basic.Booster": _reviewed(
        "ObjectNode",
        "its state is LightGBM's model text, parsed by the library (no Python objects); a "
        "booster without a native model is refused after loading"),
}


# ----------------------------------------------------------------------------- before loading
def untrusted_types(path: Path) -> tuple[str, ...]:
    """The types skops does not trust by default (``skops.io.get_untrusted_types``).

    Reads the file only; nothing in it is imported or constructed. Raises ``ExplainerError``
    for a file that is not a readable skops archive."""
    import skops.io as sio

    try:
        return tuple(sio.get_untrusted_types(file=path))
    except Exception as exc:  # noqa: BLE001 - corrupt zip, bad JSON, unknown protocol, ...
        raise ExplainerError(f"{path.name!r} is not a readable skops model file.") from exc


def refused_types(path: Path, untrusted: tuple[str, ...]) -> tuple[str, ...]:
    """The types that keep ``path`` from loading untrusted (empty: it may load): those not on
    the reviewed list, and reviewed ones in a role genuine models never give them."""
    try:
        schema = _schema(path)
    except Exception as exc:  # noqa: BLE001 - not a zip, no schema, bad JSON
        raise ExplainerError(f"{path.name!r} is not a readable skops model file.") from exc
    refused = [name for name in untrusted if name not in REVIEWED_SKOPS_TYPES]
    refused += [name for name in _misused_reviewed_types(schema) if name not in refused]
    return tuple(refused)


def _schema(path: Path) -> Any:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("schema.json"))


def _misused_reviewed_types(schema: Any) -> list[str]:
    """Reviewed types that the schema uses in a role genuine models never give them."""
    misused: list[str] = []
    for node, key in _schema_nodes(schema):
        name = f"{node.get('__module__')}.{node.get('__class__')}"
        reviewed = REVIEWED_SKOPS_TYPES.get(name)
        if reviewed is None:
            continue
        loader = node.get("__loader__")
        allowed = loader in reviewed.loaders and (
            loader != "TypeNode" or key in reviewed.type_node_keys)
        if not allowed and name not in misused:
            misused.append(name)
    return misused


def _schema_nodes(value: Any, key: str | None = None) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Every node of a skops schema (dicts with a loader), with the key it is stored under."""
    stack: list[tuple[Any, str | None]] = [(value, key)]
    while stack:
        item, under = stack.pop()
        if isinstance(item, dict):
            if "__loader__" in item:
                yield item, under
            stack.extend((child, str(name)) for name, child in item.items())
        elif isinstance(item, list):
            stack.extend((child, under) for child in item)


def untrusted_message(path: Path, refused: tuple[str, ...]) -> UntrustedFileError:
    return UntrustedFileError(path, (
        f"{path.name!r} contains types that are not on AskModel's reviewed list of model "
        f"classes and could run code when loaded ({', '.join(refused)}). Load it with "
        "trusted=True only if you trust its source."), types=refused)


# ----------------------------------------------------------------------------- after loading
MAX_OBJECTS = 2_000_000  # a walk longer than this is itself a sign of a hostile file


def check_loaded_model(model: Any, path: Path) -> None:
    """Refuse a loaded model whose trees point outside their arrays or whose boosters are empty.

    Walks every object reachable from ``model`` (attributes, containers, object arrays). A tree's
    feature indices must stay below the smallest ``n_features_in_`` of the estimators that hold
    it, because those estimators check only that width before handing rows to the tree."""
    from sklearn.tree._tree import Tree

    checked: dict[int, float] = {}  # id -> the feature bound it was checked against
    stack: list[tuple[Any, float]] = [(model, np.inf)]
    keep_alive: list[Any] = []  # ids stay unique while the objects live
    while stack:
        obj, bound = stack.pop()
        previous = checked.get(id(obj))
        if previous is not None and previous <= bound:
            continue
        checked[id(obj)] = bound
        keep_alive.append(obj)
        if len(checked) > MAX_OBJECTS:
            raise _damaged(path, "it holds an implausible number of objects")
        if isinstance(obj, Tree):
            _check_tree(obj, bound, path)
            continue
        qualified = f"{type(obj).__module__}.{type(obj).__qualname__}"
        if qualified == "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor":
            _check_predictor(obj, bound, path)
            continue
        if qualified in ("xgboost.core.Booster", "lightgbm.basic.Booster"):
            _check_booster(obj, qualified, path)
            continue
        attributes = getattr(obj, "__dict__", None)
        if isinstance(attributes, dict):
            width = attributes.get("n_features_in_")
            if isinstance(width, (int, np.integer)) and not isinstance(width, bool):
                bound = min(bound, float(width))
        stack.extend((child, bound) for child in _children(obj))


def _children(obj: Any) -> Iterator[Any]:
    """What ``obj`` holds: items, keys and values, attributes, the parts of a partial."""
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            yield from (item for item in obj.ravel().tolist() if not _is_plain(item))
        return
    if isinstance(obj, dict):
        items: Any = [*obj.keys(), *obj.values()]
    elif isinstance(obj, (list, tuple, set, frozenset)):
        items = obj
    else:
        items = []
    attributes = getattr(obj, "__dict__", None)
    if isinstance(attributes, dict):
        items = [*items, *attributes.values()]
    if isinstance(obj, functools.partial):
        items = [*items, obj.func, *obj.args, *obj.keywords.values()]
    yield from (item for item in items if not _is_plain(item))


def _is_plain(value: Any) -> bool:
    return isinstance(value, (str, bytes, bytearray, int, float, complex, type(None)))


def _damaged(path: Path, why: str) -> UntrustedFileError:
    return UntrustedFileError(path, (
        f"{path.name!r} looks damaged or crafted: {why}. Using it could crash the program, so "
        "it was not loaded. Save the model again, or load it with trusted=True only if you "
        "trust its source."))


def _check_children(left: np.ndarray, right: np.ndarray, is_leaf: np.ndarray, feature: np.ndarray,
                    width: float) -> bool:
    """Children come after their parent and exist; split features exist (leaves: anything)."""
    n = len(left)
    index = np.arange(n)
    inner = ~is_leaf
    return bool(np.all(
        (left[inner] > index[inner]) & (left[inner] < n)
        & (right[inner] > index[inner]) & (right[inner] < n)
        & (feature[inner] >= 0) & (feature[inner] < width)))


def _check_tree(tree: Any, bound: float, path: Path) -> None:
    state = tree.__getstate__()
    nodes = state.get("nodes")
    count = int(tree.node_count)
    if not isinstance(nodes, np.ndarray) or not 1 <= count <= len(nodes):
        raise _damaged(path, "a decision tree has a wrong number of nodes")
    nodes = nodes[:count]
    left = nodes["left_child"].astype(np.int64)
    right = nodes["right_child"].astype(np.int64)
    is_leaf = left == -1
    width = min(float(tree.n_features), bound)
    if np.any(is_leaf & (right != -1)) or not _check_children(
            left, right, is_leaf, nodes["feature"].astype(np.int64), width):
        raise _damaged(path, "a decision tree points to nodes or features that do not exist")


def _check_predictor(predictor: Any, bound: float, path: Path) -> None:
    from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE

    nodes = getattr(predictor, "nodes", None)
    if (not isinstance(nodes, np.ndarray) or nodes.ndim != 1 or len(nodes) == 0
            or nodes.dtype != PREDICTOR_RECORD_DTYPE or not np.isfinite(bound)):
        raise _damaged(path, "a gradient-boosting tree has no valid node table")
    if np.any(nodes["is_categorical"] != 0):
        raise UntrustedFileError(path, (
            f"{path.name!r} has gradient-boosting trees with categorical splits, which AskModel "
            "cannot check for safety. Load it with trusted=True only if you trust its source."),
            types=("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",))
    if not _check_children(nodes["left"].astype(np.int64), nodes["right"].astype(np.int64),
                           nodes["is_leaf"] != 0, nodes["feature_idx"].astype(np.int64), bound):
        raise _damaged(path, "a gradient-boosting tree points to nodes or features that do not "
                       "exist")


def _check_booster(booster: Any, qualified: str, path: Path) -> None:
    import ctypes

    attribute = "handle" if qualified.startswith("xgboost") else "_handle"
    handle = getattr(booster, "__dict__", {}).get(attribute)
    if not isinstance(handle, ctypes.c_void_p) or not handle.value:
        raise _damaged(path, "a boosted model has no native model inside")
