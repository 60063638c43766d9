"""Programs sampled from the grammar for one table, with the shapes people's questions have.

Shapes and operations are drawn from weights that follow how often people ask each kind of
question (one patient's prediction and why far more than interactions), but every clause kind
and combination the language allows is reachable.
"""

from __future__ import annotations

import random

from grammar import program as p
from grammar.parse.assemble import operation_clause
from grammar.training.domains import BooleanSpec, CategoricalSpec, NumericSpec
from grammar.training.tables import Table, TableFeature

# Operations by what they are asked about: one row, a group, or the whole table.
ROW_OPERATIONS: dict[str, float] = {
    "predict": 14, "likelihood": 12, "explain features": 16, "explain shap": 3,
    "explain lime": 3, "explain ig": 1.5, "explain cfe": 10, "show": 6, "label": 5,
    "important topk": 2, "important all": 1.5, "important top1": 1.5, "important feature": 1.5,
    "statistic feature": 1, "dependence": 1,
}
GROUP_OPERATIONS: dict[str, float] = {
    "predict": 9, "likelihood": 8, "explain features": 10, "explain shap": 1,
    "explain lime": 1, "explain cfe": 3, "show": 7, "label": 4, "countdata": 10,
    "important topk": 4, "important all": 3, "important top1": 2, "important feature": 3,
    "statistic feature": 6, "statistic target": 3, "mistake count": 5, "mistake sample": 4,
    "mistake typical": 4, "score": 10, "interact": 2, "dependence": 2.5,
}
TABLE_OPERATIONS: dict[str, float] = {
    "important topk": 6, "important all": 6, "important top1": 4, "important feature": 6,
    "interact": 3, "statistic feature": 6, "statistic target": 4, "countdata": 4, "data": 6,
    "define": 6, "mistake count": 4, "mistake sample": 3, "mistake typical": 3, "score": 12,
    "model": 5, "function": 4, "self": 3, "predict": 3, "likelihood": 3,
    "explain features": 3, "show": 2, "label": 1, "dependence": 5,
}
METRIC_WEIGHTS: dict[str, float] = {
    "accuracy": 10, "default": 6, "f1": 4, "roc": 3, "precision": 4, "recall": 4,
    "sensitivity": 2, "specificity": 2, "ppv": 1, "npv": 1,
}
# Operations that make sense after a what-if change.
WHATIF_OPERATIONS: dict[str, float] = {
    "predict": 12, "likelihood": 8, "explain features": 3, "countdata": 1, "score": 1,
    "important topk": 1, "important feature": 1, "mistake count": 0.5, "explain cfe": 0.5,
}
# Pairs asked together in one question.
PAIRS: tuple[tuple[str, str], ...] = (
    ("explain features", "explain cfe"), ("predict", "explain features"),
    ("predict", "likelihood"), ("likelihood", "explain features"), ("explain lime", "explain shap"),
    ("score", "score"), ("score", "score"), ("important feature", "important feature"), ("countdata", "predict"),
    ("show", "predict"), ("label", "predict"), ("predict", "label"), ("countdata", "score"),
    ("self", "function"), ("mistake count", "mistake typical"), ("important topk", "interact"),
    ("statistic feature", "statistic feature"), ("important topk", "important feature"),
    ("countdata", "statistic feature"), ("data", "model"), ("model", "data"),
    ("function", "data"),
)


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    names = list(weights)
    return rng.choices(names, [weights[n] for n in names])[0]


def nice_number(rng: random.Random, low: float, high: float, integer: bool) -> int | float:
    """A threshold a person would type: round numbers inside the column's range."""
    span = high - low
    value = rng.uniform(low + 0.1 * span, high - 0.1 * span)
    if integer or span >= 20:
        step = rng.choice([s for s in (1, 5, 10, 25, 50, 100, 500, 1000) if s <= max(span / 4, 1)]
                          or [1])
        return int(round(value / step) * step)
    digits = rng.choice([0, 1, 1, 2])
    result = round(value, digits)
    return int(result) if digits == 0 else result


