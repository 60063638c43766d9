"""Charts for results: a ``Chart`` is the chart as plain data, drawn on demand.

Answers carry ``Chart`` values (cheap to build, hashable), not drawn figures: ``Chart.figure()``
draws a ``matplotlib.figure.Figure`` (no pyplot, so thread-safe) and ``Chart.png()`` renders PNG
bytes once per distinct chart, cached by content, so a chart many sessions share (the
dataset's importance ranking) is drawn once. Drawing was the costliest part of an answer under
load (``bench/app_load.py``), so the layout is fixed by hand instead of matplotlib's
constrained layout and tight bounding box, which lay the figure out twice.

matplotlib is imported only when a chart is drawn, keeping ``import dialogue`` and the parse
path light.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from dialogue import results as r
from dialogue.numbers import value_text
from dialogue.workspace import Workspace

MAX_BARS = 10
RAISES, LOWERS, NEUTRAL, HIGHLIGHT = "#c0392b", "#2e6fba", "#7f8c8d", "#c0392b"
PNG_DPI = 110


class _Drawn:
    """A chart as plain data that draws itself: ``figure()`` in the subclass, ``png()`` here."""

    def figure(self) -> Any:
        raise NotImplementedError

    def png(self, dpi: int = PNG_DPI) -> bytes:
        """PNG bytes of the chart (rendered once per distinct chart and resolution)."""
        return _render_png(self, dpi)


@dataclass(frozen=True)
class Chart(_Drawn):
    """A horizontal bar chart as plain data (top bar last, as matplotlib draws them)."""

    labels: tuple[str, ...]
    values: tuple[float, ...]
    colours: tuple[str, ...]
    xlabel: str
    title: str = ""
    errors: tuple[tuple[float, ...], tuple[float, ...]] | None = None  # (below, above)
    zero_line: bool = False
    xlim: tuple[float, float] | None = None
    outline: tuple[float, ...] | None = None  # dashed comparison bars (e.g. before a change)
    legend: tuple[str, str] | None = None  # labels of the bars and the outline
    width: float = 6.0

    @property
    def height(self) -> float:
        return 0.42 * len(self.labels) + 1.3 + 0.15 * self.xlabel.count("\n")

    def figure(self) -> Any:
        """The chart drawn on a new ``matplotlib.figure.Figure``."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        figure = Figure(figsize=(self.width, self.height), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        kwargs: dict[str, Any] = {"color": list(self.colours)}
        if self.errors is not None:
            kwargs.update(xerr=[list(self.errors[0]), list(self.errors[1])], capsize=3)
        if self.legend is not None:
            kwargs["label"] = self.legend[0]
        axes.barh(list(self.labels), list(self.values), **kwargs)
        if self.outline is not None:
            axes.barh(list(self.labels), list(self.outline), color="none", edgecolor="#555555",
                      linestyle="--", label=self.legend[1] if self.legend else None)
        if self.legend is not None:
            axes.legend(fontsize=8)
        if self.zero_line:
            axes.axvline(0, color="#555555", linewidth=0.8)
        if self.xlim is not None:
            axes.set_xlim(*self.xlim)
        axes.set_xlabel(self.xlabel)
        if self.title:
            axes.set_title(self.title, fontsize=10)
        axes.xaxis.set_major_locator(_locator())
        longest = max((len(label) for label in self.labels), default=1)
        left = min(0.62, (0.075 * longest + 0.3) / self.width)
        bottom = (0.45 + 0.17 * (1 + self.xlabel.count("\n"))) / self.height
        top = 1 - (0.35 if self.title else 0.15) / self.height
        figure.subplots_adjust(left=left, right=0.97, bottom=bottom, top=top)
        return figure



