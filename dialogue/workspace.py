"""Everything shared, read-only, between conversations about one dataset and one model.

A ``Workspace`` owns the data, its schema, the model adapter, the (caching, thread-safe)
explanation engine, the natural-language parser and the model's predictions on the stored data.
Expensive pieces are built lazily under a lock so that ``import dialogue`` and parsing stay fast
and many conversations (threads) can share one workspace.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dialogue import holdout
from dialogue.feature_file import load_feature_notes
from dialogue.feature_policy import feature_constraints
from dialogue.loading import prepare_table, read_input_files
from dialogue.settings import (
    PREPARE_WAIT_SECONDS,
    connect_dask,
    dask_scheduler_setting,
    default_fallback,
)
from dialogue.values import id_text
from explainers.adapter import ModelAdapter
from explainers.engine import ExplanationEngine
from grammar.fallback import FallbackParser, build_parser
from grammar.nl_parser import NaturalLanguageParser
from grammar.schema import DatasetSchema

LOG = logging.getLogger(__name__)

def _noun_from_index(name: object) -> str:
    """``patient_id`` -> ``patient``; anything else -> ``row``."""
    if not name:
        return "row"
    words = [w for w in str(name).lower().replace("-", "_").split("_") if w]
    generic = {"id", "ids", "no", "number", "nr", "idx", "index", "key"}
    words = [w for w in words if w not in generic]
    if len(words) == 1 and words[0].isalpha() and len(words[0]) > 2:
        return words[0]
    return "row"


class Workspace:
    """Data + schema + model + engine + parser, shared by all conversations on them."""

    def __init__(
        self,
        frame: pd.DataFrame,
        target: str,
        model: Any = None,
        *,
        model_loader: Callable[[], Any] | None = None,
        index_col: str | int | None = None,
        class_names: Mapping[Any, str] | Sequence[str] | None = None,
        feature_descriptions: Mapping[str, str] | None = None,
        row_noun: str | None = None,
        model_note: str | None = None,
        immutable: Sequence[str] | None = None,
        no_decrease: Sequence[str] | None = None,
        assistant_name: str = "AskModel",
        fallback: str | None = None,
        training_rows: Sequence[bool] | np.ndarray | None = None,
        training_source: str = "it was trained here",
        split_column: str | None = None,
        notes: Sequence[str] = (),
        dask_scheduler: Any = None,
        feature_notes: Any = None,
    ) -> None:
        """``training_rows`` (one True/False per row of ``frame``) or ``split_column`` (a column
        saying train/test, dropped from the features) tell which rows the model was trained on,
        so that scores are measured on the others; without either nobody knows, and answers
        say so.

        ``dask_scheduler``: address of a Dask scheduler (``tcp://host:8786``) or a
        ``distributed.Client``; dataset-wide explanations (global importance, interactions,
        large groups) then run on that cluster. Default ``$ASKMODEL_DASK_SCHEDULER``, else this
        process. The scheduler is contacted now, so a wrong address fails at once
        (``ClusterUnavailable``)."""
        if not isinstance(frame, pd.DataFrame):
            raise TypeError("the data must be a pandas DataFrame")
        if target not in frame.columns:
            raise ValueError(
                f"the target column {target!r} is not in the data; columns are: "
                + ", ".join(map(str, frame.columns))
            )
        frame = frame.copy()
        trained: np.ndarray | None = None
        if split_column is not None:
            if training_rows is not None:
                raise ValueError("give either a split column or training_rows, not both")
            trained = holdout.trained_from_split_column(frame, split_column)
            frame = frame.drop(columns=[split_column])
            training_source = f"the split column {split_column!r}"
        elif training_rows is not None:
            trained = holdout.as_flags(training_rows, len(frame))
        if index_col is not None:
            column = frame.columns[index_col] if isinstance(index_col, int) else index_col
            if column not in frame.columns:
                raise ValueError(f"the id column {index_col!r} is not in the data")
            frame = frame.set_index(column)
        if not frame.index.is_unique:
            warnings.warn("row ids are not unique; using row numbers as ids instead", stacklevel=2)
            frame = frame.reset_index(drop=True)
        has_target = frame[target].notna().to_numpy()
        frame = frame[has_target]
        if len(frame) == 0:
            raise ValueError("the data has no rows with a target value")
        self.training: holdout.TrainingRows | None = (
            holdout.TrainingRows(trained[has_target], training_source)
            if trained is not None else None)
        self.frame: pd.DataFrame = frame
        self.target = str(target)
        if model is None and model_loader is None:
            raise ValueError("give a fitted model (or a model_loader that returns one)")
        self._model = model
        self._model_loader = model_loader
        # a feature description file (path, mapping or FeatureNotes): words, units, what may change
        self.feature_notes = load_feature_notes(feature_notes)
        if self.feature_notes is not None:
            self.feature_notes.check_features(c for c in frame.columns if c != self.target)
        self.feature_descriptions = {
            **dict(feature_descriptions or {}),
            **(self.feature_notes.descriptions() if self.feature_notes else {}),
        }
        self.schema: DatasetSchema = DatasetSchema.from_frame(
            frame, self.target, feature_descriptions=self.feature_descriptions
        )
        self.row_noun = row_noun or _noun_from_index(frame.index.name)
        self.model_note = model_note
        # what was adjusted in the data at load, one sentence each ("3 rows without ... left out")
        self.notes: tuple[str, ...] = tuple(notes)
        self.assistant_name = assistant_name
        self.X: pd.DataFrame = frame.drop(columns=[self.target])
        self.y: pd.Series = frame[self.target]
        self._id_positions = {self.id_text(v): i for i, v in enumerate(frame.index)}
        self._class_names = self._normalise_class_names(class_names)
        constraints = feature_constraints(list(self.X.columns), immutable=immutable,
                                          no_decrease=no_decrease, notes=self.feature_notes)
        self.immutable = constraints.immutable
        self.no_decrease = constraints.no_decrease
        self.no_increase = constraints.no_increase
        self.bounds = constraints.bounds
        self.units = constraints.units
        self._lock = threading.RLock()
        self._answers_lock = threading.Lock()
        self._answers = 0  # answers being computed now (see ``answering``)
        self._adapter: ModelAdapter | None = None
        self._engine: ExplanationEngine | None = None
        self._first_stage: NaturalLanguageParser | None = None
        self._parsers: dict[str, FallbackParser] = {}
        self.fallback = default_fallback(fallback)
        self.dask_client = connect_dask(dask_scheduler_setting(dask_scheduler))
        self._predictions: np.ndarray | None = None
        self._probabilities: np.ndarray | None = None

    # ------------------------------------------------------------------ constructors
    @classmethod
    def build(
        cls,
        frame: pd.DataFrame,
        target: str,
        model: Any = None,
        *,
        index_col: str | int | None = None,
        split_column: str | None = None,
        test_frame: pd.DataFrame | None = None,
        test_name: str = "the test file",
        **options: Any,
    ) -> Workspace:
        """A workspace for ``frame`` and a fitted ``model``, trained here when ``model`` is None;
        ``split_column`` or ``test_frame`` say which rows it was trained on (see
        ``dialogue.loading.prepare_table``)."""
        table = prepare_table(frame, target, model, index_col=index_col,
                              split_column=split_column, test_frame=test_frame,
                              test_name=test_name, data_name=options.pop("data_name", "the data"),
                              notes=tuple(options.pop("notes", ())))
        if table.model_note is not None:
            options["model_note"] = table.model_note
        return cls(table.frame, target, table.model, index_col=index_col,
                   training_rows=table.training_rows, training_source=table.training_source,
                   notes=table.notes, **options)

    @classmethod
    def from_files(
        cls,
        data_path: str | os.PathLike,
        target: str,
        model_path: str | os.PathLike | None = None,
        *,
        index_col: str | int | None = None,
        trusted: bool = False,
        class_names: Mapping[Any, str] | Sequence[str] | None = None,
        feature_descriptions: Mapping[str, str] | None = None,
        fallback: str | None = None,
        split_column: str | None = None,
        test_path: str | os.PathLike | None = None,
        dask_scheduler: Any = None,
        feature_notes: Any = None,
    ) -> Workspace:
        """Read a CSV (or Parquet) file and a model file; without a model, train a default one.

        ``split_column`` or ``test_path`` (a second file of held-out rows with the same columns)
        say which rows the model was not trained on; see ``build``. ``feature_notes``: a feature
        description file (``dialogue.feature_file``), read before the model is loaded."""
        feature_notes = load_feature_notes(feature_notes)
        files = read_input_files(data_path, target, model_path, test_path=test_path,
                                 trusted=trusted, dask_scheduler=dask_scheduler)
        workspace = cls.build(files.frame, target, files.model, index_col=index_col,
                              split_column=split_column, test_frame=files.test_frame,
                              test_name=f"the test file {Path(test_path).name}"
                              if test_path is not None else "the test file",
                              class_names=class_names, feature_descriptions=feature_descriptions,
                              fallback=fallback, data_name=Path(data_path).name,
                              notes=files.notes, dask_scheduler=dask_scheduler,
                              feature_notes=feature_notes)
        workspace.adapter  # noqa: B018 - validate the model against the data now
        if files.preparing is not None:  # ready before the first question, not competing with it
            files.preparing.join(timeout=PREPARE_WAIT_SECONDS)
        return workspace

    # ------------------------------------------------------------------ lazy heavy parts
    @property
    def model(self) -> Any:
        """The fitted model; loaded on first use when a ``model_loader`` was given."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._model_loader()  # type: ignore[misc]
        return self._model

    @property
    def adapter(self) -> ModelAdapter:
        if self._adapter is None:
            with self._lock:
                if self._adapter is None:
                    self._adapter = ModelAdapter.wrap(self.model, self.X.head(200))
                    # Keep the feature columns in the order the model wants them.
                    self.X = self.X[list(self._adapter.feature_names)]
        return self._adapter

    @property
    def engine(self) -> ExplanationEngine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = ExplanationEngine(self.adapter, self.X,
                                                     dask_client=self.dask_client)
        return self._engine

    @property
    def first_stage(self) -> NaturalLanguageParser:
        """The learned first-stage parser, shared by every fallback configuration."""
        if self._first_stage is None:
            with self._lock:
                if self._first_stage is None:
                    self._first_stage = NaturalLanguageParser(self.schema)
        return self._first_stage

    @property
    def parser(self) -> FallbackParser:
        """The parser for this workspace's fallback setting (see ``parser_for``)."""
        return self.parser_for(self.fallback)

    def parser_for(self, fallback: str | None) -> FallbackParser:
        """The first stage wrapped with the named language-model fallback (built once per name).

        ``"off"`` still asks a clarifying question when the first stage is unsure; a model
        backend is loaded only when a question first needs it. Raises ``BackendUnavailable``
        for a backend that cannot be configured (e.g. an endpoint without a URL).
        """
        name = default_fallback(fallback)
        parser = self._parsers.get(name)
        if parser is None:
            with self._lock:
                parser = self._parsers.get(name)
                if parser is None:
                    parser = build_parser(self.schema, name, first=self.first_stage)
                    self._parsers[name] = parser
        return parser

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Marks an answer in progress, so background warm-up steps let it go first."""
        with self._answers_lock:
            self._answers += 1
        try:
            yield
        finally:
            with self._answers_lock:
                self._answers -= 1

    def wait_for_answers(self, longest: float = 10.0) -> None:
        """Wait (at most ``longest`` seconds) until no answer is being computed: a warm-up
        step takes seconds of CPU on a big table, and a question asked meanwhile should not
        share the machine with it (measured: a first "why" from 0.5 s to several seconds)."""
        deadline = time.monotonic() + longest
        while time.monotonic() < deadline:
            with self._answers_lock:
                if self._answers == 0:
                    return
            time.sleep(0.05)

    @property
    def task(self) -> str:
        return self.schema.task

    @property
    def classes(self) -> tuple:
        """Class labels as the model returns them (empty for regression)."""
        return tuple(self.adapter.classes or ())

    def predictions(self) -> np.ndarray:
        """The model's predictions on the stored rows (computed once)."""
        if self._predictions is None:
            with self._lock:
                if self._predictions is None:
                    # through the engine: native thread pools capped while many sessions run
                    self._predictions = np.asarray(self.engine.predictions(self.X))
        return self._predictions

    def has_predictions(self) -> bool:
        """Whether the predictions on the stored rows are computed already."""
        return self._predictions is not None

    def probabilities(self) -> np.ndarray:
        """Class probabilities on the stored rows (computed once; classification only)."""
        if self._probabilities is None:
            with self._lock:
                if self._probabilities is None:
                    self._probabilities = np.asarray(self.engine.probabilities(self.X))
        return self._probabilities

    # ------------------------------------------------------------------ ids and labels
    id_text = staticmethod(id_text)  # how an id is written: 3, not 3.0 or " 3"

    def position_of(self, row_id: object) -> int | None:
        """Row position of an id written in a program (``None`` if there is no such row)."""
        return self._id_positions.get(self.id_text(row_id))

    def _normalise_class_names(
        self, class_names: Mapping[Any, str] | Sequence[str] | None
    ) -> dict[str, str]:
        if class_names is None:
            return {}
        labels = self.schema.raw_class_labels
        if isinstance(class_names, Mapping):
            return {self.id_text(k): str(v) for k, v in class_names.items()}
        names = list(class_names)
        if len(names) != len(labels):
            raise ValueError(
                f"{len(names)} class names given but the target has {len(labels)} classes"
            )
        return {self.id_text(k): str(v) for k, v in zip(labels, names, strict=True)}

    def class_name(self, label: object) -> str:
        """How a class reads in prose: the given name, else ``target label`` or yes/no."""
        key = self.id_text(label)
        if key in self._class_names:
            return self._class_names[key]
        words = self.schema.target_words[0] if self.schema.target_words else self.target
        if key in {"1", "True", "true", "yes"} and len(self.schema.class_labels) == 2:
            return words
        if key in {"0", "False", "false", "no"} and len(self.schema.class_labels) == 2:
            # "no heart disease", but "not approved" / "not churned" for a participle target
            negation = "not" if words.split()[-1].endswith("ed") else "no"
            return f"{negation} {words}"
        if isinstance(label, str) and not key.replace(".", "").isdigit():
            return key
        return f"{words} = {key}"

    def raw_class(self, written: str) -> object:
        """The stored class label for a label written in a program (or a class name)."""
        text = str(written).strip().lower()
        for raw, canonical in zip(
            self.schema.raw_class_labels, self.schema.class_labels, strict=True
        ):
            if canonical.lower() == text or self.class_name(raw).lower() == text:
                return raw
        raise KeyError(written)

    def noun(self, count: int = 2) -> str:
        """``patient`` / ``patients``."""
        if count == 1:
            return self.row_noun
        noun = self.row_noun
        if noun.endswith(("s", "x", "ch", "sh")):
            return noun + "es"
        if noun.endswith("y") and noun[-2:-1] not in "aeiou":
            return noun[:-1] + "ies"
        return noun + "s"


