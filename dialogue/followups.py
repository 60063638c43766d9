"""What an answer proposes next: the one question it offers ("Would you like to know why?",
answered by a "yes") and the next steps shown as buttons, both as runnable programs."""

from __future__ import annotations

from dialogue import results as r
from dialogue.workspace import Workspace
from grammar import program as p
from grammar.errors import ProgramError
from grammar.language import parse_program
from grammar.schema import canonical_name

# Operations about the model or the assistant, not about rows: their follow-ups ignore the rows.
META_OPERATIONS = (p.Define, p.ModelInfo, p.Function, p.SelfInfo)


def offer_after(ws: Workspace, program: p.Program, op: p.Clause, result: r.Result, *,
                filtered: bool) -> p.Program | None:
    """The one next question the answer offers ("Would you like to know why?"), as a runnable
    program on the same rows (``None`` if nothing fits)."""
    prefix: tuple[p.Clause, ...] = (p.PreviousFilter(),) if filtered else ()
    changes = tuple(program.changes)
    single = isinstance(getattr(result, "selection", None), r.Selection) and (
        result.selection.single)
    nxt: p.Clause | None = None
    keep_changes = False
    match op:
        case p.Predict() | p.Likelihood():
            nxt = p.Explain("features")
            keep_changes = True
        case p.Explain(method) if method != "cfe":
            if single and ws.task == "classification" and not changes:
                nxt = p.Explain("cfe")
            elif not single:
                nxt = p.Interact()
        case p.Explain("cfe"):
            nxt = p.Likelihood() if ws.task == "classification" else p.Predict()
        case p.ImportantTopK() | p.ImportantAll():
            entries = result.entries
            nxt = p.Statistic(canonical_name(entries[0].feature)) if entries else None
        case p.ImportantFeature(feature) | p.Define(feature):
            nxt = p.Statistic(canonical_name(ws.schema.feature(feature).name))
        case p.Statistic(feature) if feature is not None:
            if ws.schema.has_feature(feature):
                nxt = p.ImportantFeature(canonical_name(ws.schema.feature(feature).name))
        case p.Statistic():
            nxt = p.Score("default")
        case p.Interact():
            nxt = p.ImportantAll()
        case p.Dependence(feature):
            nxt = p.ImportantFeature(canonical_name(ws.schema.feature(feature).name))
        case p.Show() | p.ShowLabel() | p.CountData():
            nxt = p.Predict()
            keep_changes = True
        case p.DataSummary():
            nxt = p.ImportantTopK(3)
        case p.Mistake("typical"):
            nxt = p.Mistake("sample") if getattr(result, "n_wrong", 0) else None
        case p.Mistake():
            nxt = p.Mistake("typical") if getattr(result, "n_wrong", 0) else None
        case p.Score(metric):
            if metric == "accuracy":
                nxt = p.Score("f1")
            elif metric == "default":
                nxt = p.Mistake("typical")
            else:
                nxt = p.Score("default")
        case p.ModelInfo():
            nxt = p.Score("default")
        case p.SelfInfo():
            nxt = p.Function()
        case p.Function():
            nxt = p.DataSummary()
    if ws.task != "classification" and isinstance(nxt, (p.Mistake, p.Score)):
        return None
    if nxt is None:
        return None
    if isinstance(nxt, META_OPERATIONS + (p.DataSummary,)):
        return p.Program.of(nxt)
    clauses = prefix + (changes if keep_changes else ()) + (nxt,)
    return p.Program.of(*clauses)


# Next steps shown as buttons after an answer of each kind: the question's words (``{who}``: the
# rows it was about) and the program it runs.
_NEXT_STEPS: dict[str, tuple[tuple[str, str], ...]] = {
    "predict": (("Why does the model predict this for {who}?",
                 "previousfilter and explain features [E]"),),
    "predict-one": (("Why does the model predict this for {who}?",
                     "previousfilter and explain features [E]"),
                    ("What would change the outcome for {who}?",
                     "previousfilter and explain cfe [E]")),
    "explain-one": (("What would change the outcome for {who}?",
                     "previousfilter and explain cfe [E]"),),
    "rows": (("What does the model predict for {who}?", "previousfilter and predict [E]"),
             ("How accurate is the model on {who}?", "previousfilter and score accuracy [E]")),
    "important": (("How accurate is the model?", "score accuracy [E]"),),
    "score": (("Which features matter most?", "important topk 10 [E]"),),
}


def next_steps(program_text: str | None, one_row: bool) -> tuple[tuple[str, str], ...]:
    """The buttons after an answer that ran ``program_text``: (words, program) pairs."""
    return _NEXT_STEPS.get(_answer_kind(program_text, one_row) or "", ())


def _answer_kind(program_text: str | None, one_row: bool) -> str | None:
    """Which ``_NEXT_STEPS`` follow an answer, from the typed program it ran."""
    if not program_text:
        return None
    try:
        program = parse_program(program_text)
    except ProgramError:
        return None
    ops = program.operations
    single = one_row or any(isinstance(c, p.IdFilter) for c in program.clauses)

    def has(*kinds: type) -> bool:
        return any(isinstance(op, kinds) for op in ops)

    if has(p.Predict, p.Likelihood):
        return "predict-one" if single else "predict"
    explains = [op for op in ops if isinstance(op, p.Explain)]
    if explains and single and all(op.method != "cfe" for op in explains):
        return "explain-one"
    if has(p.CountData, p.Show):
        return "rows"
    if has(p.ImportantTopK, p.ImportantAll, p.ImportantFeature):
        return "important"
    if has(p.Score, p.Mistake):
        return "score"
    return None
