"""Charts for results, drawn with ``matplotlib.figure.Figure`` (no pyplot, so thread-safe).

matplotlib is imported only when a chart is made, keeping ``import dialogue`` and the parse path
light.
"""

from __future__ import annotations

from typing import Any

from dialogue import results as r

MAX_BARS = 10


def _figure(width: float = 6.0, height: float = 3.2) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def attribution_chart(ws: Any, res: r.AttributionResult) -> Any:
    """Horizontal bars: how much each feature raised (red) or lowered (blue) the output."""
    effects = list(res.effects[:MAX_BARS])[::-1]
    figure = _figure(6.0, 0.45 * len(effects) + 1.2)
    axes = figure.add_subplot()
    labels = []
    for e in effects:
        if e.value is not None:
            from dialogue.responses import _value_text

            labels.append(f"{e.feature} = {_value_text(e.value)}")
        else:
            labels.append(e.feature)
    if res.selection.single:
        values = [e.effect for e in effects]
        colours = ["#c0392b" if v > 0 else "#2e6fba" for v in values]
    else:  # a group: typical size of each feature's effect
        values = [e.mean_abs or 0.0 for e in effects]
        colours = ["#7f8c8d"] * len(values)
    axes.barh(labels, values, color=colours)
    axes.axvline(0, color="#555555", linewidth=0.8)
    target = (f"chance of {ws.class_name(res.class_label)}" if res.class_label is not None
              else f"predicted {ws.target}")
    axes.set_xlabel(f"effect on the {target}\n(red raises it, blue lowers it)"
                    if res.selection.single else f"typical size of effect on the {target}")
    title = (f"{ws.noun(1).capitalize()} {res.selection.row_ids[0]}" if res.selection.single
             else f"{res.n_explained} {ws.noun()}")
    axes.set_title(f"What drives the prediction — {title}", fontsize=10)
    return figure


def importance_chart(ws: Any, res: r.ImportanceResult) -> Any:
    """Bars of mean |effect| with their 95% bootstrap intervals."""
    entries = list(res.entries[: res.k or MAX_BARS])
    if res.feature is not None:
        entries = list(res.entries[:MAX_BARS])
    entries = entries[::-1]
    figure = _figure(6.0, 0.4 * len(entries) + 1.2)
    axes = figure.add_subplot()
    names = [e.feature for e in entries]
    means = [e.mean_abs for e in entries]
    low = [max(e.mean_abs - e.ci_low, 0.0) for e in entries]
    high = [max(e.ci_high - e.mean_abs, 0.0) for e in entries]
    colours = ["#c0392b" if e.feature == res.feature else "#2e6fba" for e in entries]
    axes.barh(names, means, xerr=[low, high], color=colours, capsize=3)
    axes.set_xlabel("average size of effect on the model's output")
    axes.set_title("Feature importance", fontsize=10)
    return figure


def likelihood_chart(ws: Any, res: r.LikelihoodResult) -> Any:
    figure = _figure(5.0, 0.5 * len(res.classes) + 1.2)
    axes = figure.add_subplot()
    names = [ws.class_name(c) for c in res.classes]
    axes.barh(names, res.probabilities, color="#2e6fba", label="now" if res.before else None)
    if res.before is not None:
        axes.barh(names, res.before, color="none", edgecolor="#555555", linestyle="--",
                  label="before the change")
        axes.legend(fontsize=8)
    axes.set_xlim(0, 1)
    axes.set_xlabel("predicted probability" + ("" if res.selection.single else " (mean)"))
    return figure


def interaction_chart(ws: Any, res: r.InteractionsResult) -> Any:
    pairs = list(res.pairs[:MAX_BARS])[::-1]
    figure = _figure(6.0, 0.45 * len(pairs) + 1.2)
    axes = figure.add_subplot()
    axes.barh([f"{p.first} × {p.second}" for p in pairs], [p.strength for p in pairs],
              color="#8e44ad")
    axes.set_xlabel("interaction strength")
    axes.set_title("Strongest interactions", fontsize=10)
    return figure


def figures_for(ws: Any, result: Any) -> list[Any]:
    """The charts that help a given result (possibly none)."""
    if isinstance(result, r.AttributionResult) and result.effects:
        return [attribution_chart(ws, result)]
    if isinstance(result, r.ImportanceResult) and result.entries:
        return [importance_chart(ws, result)]
    if isinstance(result, r.LikelihoodResult):
        return [likelihood_chart(ws, result)]
    if isinstance(result, r.InteractionsResult) and result.pairs:
        return [interaction_chart(ws, result)]
    return []