@dataclass(frozen=True)
class LineChart(_Drawn):
    """Lines over a numeric x axis, each with an optional shaded band, as plain data."""

    x: tuple[float, ...]
    lines: tuple[tuple[str, tuple[float, ...]], ...]  # (legend label, y values)
    bands: tuple[tuple[tuple[float, ...], tuple[float, ...]], ...] | None  # (low, high) per line
    xlabel: str
    ylabel: str
    title: str = ""
    percent: bool = False  # y values are shares, drawn as percentages
    width: float = 6.0
    height: float = 3.6

    def figure(self) -> Any:
        """The chart drawn on a new ``matplotlib.figure.Figure``."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import PercentFormatter

        figure = Figure(figsize=(self.width, self.height), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        scale = 100.0 if self.percent else 1.0
        for index, (label, values) in enumerate(self.lines):
            colour = LINE_COLOURS[index % len(LINE_COLOURS)]
            axes.plot(self.x, [v * scale for v in values], color=colour, linewidth=2,
                      label=label if len(self.lines) > 1 else None)
            if self.bands is not None:
                low, high = self.bands[index]
                floor, ceiling = (0.0, 1.0) if self.percent else (-np.inf, np.inf)
                axes.fill_between(self.x, np.clip(low, floor, ceiling) * scale,
                                  np.clip(high, floor, ceiling) * scale, color=colour,
                                  alpha=0.15, linewidth=0)
        if self.percent:
            axes.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
        if len(self.lines) > 1:
            axes.legend(fontsize=8)
        axes.set_xlabel(self.xlabel)
        axes.set_ylabel(self.ylabel)
        if self.title:
            axes.set_title(self.title, fontsize=10)
        axes.xaxis.set_major_locator(_locator())
        axes.grid(alpha=0.3)
        figure.subplots_adjust(left=0.14, right=0.97, bottom=0.16,
                               top=0.9 if self.title else 0.96)
        return figure



LINE_COLOURS = ("#2e6fba", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#16a085")


def _locator() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=5)


@functools.lru_cache(maxsize=256)
def _render_png(chart: _Drawn, dpi: int) -> bytes:
    buffer = io.BytesIO()
    chart.figure().savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def attribution_chart(ws: Workspace, res: r.AttributionResult) -> Chart:
    """Horizontal bars: how much each feature raised (red) or lowered (blue) the output."""
    effects = list(res.effects[:MAX_BARS])[::-1]
    labels = []
    for e in effects:
        if e.value is not None:
            labels.append(f"{e.feature} = {value_text(e.value)}")
        else:
            labels.append(e.feature)
    if res.selection.single:
        values = [float(e.effect) for e in effects]
        colours = [RAISES if v > 0 else LOWERS for v in values]
    else:  # a group: typical size of each feature's effect
        values = [float(e.mean_abs or 0.0) for e in effects]
        colours = [NEUTRAL] * len(values)
    target = (f"chance of {ws.class_name(res.class_label)}" if res.class_label is not None
              else f"predicted {ws.target}")
    xlabel = (f"effect on the {target}\n(red raises it, blue lowers it)"
              if res.selection.single else f"typical size of effect on the {target}")
    title = (f"{ws.noun(1).capitalize()} {res.selection.row_ids[0]}" if res.selection.single
             else f"{res.n_explained} {ws.noun()}")
    return Chart(tuple(labels), tuple(values), tuple(colours), xlabel,
                 f"What drives the prediction — {title}", zero_line=True)


def importance_chart(ws: Workspace, res: r.ImportanceResult) -> Chart:
    """Bars of mean |effect| with their 95% bootstrap intervals."""
    entries = list(res.entries[: res.k or MAX_BARS])
    if res.feature is not None:
        entries = list(res.entries[:MAX_BARS])
    entries = entries[::-1]
    below = tuple(max(e.mean_abs - e.ci_low, 0.0) for e in entries)
    above = tuple(max(e.ci_high - e.mean_abs, 0.0) for e in entries)
    colours = tuple(HIGHLIGHT if e.feature == res.feature else LOWERS for e in entries)
    return Chart(tuple(e.feature for e in entries), tuple(float(e.mean_abs) for e in entries),
                 colours, "average size of effect on the model's output", "Feature importance",
                 errors=(below, above))


def likelihood_chart(ws: Workspace, res: r.LikelihoodResult) -> Chart:
    names = tuple(ws.class_name(c) for c in res.classes)
    xlabel = "predicted probability" + ("" if res.selection.single else " (mean)")
    return Chart(names, tuple(float(v) for v in res.probabilities), (LOWERS,) * len(names),
                 xlabel, xlim=(0.0, 1.0), width=5.0,
                 outline=None if res.before is None else tuple(float(v) for v in res.before),
                 legend=None if res.before is None else ("now", "before the change"))


def interaction_chart(ws: Workspace, res: r.InteractionsResult) -> Chart:
    pairs = list(res.pairs[:MAX_BARS])[::-1]
    return Chart(tuple(f"{p.first} × {p.second}" for p in pairs),
                 tuple(float(p.strength) for p in pairs), ("#8e44ad",) * len(pairs),
                 "interaction strength", "Strongest interactions")


def dependence_chart(ws: Workspace, res: r.DependenceResult) -> Chart | LineChart | None:
    """A line per output over the feature's values (the middle 80% of rows shaded); bars when
    the feature is a category."""
    single = res.selection.single
    classified = any(s.label is not None for s in res.series)
    ylabel = ("chance" if classified else f"predicted {ws.target}") + (
        "" if single else " (average)")
    title = (f"{ws.noun(1).capitalize()} {res.selection.row_ids[0]}" if single
             else f"{res.n_rows:,} {ws.noun()}")
    if not res.numeric:
        if len(res.series) != 1:
            return None
        series = res.series[0]
        order = sorted(range(len(res.grid)), key=lambda i: series.mean[i])[-MAX_BARS:]
        label = (f"chance of {ws.class_name(series.label)}" if series.label is not None
                 else ylabel)
        return Chart(tuple(f"{res.feature} = {res.grid[i]}" for i in order),
                     tuple(series.mean[i] for i in order), (LOWERS,) * len(order),
                     label, f"Prediction by {res.feature} — {title}",
                     xlim=(0.0, 1.0) if series.label is not None else None)
    lines = tuple((f"chance of {ws.class_name(s.label)}" if s.label is not None
                   else f"predicted {ws.target}", s.mean) for s in res.series)
    bands = None if single else tuple((s.low, s.high) for s in res.series)
    if len(lines) == 1 and classified:
        ylabel = lines[0][0] + ("" if single else " (average)")
    return LineChart(tuple(float(v) for v in res.grid), lines, bands, res.feature, ylabel,
                     f"How the prediction moves with {res.feature} — {title}",
                     percent=classified)


def charts_for(ws: Workspace, result: r.Result) -> list[Chart | LineChart]:
    """The charts that help a given result (possibly none)."""
    if isinstance(result, r.AttributionResult) and result.effects:
        return [attribution_chart(ws, result)]
    if isinstance(result, r.ImportanceResult) and result.entries:
        return [importance_chart(ws, result)]
    if isinstance(result, r.LikelihoodResult):
        return [likelihood_chart(ws, result)]
    if isinstance(result, r.InteractionsResult) and result.pairs:
        return [interaction_chart(ws, result)]
    if isinstance(result, r.DependenceResult) and result.grid:
        chart = dependence_chart(ws, result)
        return [chart] if chart is not None else []
    return []


def figures_for(ws: Workspace, result: r.Result) -> list[Any]:
    """The charts for a result, drawn as matplotlib figures."""
    return [chart.figure() for chart in charts_for(ws, result)]
