"""Everything shared, read-only, between conversations about one dataset and one model.

A ``Workspace`` owns the data, its schema, the model adapter, the (caching, thread-safe)
explanation engine, the natural-language parser and the model's predictions on the stored data.
Expensive pieces are built lazily under a lock so that ``import dialogue`` and parsing stay fast
and many conversations (threads) can share one workspace.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from dialogue.conversation import Conversation
    from explainers import ExplanationEngine, ModelAdapter
    from grammar import DatasetSchema, NaturalLanguageParser
    from grammar.fallback import FallbackParser

LOG = logging.getLogger(__name__)

# Features a person cannot change (counterfactuals never touch them) and features that can only
# grow. General English column names, not tied to one dataset.
IMMUTABLE_NAMES = frozenset({"sex", "gender", "race", "ethnicity", "nationality", "birthplace",
                             "familyhistory", "nativecountry", "countryofbirth", "birthcountry"})
NO_DECREASE_NAMES = frozenset({"age", "priors", "priorscount", "numberofpriorcrimes", "pregnancies",
                               "yearsofeducation", "educationyears"})


def _merged(given: Sequence[str], more: Sequence[str], names: Mapping[str, str]) -> tuple[str, ...]:
    """``given`` plus the features of ``more`` (spelled as the data's columns), once each."""
    from grammar.schema import canonical_name

    out = list(given)
    for name in more:
        column = names.get(canonical_name(name), name)
        if column not in out:
            out.append(column)
    return tuple(out)


def cache_dir() -> Path:
    """Where trained default models are cached: ``$ASKMODEL_CACHE`` or ``~/.cache/askmodel``."""
    root = os.environ.get("ASKMODEL_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "askmodel"


FALLBACK_ENV = "ASKMODEL_FALLBACK"
DASK_ENV = "ASKMODEL_DASK_SCHEDULER"
BIG_TABLE_ROWS = 20_000  # from here on, dataset-wide work runs in worker processes
PREPARE_WAIT_SECONDS = 30.0  # longest a big table's opening waits for its worker processes


class ClusterUnavailable(RuntimeError):
    """The Dask scheduler that was asked for cannot be reached (the message says why)."""


def dask_scheduler_setting(dask_scheduler: Any = None) -> Any:
    """The Dask scheduler to use: the given address (or ``distributed.Client``), else
    ``$ASKMODEL_DASK_SCHEDULER``, else ``None`` (explain in this process)."""
    if dask_scheduler is not None and not isinstance(dask_scheduler, str):
        return dask_scheduler
    address = dask_scheduler if dask_scheduler is not None else os.environ.get(DASK_ENV, "")
    address = address.strip()
    return address or None


def connect_dask(dask_scheduler: Any, timeout: float = 10.0) -> Any:
    """A ``distributed.Client`` for an address (a client is returned as it is); raises
    ``ClusterUnavailable`` with a sentence a user can act on."""
    if dask_scheduler is None or not isinstance(dask_scheduler, str):
        return dask_scheduler
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - distributed is a dependency
        raise ClusterUnavailable("Dask's distributed package is not installed.") from exc
    try:
        return Client(dask_scheduler, timeout=timeout, set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, bad address, ...
        raise ClusterUnavailable(
            f"Could not reach the Dask scheduler at {dask_scheduler!r} ({type(exc).__name__}: "
            f"{exc}). Check the address (e.g. tcp://host:8786) and that the scheduler is "
            "running, or leave the option out to explain on this machine.") from exc


def default_fallback(fallback: str | None = None) -> str:
    """The fallback backend to use: the given name, else ``$ASKMODEL_FALLBACK``, else ``"off"``.

    ``"off"`` (no language model, clarifying options still on) is the default because loading a
    model costs seconds to minutes and startup must stay fast; nothing is ever downloaded.
    """
    name = fallback if fallback is not None else os.environ.get(FALLBACK_ENV, "")
    return name.strip() or "off"


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
        from dialogue import holdout
        from grammar.schema import DatasetSchema, canonical_name

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
        from dialogue.feature_file import load_feature_notes

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
        names = {canonical_name(c): c for c in self.X.columns}
        self.immutable = tuple(
            names.get(canonical_name(c), c)
            for c in (immutable if immutable is not None else
                      [c for c in self.X.columns if canonical_name(c) in IMMUTABLE_NAMES])
        )
        self.no_decrease = tuple(
            names.get(canonical_name(c), c)
            for c in (no_decrease if no_decrease is not None else
                      [c for c in self.X.columns if canonical_name(c) in NO_DECREASE_NAMES])
        )
        notes = self.feature_notes
        # the file adds to what the column names say; it never removes a constraint
        self.immutable = _merged(self.immutable, notes.immutable() if notes else (), names)
        self.no_decrease = _merged(self.no_decrease, notes.no_decrease() if notes else (), names)
        self.no_increase: tuple[str, ...] = _merged((), notes.no_increase() if notes else (),
                                                    names)
        self.bounds: dict[str, tuple[float, float]] = {
            names.get(canonical_name(k), k): v for k, v in (notes.bounds() if notes else {}).items()
        }
        self.units: dict[str, str] = {
            names.get(canonical_name(k), k): v for k, v in (notes.units() if notes else {}).items()
        }
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
        """A workspace for ``frame`` and a fitted ``model``, trained here when ``model`` is None.

        Which rows the model was trained on: a ``split_column`` (train/test per row), or a
        ``test_frame`` whose rows are held out (the rows of ``frame`` are then the training
        rows), or, for a model trained here, the rows it was trained on. A model trained here
        with a split column or a test file is trained on exactly the training rows."""
        from dialogue import holdout
        from dialogue.data_checks import check_table

        check_table(frame, target, index_col=index_col)  # duplicate names, no target: say so first
        trained: np.ndarray | None = None
        source = "it was trained here"
        if test_frame is not None:
            frame, trained = holdout.with_test_rows(frame, test_frame, index_col=index_col,
                                                    test_name=test_name)
            source = test_name
        elif split_column is not None:
            trained = holdout.trained_from_split_column(frame, split_column)
            frame = frame.drop(columns=[split_column])
            source = f"the split column {split_column!r}"
        needed = None
        if model is not None:
            known = getattr(model, "feature_names_in_", None)
            needed = [str(c) for c in known] if known is not None else list(map(str, frame.columns))
        checked = check_table(frame, target, index_col=index_col, training_here=model is None,
                              name=options.pop("data_name", "the data"), model_features=needed)
        frame = checked.frame
        if trained is not None and checked.kept is not None:
            trained = trained[checked.kept]
        options["notes"] = (*options.get("notes", ()), *checked.notes)
        for note in checked.notes:
            LOG.info("data adjusted at load: %s", note)
        has_target = frame[target].notna().to_numpy()
        if model is None:
            features = frame.drop(columns=[target])
            if index_col is not None:
                column = frame.columns[index_col] if isinstance(index_col, int) else index_col
                features = features.drop(columns=[column])
            if trained is not None:
                fit = trained & has_target
                model, _ = train_default_model(features[fit], frame[target][fit],
                                               train_fraction=1.0)
                options["model_note"] = (
                    f"It was trained here on the {int(fit.sum()):,} rows that {source} marks for "
                    f"training; the other {int((~trained & has_target).sum()):,} were held back, "
                    "so it has not seen them.")
            else:
                rows = np.flatnonzero(has_target)
                model, note = train_default_model(features.iloc[rows], frame[target].iloc[rows])
                trained = np.zeros(len(frame), dtype=bool)
                trained[rows[holdout.default_training_rows(len(rows))]] = True
                options["model_note"] = note
        return cls(frame, target, model, index_col=index_col, training_rows=trained,
                   training_source=source, **options)

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
        from dialogue.feature_file import load_feature_notes

        feature_notes = load_feature_notes(feature_notes)
        from dialogue.data_checks import read_table

        data = read_table(data_path)
        frame = data.frame
        if target not in frame.columns:
            raise ValueError(
                f"the target column {target!r} is not in {Path(data_path).name}; columns are: "
                + ", ".join(map(str, frame.columns))
            )
        test = read_table(test_path) if test_path is not None else None
        test_frame = test.frame if test is not None else None
        preparing = None
        if len(frame) >= BIG_TABLE_ROWS and dask_scheduler_setting(dask_scheduler) is None:
            from explainers.workers import prepare_in_background

            preparing = prepare_in_background()  # shap and the workers load with the model
        model = None
        if model_path is not None:
            from explainers import load_model

            model = load_model(model_path, trusted=trusted)
        workspace = cls.build(frame, target, model, index_col=index_col,
                              split_column=split_column, test_frame=test_frame,
                              test_name=f"the test file {Path(test_path).name}"
                              if test_path is not None else "the test file",
                              class_names=class_names, feature_descriptions=feature_descriptions,
                              fallback=fallback, data_name=Path(data_path).name,
                              notes=(*data.notes, *(test.notes if test is not None else ())),
                              dask_scheduler=dask_scheduler, feature_notes=feature_notes)
        workspace.adapter  # noqa: B018 - validate the model against the data now
        if preparing is not None:  # ready before the first question, not competing with it
            preparing.join(timeout=PREPARE_WAIT_SECONDS)
        return workspace

    @staticmethod
    def demo(dask_scheduler: Any = None) -> Workspace:
        """The built-in demo workspace, built once per process and scheduler (it is
        read-only); ``dask_scheduler`` as for ``Workspace``."""
        return _demo_workspace(dask_scheduler_setting(dask_scheduler))

    def conversation(self, *, fallback: str | None = None) -> Conversation:
        """A new conversation sharing this workspace (``fallback`` overrides its parser)."""
        from dialogue.conversation import Conversation

        return Conversation(self, fallback=fallback)

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
                    from explainers import ModelAdapter

                    self._adapter = ModelAdapter.wrap(self.model, self.X.head(200))
                    # Keep the feature columns in the order the model wants them.
                    self.X = self.X[list(self._adapter.feature_names)]
        return self._adapter

    @property
    def engine(self) -> ExplanationEngine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    from explainers import ExplanationEngine

                    self._engine = ExplanationEngine(self.adapter, self.X,
                                                     dask_client=self.dask_client)
        return self._engine

    @property
    def first_stage(self) -> NaturalLanguageParser:
        """The rule-based first-stage parser, shared by every fallback configuration."""
        if self._first_stage is None:
            with self._lock:
                if self._first_stage is None:
                    from grammar import NaturalLanguageParser

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
                    from grammar.fallback import build_parser

                    parser = build_parser(self.schema, name, first=self.first_stage)
                    self._parsers[name] = parser
        return parser

    def warm_up(self, *, background: bool = False) -> threading.Thread | None:
        """Pay the start-up costs now (optionally in a daemon thread), so the first questions are
        fast, in the order people need them: the explainers for one row (imports SHAP and
        builds its explainer, seconds on a small CPU), the model's predictions, then the work
        every session shares, whose results (and charts) stay cached on the shared engine:
        global importance and interactions over all rows. Models without exact TreeSHAP also
        get their explanation method chosen by measured faithfulness."""

        def work() -> None:
            started = time.perf_counter()
            try:
                engine = self.engine
                engine.explain(self.X.iloc[:1])  # what a first "why" needs
                self.parser  # noqa: B018 - and the parser it is asked through
                self._after_answers()
                self.predictions()
                if self.task == "classification":
                    self._after_answers()
                    self.probabilities()
                if not engine.exact_tree_shap:
                    self._after_answers()
                    engine.faithfulness()
                if len(self.X) >= engine.PARALLEL_MIN_ROWS:
                    engine.start_workers()
                conversation = self.conversation()
                for program in ("important all [E]", "interact [E]"):
                    self._after_answers()
                    reply = conversation.run_program(program)
                    for chart in reply.charts:
                        chart.png()  # rendered once, cached by content for every session
            except Exception:  # noqa: BLE001 - the first real question reports any problem
                LOG.info("warm-up stopped early", exc_info=True)
                return
            LOG.info("warm-up done in %.1f s", time.perf_counter() - started)

        if not background:
            work()
            return None
        thread = threading.Thread(target=work, name="askmodel-warm-up", daemon=True)
        thread.start()
        return thread

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

    def _after_answers(self, longest: float = 10.0) -> None:
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
    @staticmethod
    def id_text(value: object) -> str:
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

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


@functools.lru_cache(maxsize=4)
def _demo_workspace(dask_scheduler: Any) -> Workspace:
    from dialogue.demo import build_demo_workspace

    return build_demo_workspace(dask_scheduler=dask_scheduler)


# ---------------------------------------------------------------------- default model training
def _content_key(X: pd.DataFrame, y: pd.Series, extra: str) -> str:
    import sklearn

    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    digest.update(pd.util.hash_pandas_object(y, index=False).to_numpy().tobytes())
    digest.update("|".join(map(str, X.columns)).encode())
    digest.update(f"{extra}|sklearn={sklearn.__version__}|numpy={np.__version__}"
                  f"|pandas={pd.__version__}".encode())
    return digest.hexdigest()[:24]


def _build_default_model(X: pd.DataFrame, y: pd.Series, seed: int) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    from grammar.schema import target_kind

    categorical = [c for c in X.columns
                   if not (pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]))]
    numeric = [c for c in X.columns if c not in categorical]
    steps = []
    if categorical:
        steps.append(("categorical", Pipeline([
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]), categorical))
    if numeric:
        steps.append(("numeric", SimpleImputer(strategy="median"), numeric))
    prep = ColumnTransformer(steps, verbose_feature_names_out=False)
    task, _ = target_kind(y)
    if task == "classification":
        estimator = GradientBoostingClassifier(n_estimators=100, max_depth=2, random_state=seed)
    else:
        estimator = GradientBoostingRegressor(n_estimators=150, max_depth=3, random_state=seed)
    return Pipeline([("prep", prep), ("model", estimator)])


def _load_cached(path: Path) -> Any | None:
    """Load a cached model through the same safe loader as a user's file (the cache directory
    is only as trustworthy as whoever can write to it); ``None`` means retrain."""
    try:
        from explainers import load_model

        return load_model(path)
    except Exception:  # noqa: BLE001 - a broken or refused cache entry is simply rebuilt
        return None


def train_default_model(
    X: pd.DataFrame, y: pd.Series, *, train_fraction: float = 0.7, seed: int = 0,
    cache: Path | None = None,
) -> tuple[Any, str]:
    """A gradient-boosted tree model for ``X`` -> ``y``, trained once and cached on disk.

    It is trained on a random ``train_fraction`` of the rows so that the other rows show honest
    mistakes. Returns the model and a sentence saying how it was trained.
    """
    key = _content_key(X, y, f"gb-v1|frac={train_fraction}|seed={seed}")
    directory = cache or cache_dir()
    path = directory / f"model-{key}.skops"
    share = round(train_fraction * 100)
    note = (f"It was trained here on a random {share}% of the rows; the other {100 - share}% "
            "were held back, so it has not seen them.") if train_fraction < 1 else (
            "It was trained here on all of the rows.")
    if path.exists():
        model = _load_cached(path)
        if model is not None:
            return model, note
    from dialogue.holdout import default_training_rows

    model = _build_default_model(X, y, seed)
    train = np.flatnonzero(default_training_rows(len(X), train_fraction=train_fraction,
                                                 seed=seed))
    model.fit(X.iloc[train], y.iloc[train])
    try:
        import skops.io as sio

        directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        sio.dump(model, tmp)
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache only costs retraining next time
    return model, note
