"""The built-in demo: scikit-learn's breast-cancer data (it ships inside scikit-learn, so no
download) with a gradient-boosted model trained on first start and cached on disk.

The target is ``diagnosis`` with labels ``malignant`` / ``benign`` so answers read naturally, and
every feature has a lay description.
"""

from __future__ import annotations

import functools
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pandas as pd

from dialogue.default_model import train_default_model
from dialogue.feature_file import load_feature_notes
from dialogue.holdout import default_training_rows
from dialogue.settings import dask_scheduler_setting
from dialogue.workspace import Workspace

# What each of the ten measurements of the cell nuclei means, in plain words.
BASE_MEANINGS = {
    "radius": "distance from the centre to the edge of the cell nuclei",
    "texture": "how uneven the grey shading inside the nuclei is (spread of grey levels)",
    "perimeter": "length of the outline of the cell nuclei",
    "area": "size (surface) of the cell nuclei",
    "smoothness": "how much the outline wobbles locally; higher means a bumpier edge",
    "compactness": "how far the shape is from a smooth circle (perimeter² / area − 1)",
    "concavity": "how deep the inward dents in the outline are",
    "concave points": "how many inward dents the outline has",
    "symmetry": "how lopsided the nuclei are; higher means less symmetrical",
    "fractal dimension": "how ragged and complicated the outline is",
}


DEMO_NOTE = (
    "It was trained here on a random 50% of the rows; the other 50% were held back, so it has "
    "not seen them. The data is the Wisconsin breast-cancer dataset that ships with "
    "scikit-learn: measurements of cell nuclei in a biopsy scan."
)
FEATURE_NAMES = tuple(
    f"{prefix}{base}{suffix}"
    for prefix, suffix in (("mean ", ""), ("", " error"), ("worst ", ""))
    for base in BASE_MEANINGS
)


def describe(feature: str) -> str:
    """Lay description of one breast-cancer feature name (``mean radius``, ``radius error``...)."""
    if feature.startswith("mean "):
        base = feature[5:]
        return f"average {BASE_MEANINGS[base]}, across the nuclei in the scan"
    if feature.startswith("worst "):
        base = feature[6:]
        return (f"{BASE_MEANINGS[base]}, averaged over the three most extreme nuclei in the "
                "scan")
    if feature.endswith(" error"):
        base = feature[: -len(" error")]
        return (f"how much the {BASE_MEANINGS[base].split(',')[0]} varies from nucleus to "
                "nucleus (standard error)")
    return feature


def demo_frame() -> pd.DataFrame:
    """569 scans, index ``patient_id`` 1..569, target ``diagnosis`` (malignant / benign).

    Reads the CSV that ships inside scikit-learn directly (importing ``sklearn.datasets`` takes
    seconds); falls back to ``load_breast_cancer`` if the file's layout is not the expected one.
    """
    frame = _read_packaged_csv()
    if frame is None:
        from sklearn.datasets import load_breast_cancer

        bunch = load_breast_cancer(as_frame=True)
        frame = bunch.data.copy()
        names = [str(n) for n in bunch.target_names]  # ["malignant", "benign"]
        frame["diagnosis"] = [names[int(v)] for v in bunch.target]
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="patient_id")
    return frame


def _read_packaged_csv() -> pd.DataFrame | None:
    try:
        spec = find_spec("sklearn")  # locating the package does not import it
        if spec is None or not spec.submodule_search_locations:
            return None
        root = Path(next(iter(spec.submodule_search_locations)))
        with (root / "datasets" / "data" / "breast_cancer.csv").open("r") as handle:
            header = handle.readline().strip().split(",")
            n_rows, n_features = int(header[0]), int(header[1])
            names = header[2:]
            table = pd.read_csv(handle, header=None)
    except (OSError, ValueError, ModuleNotFoundError, IndexError):
        return None
    if (n_features != len(FEATURE_NAMES) or table.shape != (n_rows, n_features + 1)
            or names != ["malignant", "benign"]):
        return None
    frame = table.iloc[:, :n_features].astype(float)
    frame.columns = list(FEATURE_NAMES)
    frame["diagnosis"] = [names[int(v)] for v in table.iloc[:, n_features]]
    return frame


# The demo's feature description file: plain-words descriptions, the measurement errors as
# features nobody can change, every other measurement bounded by the range in the data.
DEMO_FEATURE_FILE = Path(__file__).with_name("data") / "demo_features.yaml"


def demo_descriptions(frame: pd.DataFrame) -> dict[str, str]:
    notes = load_feature_notes(DEMO_FEATURE_FILE)
    assert notes is not None
    found = notes.descriptions()
    return {c: found.get(c) or describe(c) for c in frame.columns if c != "diagnosis"}


def build_demo_workspace(cache: Any = None, dask_scheduler: Any = None) -> Workspace:
    """The demo ``Workspace``: model trained on half the scans (cached), descriptions attached."""
    frame = demo_frame()

    def load() -> Any:
        # Loaded on the first answer, not at start-up: skops and the model stack are slow to
        # import and the parse path does not need them.
        X = frame.drop(columns=["diagnosis"])
        return train_default_model(X, frame["diagnosis"], train_fraction=0.5, seed=0,
                                   cache=cache)[0]

    return Workspace(
        frame, "diagnosis", model_loader=load,
        training_rows=default_training_rows(len(frame), train_fraction=0.5, seed=0),
        feature_notes=DEMO_FEATURE_FILE,
        row_noun="patient",
        model_note=DEMO_NOTE,
        dask_scheduler=dask_scheduler,
    )


def demo_workspace(dask_scheduler: Any = None) -> Workspace:
    """The built-in demo workspace, built once per process and scheduler (it is read-only);
    ``dask_scheduler`` as for ``Workspace``."""
    return _shared_demo_workspace(dask_scheduler_setting(dask_scheduler))


@functools.lru_cache(maxsize=4)
def _shared_demo_workspace(dask_scheduler: Any) -> Workspace:
    return build_demo_workspace(dask_scheduler=dask_scheduler)