def change_amount(rng: random.Random, spec: NumericSpec) -> int | float:
    span = spec.high - spec.low
    amount = nice_number(rng, 0, max(span / 3, 1), spec.integer or span >= 20)
    return amount if amount > 0 else (1 if spec.integer else 0.5)


class ProgramSampler:
    """Samples programs for one table."""

    def __init__(self, table: Table, rng: random.Random) -> None:
        self.table = table
        self.rng = rng
        self.numeric = [f for f in table.features if isinstance(f.spec, NumericSpec)]
        self.boolean = [f for f in table.features if isinstance(f.spec, BooleanSpec)]
        self.categorical = [f for f in table.features if isinstance(f.spec, CategoricalSpec)]
        schema = table.schema
        self.classification = schema.task == "classification"
        self.labels = schema.class_labels

    # ------------------------------------------------------------------ clauses
    def row_id(self) -> p.IdFilter:
        text = self.rng.choice(self.table.ids)
        return p.IdFilter(int(text) if text.lstrip("-").isdigit() else text)

    def numeric_filter(self, feature: TableFeature | None = None) -> p.NumericFilter:
        feature = feature or self.rng.choice(self.numeric)
        spec = feature.spec
        assert isinstance(spec, NumericSpec)
        comparison = self.rng.choices(
            list(p.COMPARISONS), [2, 1.5, 0.5, 3, 3, 1])[0]
        if spec.low == 0 and spec.integer and self.rng.random() < 0.12:  # "no prior visits"
            return p.NumericFilter(feature.canonical, self.rng.choice(
                ["equal to", "equal to", "greater than"]), 0)  # type: ignore[arg-type]
        return p.NumericFilter(feature.canonical, comparison,  # type: ignore[arg-type]
                               nice_number(self.rng, spec.low, spec.high, spec.integer))

    def range_filters(self) -> list[p.Clause]:
        feature = self.rng.choice(self.numeric)
        spec = feature.spec
        assert isinstance(spec, NumericSpec)
        a = nice_number(self.rng, spec.low, spec.high, spec.integer)
        b = nice_number(self.rng, spec.low, spec.high, spec.integer)
        low, high = sorted((a, b))
        if low == high:
            high = low + (1 if spec.integer else 0.5)
        lower, upper = self.rng.choice([("greater equal than", "less equal than"),
                                        ("greater than", "less than"),
                                        ("greater equal than", "less equal than")])
        return [p.NumericFilter(feature.canonical, lower, low),  # type: ignore[arg-type]
                p.NumericFilter(feature.canonical, upper, high)]  # type: ignore[arg-type]

    def decade_filters(self) -> list[p.Clause] | None:
        candidates = [f for f in self.numeric if isinstance(f.spec, NumericSpec) and f.spec.more
                      and f.spec.high >= 50]
        if not candidates:
            return None
        feature = candidates[0]
        decade = self.rng.choice([20, 30, 40, 50, 60, 70, 80])
        return [p.NumericFilter(feature.canonical, "greater equal than", decade),
                p.NumericFilter(feature.canonical, "less than", decade + 10)]

    def bool_filter(self, feature: TableFeature | None = None) -> p.BoolFilter:
        feature = feature or self.rng.choice(self.boolean)
        return p.BoolFilter(feature.canonical, self.rng.random() < 0.6)

    def category_filter(self, feature: TableFeature | None = None) -> p.CategoryFilter:
        feature = feature or self.rng.choice(self.categorical)
        schema_feature = self.table.schema.feature(feature.canonical)
        return p.CategoryFilter(feature.canonical, self.rng.choice(schema_feature.values))

    def class_filter(self) -> p.Clause:
        # people ask about the event (readmitted, defaulted) more often than its absence
        label = (self.labels[-1] if len(self.labels) == 2 and self.rng.random() < 0.7
                 else self.rng.choice(self.labels))
        if self.rng.random() < 0.55:
            return p.PredictionFilter(label)
        return p.LabelFilter(label)

    def group_filters(self, count: int) -> list[p.Clause]:
        kinds = []
        if self.numeric:
            kinds += ["numeric"] * 5 + ["range"]
        if self.boolean:
            kinds += ["boolean"] * 4
        if self.categorical:
            kinds += ["categorical"] * 4
        if self.classification and len(self.labels) >= 2:
            kinds += ["class"] * 2
        out: list[p.Clause] = []
        seen: set[str] = set()
        for _ in range(count * 3):
            if len(out) >= count:
                break
            kind = self.rng.choice(kinds)
            if kind == "numeric":
                clause: p.Clause = self.numeric_filter()
            elif kind == "range":
                if len(out) + 2 > count + 1:
                    continue
                decade = self.decade_filters() if self.rng.random() < 0.25 else None
                pair = decade or self.range_filters()
                key = getattr(pair[0], "feature", "")
                if key in seen:
                    continue
                seen.add(key)
                out += pair
                continue
            elif kind == "boolean":
                clause = self.bool_filter()
            elif kind == "categorical":
                clause = self.category_filter()
            else:
                clause = self.class_filter()
            key = getattr(clause, "feature", type(clause).__name__)
            if key in seen:
                continue
            seen.add(key)
            out.append(clause)
        return out

    def change(self, avoid: set[str] = frozenset()) -> p.Clause | None:  # type: ignore[assignment]
        options = [f for f in self.table.features if f.canonical not in avoid]
        if not options:
            return None
        feature = self.rng.choice(options)
        spec = feature.spec
        if isinstance(spec, NumericSpec):
            kind = self.rng.choices(["increase", "decrease", "set"], [3, 3, 3])[0]
            value = (nice_number(self.rng, spec.low, spec.high, spec.integer) if kind == "set"
                     else change_amount(self.rng, spec))
            return p.NumericChange(feature.canonical, kind, value)  # type: ignore[arg-type]
        if isinstance(spec, BooleanSpec):
            return p.BoolChange(feature.canonical, self.rng.random() < 0.5)
        schema_feature = self.table.schema.feature(feature.canonical)
        return p.CategoryChange(feature.canonical, self.rng.choice(schema_feature.values))

    def operation(self, name: str, used_arguments: set[str]) -> p.Clause | None:
        rng = self.rng
        if name == "score":
            if not self.classification:
                return p.Score("default")
            metric = weighted(rng, METRIC_WEIGHTS)
            if len(self.labels) > 2 and metric not in {"accuracy", "default", "f1"}:
                metric = "accuracy"
            return p.Score(metric)
        if name in {"likelihood", "label", "predict"} or name.startswith("mistake"):
            if name == "likelihood" and not self.classification:
                return p.Predict()
        if name == "important topk":
            return p.ImportantTopK(rng.choice([2, 3, 3, 3, 4, 5, 5, 10, 1, 6, 7]))
        if name == "important top1":
            return p.ImportantTopK(1)
        if name == "dependence":  # mostly a numeric feature, half the time over a range
            numeric = [f for f in self.table.features if isinstance(f.spec, NumericSpec)]
            options = numeric if numeric and rng.random() < 0.85 else list(self.table.features)
            feature = rng.choice(options)
            used_arguments.add(feature.canonical)
            spec = feature.spec
            if isinstance(spec, NumericSpec) and rng.random() < 0.5:
                ends = sorted({nice_number(rng, spec.low, spec.high, spec.integer)
                               for _ in range(2)})
                if len(ends) == 2:
                    return p.Dependence(feature.canonical, ends[0], ends[1])
            return p.Dependence(feature.canonical)
        if name in {"important feature", "statistic feature", "define"}:
            options = [f for f in self.table.features if f.canonical not in used_arguments]
            if not options:
                return None
            feature = rng.choice(options).canonical
            used_arguments.add(feature)
            if name == "important feature":
                return p.ImportantFeature(feature)
            if name == "statistic feature":
                return p.Statistic(feature)
            return p.Define(feature)

        return operation_clause(name, [], [])

    # ------------------------------------------------------------------ programs
    def sample(self) -> p.Program:
        rng = self.rng
        shape = rng.choices(["table", "row", "group", "whatif_row", "whatif_group", "whatif",
                             "pair_row", "pair_group", "pair_table", "interleaved"],
                            [20, 27, 25, 8, 5, 2, 8, 6, 5, 4])[0]
        filters: list[p.Clause] = []
        changes: list[p.Clause] = []
        joins_or = False
        mismatch = False
        if shape.endswith("row") or shape == "row":
            filters = [self.row_id()]
            if rng.random() < 0.04 and len(self.table.ids) > 3:
                filters.append(self.row_id())
                joins_or = True
        elif shape == "group" and self.classification and len(self.labels) == 2 and (
                rng.random() < 0.1):  # "predicted 1 but actually 0"
            pair = [p.PredictionFilter(rng.choice(self.labels)),
                    p.LabelFilter(rng.choice(self.labels))]
            filters = pair if rng.random() < 0.6 else pair[::-1]
            mismatch = True
        elif "group" in shape or shape == "interleaved":
            filters = self.group_filters(rng.choices([1, 2, 3], [6, 3, 1])[0])
            joins_or = len(filters) == 2 and rng.random() < 0.25 and not mismatch
        if shape.startswith("whatif") or shape == "interleaved":
            avoid = {getattr(c, "feature", "") for c in filters} if rng.random() < 0.85 else set()
            count = rng.choices([1, 2], [9, 1])[0]
            for _ in range(count):
                change = self.change(avoid)
                if change is not None:
                    avoid.add(getattr(change, "feature", ""))
                    changes.append(change)
        used: set[str] = set()
        if shape.startswith("pair"):
            first, second = rng.choice(PAIRS if shape == "pair_table" else [
                pair for pair in PAIRS if "self" not in pair])
            operations = [self.operation(first, used), self.operation(second, used)]
            if shape == "pair_row" and rng.random() < 0.3:  # three things about one row
                third = rng.choice([o for o in ("predict", "explain features", "explain cfe",
                                                "likelihood", "show") if o not in (first, second)])
                operations.append(self.operation(third, used))
        elif shape.startswith("whatif"):
            operations = [self.operation(weighted(rng, WHATIF_OPERATIONS), used)]
        elif shape == "interleaved":
            name = rng.choice(["predict", "likelihood"])
            operations = [self.operation(name, used), self.operation(name, used)]
        else:
            weights = {"row": ROW_OPERATIONS, "group": GROUP_OPERATIONS}.get(
                shape, TABLE_OPERATIONS)
            operations = [self.operation(weighted(rng, weights), used)]
        clean = [o for o in operations if o is not None]
        if not clean or (len(clean) == 2 and clean[0] == clean[1] and shape != "interleaved"):
            clean = [clean[0]] if clean else [p.Predict()]
        scored = any(isinstance(o, (p.Score, p.Mistake)) for o in clean)
        counted = any(isinstance(o, p.CountData) for o in clean)
        if self.classification and (scored and rng.random() < 0.25 or counted and (
                rng.random() < 0.05)):  # "accuracy on the training data"
            split = p.SplitFilter(rng.choices(list(p.SPLIT_KINDS), [5, 3, 2])[0])
            filters = [split, *filters] if rng.random() < 0.4 or not filters else [*filters, split]
            joins_or = False
        clauses: list[p.Clause] = []
        joins: list[str] = []
        for clause in filters:
            if clauses:
                joins.append("or" if joins_or and len(filters) == 2 else "and")
            clauses.append(clause)
        if shape == "interleaved" and changes:
            parts: list[p.Clause] = [clean[0], *changes, *clean[1:]]
        else:
            parts = [*changes, *clean]
        for clause in parts:
            if clauses:
                joins.append("and")
            clauses.append(clause)
        return p.Program(tuple(clauses), tuple(joins))  # type: ignore[arg-type]
