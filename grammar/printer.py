"""Write a ``Program`` back as canonical parse-language text (always ending in ``[E]``)."""

from __future__ import annotations

from grammar import program as p


def format_number(value: p.Number | str) -> str:
    """Plain decimal: ``30``, ``2.5``, ``-1`` (no exponent, no trailing ``.0``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):  # exact at any size (float() of 400 digits overflows)
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    text = f"{float(value):.10f}".rstrip("0").rstrip(".")
    return text


def _bool(value: bool) -> str:
    return "true" if value else "false"


def clause_text(clause: p.Clause) -> str:
    """The canonical text of one clause."""
    match clause:
        case p.IdFilter(row_id):
            return f"filter id {format_number(row_id)}"
        case p.NumericFilter(feature, comparison, value):
            return f"filter {feature} {comparison} {format_number(value)}"
        case p.BoolFilter(feature, value):
            return f"filter {feature} {_bool(value)}"
        case p.CategoryFilter(feature, value):
            return f"filter {feature} {value}"
        case p.LabelFilter(label):
            return f"filter labelfilter {label}"
        case p.PredictionFilter(label):
            return f"filter predictionfilter {label}"
        case p.PreviousFilter():
            return "previousfilter"
        case p.SplitFilter(kind):
            return f"split {kind}"
        case p.NumericChange(feature, kind, value):
            return f"change {feature} {kind} {format_number(value)}"
        case p.BoolChange(feature, value):
            return f"change {feature} {_bool(value)}"
        case p.CategoryChange(feature, value):
            return f"change {feature} {value}"
        case p.Predict():
            return "predict"
        case p.Likelihood():
            return "likelihood"
        case p.Explain(method):
            return f"explain {method}"
        case p.ImportantTopK(k):
            return f"important topk {k}"
        case p.ImportantAll():
            return "important all"
        case p.ImportantFeature(feature):
            return f"important {feature}"
        case p.Interact():
            return "interact"
        case p.Dependence(feature, None, None):
            return f"dependence {feature}"
        case p.Dependence(feature, low, high):
            return f"dependence {feature} from {format_number(low)} to {format_number(high)}"
        case p.Show():
            return "show"
        case p.ShowLabel():
            return "label"
        case p.CountData():
            return "countdata"
        case p.DataSummary():
            return "data"
        case p.Statistic(feature):
            return f"statistic {feature if feature is not None else 'target'}"
        case p.Define(feature):
            return f"define {feature}"
        case p.Mistake(kind):
            return f"mistake {kind}"
        case p.Score(metric):
            return f"score {metric}"
        case p.ModelInfo():
            return "model"
        case p.Function():
            return "function"
        case p.SelfInfo():
            return "self"
        case p.FollowUp():
            return "followup"
        case p.PreviousOperation():
            return "previousoperation"
    raise TypeError(f"not a clause: {clause!r}")


def to_text(program: p.Program) -> str:
    """``filter age greater than 30 and predict [E]``."""
    parts: list[str] = []
    for index, clause in enumerate(program.clauses):
        if index:
            parts.append(program.joins[index - 1])
        parts.append(clause_text(clause))
    return " ".join(parts) + " [E]"
