"""Synthetic domains: the kinds of tables people ask a model about, for the training corpus.

A ``DomainSpec`` describes one kind of table (its rows, features, target and how people talk
about its outcome); ``grammar.training.tables`` turns it into many concrete tables (column-name
styles, storage of booleans, id columns, subsets of features), and the renderer uses the
phrases below to word questions about them. The domains are written for this project; none
is one of the validation tables.

Phrases are lower case and may contain ``{rows}`` (the plural row noun). Outcome phrases come in
grammatical forms so that the renderer can build "will ...", "predicted to ...", "who ...".
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class NumericSpec:
    """A numeric column."""

    names: tuple[str, ...]  # column-name variants, e.g. ("length_of_stay_days", "LengthOfStay")
    low: float
    high: float
    integer: bool = True
    unit: str = ""  # written after a number ("days", "kg", "%"); "$" is written before it
    # General English comparatives that name this feature on their own ("older" for age):
    # only for the few quantities people talk about that way.
    more: tuple[str, ...] = ()
    less: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class BooleanSpec:
    """A yes/no column. Phrases name the rows where it holds; each contains a word of a name."""

    names: tuple[str, ...]  # ("smoker", "is_smoker", "Smoking")
    true_phrases: tuple[str, ...] = ()  # ("smokers", "who smoke", "{rows} who smoke")
    false_phrases: tuple[str, ...] = ()  # ("non-smokers", "who do not smoke")
    set_true: tuple[str, ...] = ()  # a what-if that makes it true: ("started smoking",)
    set_false: tuple[str, ...] = ()  # ("quit smoking", "stopped smoking")
    description: str = ""


@dataclass(frozen=True)
class CategoricalSpec:
    """A column with a few named values."""

    names: tuple[str, ...]
    values: tuple[str, ...]  # as stored in the table ("home", "rehab", "nursing facility")
    # Ways to say "rows whose value is V", with {value} (and optionally {rows}):
    # ("discharged to {value}", "{rows} sent {value}")
    templates: tuple[str, ...] = ()
    description: str = ""


FeatureSpec = NumericSpec | BooleanSpec | CategoricalSpec


@dataclass(frozen=True)
class Outcome:
    """How people talk about one class of the target (or the positive class of a binary one)."""

    verb: tuple[str, ...]  # bare infinitive: "be readmitted", "come back to the hospital"
    past: tuple[str, ...]  # what actually happened: "were readmitted", "came back"
    adjective: tuple[str, ...] = ()  # after "predicted" / "are": "readmitted", "high risk"
    noun: tuple[str, ...] = ()  # "readmission", "a readmission"


@dataclass(frozen=True)
class DomainSpec:
    """One kind of table."""

    name: str
    row_singular: tuple[str, ...]  # ("patient", "person", "admission")
    row_plural: tuple[str, ...]  # ("patients", "people", "admissions")
    id_names: tuple[str, ...]  # ("patient_id", "id", "pid")
    target_names: tuple[str, ...]  # column names for the target ("readmitted", "y", "label")
    features: tuple[FeatureSpec, ...]
    # Binary classification: the positive and negative outcomes, and optionally the names the
    # target column stores (negative first), e.g. ("stayed", "readmitted"); else 0/1.
    positive: Outcome | None = None
    negative: Outcome | None = None
    class_names: tuple[str, str] | None = None
    # Multi-class: the stored class names with their phrases (then positive/negative are None).
    classes: tuple[tuple[str, Outcome], ...] = ()
    # Regression: the target is a number with this unit, phrased by ``quantity`` ("the price").
    regression_quantity: tuple[str, ...] = ()
    regression_range: tuple[float, float] = (0.0, 1.0)
    tags: tuple[str, ...] = field(default=())  # free-form: "medical", "finance", ...

    @property
    def task(self) -> str:
        if self.regression_quantity:
            return "regression"
        return "multiclass" if self.classes else "binary"


# Two worked examples; the bank of domains lives in grammar/training/domain_bank.py.
EXAMPLES: tuple[DomainSpec, ...] = (
    DomainSpec(
        name="employee attrition",
        row_singular=("employee", "worker", "staff member", "person"),
        row_plural=("employees", "workers", "staff", "people"),
        id_names=("employee_id", "emp_id", "id", "staff_no"),
        target_names=("left_company", "attrition", "quit", "y", "target"),
        features=(
            NumericSpec(("age", "employee_age", "Age"), 18, 66, unit="years",
                        more=("older",), less=("younger",)),
            NumericSpec(("monthly_income", "MonthlyIncome", "salary_month"), 1000, 20000,
                        unit="$"),
            NumericSpec(("years_at_company", "YearsAtCompany", "tenure_years"), 0, 40,
                        unit="years"),
            NumericSpec(("distance_from_home", "DistanceFromHome", "commute_km"), 1, 60,
                        unit="km"),
            BooleanSpec(("overtime", "OverTime", "works_overtime"),
                        true_phrases=("{rows} who work overtime", "overtime workers",
                                      "{rows} doing overtime"),
                        false_phrases=("{rows} who do not work overtime",
                                       "{rows} without overtime"),
                        set_true=("worked overtime", "started doing overtime"),
                        set_false=("stopped working overtime", "did no overtime")),
            CategoricalSpec(("department", "Department", "dept"),
                            ("sales", "research", "human resources"),
                            templates=("{rows} in {value}", "the {value} department",
                                       "{rows} working in {value}")),
        ),
        positive=Outcome(verb=("leave", "quit", "leave the company", "resign"),
                         past=("left", "quit", "left the company", "resigned"),
                         adjective=("leaving", "at risk of leaving"),
                         noun=("attrition", "leaving", "resignation")),
        negative=Outcome(verb=("stay", "stay at the company", "not leave"),
                         past=("stayed", "did not leave"),
                         adjective=("staying",), noun=("retention", "staying")),
        tags=("business",),
    ),
    DomainSpec(
        name="iris-like flowers",
        row_singular=("flower", "plant", "sample", "specimen"),
        row_plural=("flowers", "plants", "samples", "specimens"),
        id_names=("id", "sample_id", "plant_no"),
        target_names=("species", "variety", "label", "class"),
        features=(
            NumericSpec(("petal_length", "PetalLength", "petal_len_cm"), 1, 7, integer=False,
                        unit="cm"),
            NumericSpec(("petal_width", "PetalWidth"), 0.1, 2.5, integer=False, unit="cm"),
            NumericSpec(("sepal_length", "SepalLength"), 4, 8, integer=False, unit="cm"),
        ),
        classes=(
            ("setosa", Outcome(verb=("be setosa",), past=("were setosa",),
                               adjective=("setosa",), noun=("setosa",))),
            ("versicolor", Outcome(verb=("be versicolor",), past=("were versicolor",),
                                   adjective=("versicolor",), noun=("versicolor",))),
            ("virginica", Outcome(verb=("be virginica",), past=("were virginica",),
                                  adjective=("virginica",), noun=("virginica",))),
        ),
        tags=("science",),
    ),
)
