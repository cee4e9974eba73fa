"""Charts: matplotlib with the same Swedish formatter as tables and text, colour-blind-safe colours."""

from __future__ import annotations

import math
import textwrap

import matplotlib

matplotlib.use("Agg") if matplotlib.get_backend().lower() == "agg" else None
import matplotlib.pyplot as plt  # noqa: E402 - after the backend is chosen

from rapportbok.core import fmt, hashing  # noqa: E402
from rapportbok.present import display as display_mod  # noqa: E402
from rapportbok.present import tables  # noqa: E402

# Okabe–Ito: distinguishable with colour-blindness, distinct in grey print with the hatches below.
COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
HATCHES = ["", "//", "..", "xx", "\\\\", "oo", "--", "++"]
POSITIVE, NEGATIVE, TOTAL = "#009E73", "#D55E00", "#0072B2"

plt.rcParams.update(
    {
        "figure.figsize": (8, 3.8),  # the title is text above the image, not in it
        "figure.dpi": 100,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "grid.alpha": 0.3,
        "font.size": 10,
        # Labels and titles carry data text (posts, measures, KPI titles): text, never mathtext,
        # so a "$" in the data neither renders as math nor stops the build (rapportbok.escape).
        "text.parse_math": False,
    }
)


# -- alt text ---------------------------------------------------------------------------------------
# Every chart carries a Swedish alt text that says what it shows: the kind of chart, its title and
# its figures (all of them when few, otherwise a summary). ``show`` refuses a chart without one.
ALT_LIST_LIMIT = 12  # list every value up to this many; summarise above


def _value(v, unit: str | None, decimals: int) -> str:
    return fmt.number(v, decimals) + (f" {unit}" if unit else "")


def _clean_title(title: str) -> str:
    return title.rstrip(". ")


def describe_series(
    kind: str,
    title: str,
    labels: list,
    series: dict[str, list],
    unit: str | None = "tkr",
    decimals: int = 0,
    stacked: bool = False,
    limit: int | None = ALT_LIST_LIMIT,
) -> str:
    """Alt text for a chart of one value per label and series (bars or lines). Up to ``limit`` values are
    listed one by one, more are summarised; ``limit=None`` lists every value (the chart's values record)."""
    labels = [str(x) for x in labels]
    n_values = len(labels) * len(series)
    if limit is None:
        limit = n_values
    parts = [f"{kind}: {_clean_title(title)}."]
    if n_values > limit and stacked and len(labels) <= limit:
        sums = [sum(v for v in vals if v == v) for vals in zip(*series.values())]
        parts.append(
            f"Serier: {', '.join(series)}. Summa per stapel: "
            + ", ".join(f"{lab} {_value(s, unit, decimals)}" for lab, s in zip(labels, sums))
            + "."
        )
        series = {}
    for name, values in series.items():
        pairs = [(lab, v) for lab, v in zip(labels, values) if v is not None and v == v]
        if not pairs:
            parts.append(f"{name}: inga värden.")
        elif n_values > limit and len({v for _, v in pairs}) == 1:
            parts.append(f"{name}: {_value(pairs[0][1], unit, decimals)} för alla {len(pairs)}.")
        elif n_values <= limit:
            parts.append(f"{name}: " + ", ".join(f"{lab} {_value(v, unit, decimals)}" for lab, v in pairs) + ".")
        else:
            hi = max(pairs, key=lambda p: p[1])
            lo = min(pairs, key=lambda p: p[1])
            parts.append(
                f"{name}: {len(pairs)} värden, högst {hi[0]} {_value(hi[1], unit, decimals)}, "
                f"lägst {lo[0]} {_value(lo[1], unit, decimals)}."
            )
    if n_values > limit:
        parts.append("Alla värden finns i tabellen på sidan.")
    return " ".join(parts)


def describe_bridge(title: str, steps: list[tuple[str, float, str]], unit: str = "tkr", decimals: int = 0) -> str:
    """Alt text for a bridge: steps are (label, amount, kind 'start'|'step'|'end')."""
    text = [f"Vattenfallsdiagram: {_clean_title(title)}."]
    for label, amount, kind in steps:
        sign = kind not in ("start", "end")
        prefix = {"start": "Från", "end": "till"}.get(kind, "")
        text.append(
            f"{prefix} {label} {fmt.number(amount, decimals, sign=sign)} {unit}".strip()
            + ("," if kind != "end" else ".")
        )
    return " ".join(text)


LABEL_WIDTH = 38  # characters per line of a bar's name in a horizontal bar chart


def wrap(text: str, width: int) -> str:
    """Break a label or title between words into lines of at most ``width`` characters; never cut a word
    or drop text (a single word longer than the width stays whole)."""
    return "\n".join(textwrap.wrap(str(text), width, break_long_words=False, break_on_hyphens=False)) or str(text)


def _finish(fig, ax, title: str, source: str | None, ylabel: str | None, rect=(0, 0, 1, 1)):
    """The axis label in the image. Neither the title nor the source is drawn into the image: both travel
    with the figure (``fig.rapportbok_title``, ``fig.rapportbok_source``) and ``show`` writes the title as
    text above the chart and the source as linked text under it. As text the title wraps to the screen,
    so a phone shows the whole sentence without scrolling the chart sideways (issue #14)."""
    fig.rapportbok_title = title
    if ylabel:
        ax.set_ylabel(ylabel)
    fig.rapportbok_source = source
    fig.tight_layout(rect=rect)  # the one layout of the chart: it measures every text, a large part of its cost
    return fig


def _step(s) -> tuple[str, float, str]:
    """A bridge step as (label, amount, kind): from an object with label/amount/kind or a tuple."""
    if isinstance(s, tuple):
        return str(s[0]), float(s[1]), str(s[2])
    return str(s.label), float(s.amount), str(s.kind)


def _height_for(labels: list[str], bars: int = 1, extra: float = 1.6) -> float:
    """Figure height in inches for horizontal bars: each row as tall as its wrapped name or its bars
    need (a line of 8.5 pt text is about 0.15 in), plus room for the axis and its label."""
    return extra + sum(0.16 + max(0.17 * (lab.count("\n") + 1), 0.15 * bars) for lab in labels)


def waterfall(steps, title: str, source: str | None = None, unit: str = "tkr", decimals: int = 0, good: str = "up"):
    """A bridge, read from top to bottom: start and end as full bars, each named step floating from the
    running total (it may cross zero). Steps are objects with ``label``, ``amount`` and ``kind``
    ('start' | 'end' | anything else = a step) or tuples (label, amount, kind). The steps' names are
    written in full on the left, wrapped, never cut. ``good``: 'up' when a rising step is good (green;
    a grant) or 'down' when a falling step is (a deficit that measures reduce)."""
    rows = [_step(s) for s in steps]
    labels = [wrap(lab, LABEL_WIDTH) for lab, _, _ in rows]
    fig, ax = plt.subplots(figsize=(8, max(3.2, _height_for(labels))))
    running = 0.0
    ends = []
    for i, (_, amount, kind) in enumerate(rows):
        if kind in ("start", "end"):
            left, width, color, hatch = 0.0, amount, TOTAL, ""
            running = amount
        else:
            left, width = running, amount
            favourable = amount >= 0 if good == "up" else amount <= 0
            color, hatch = (POSITIVE, "//") if favourable else (NEGATIVE, "xx")
            running += amount
        ax.barh(i, width, left=left, color=color, hatch=hatch, edgecolor="black", linewidth=0.5, height=0.6)
        ends.append((left, left + width))
        ax.annotate(
            fmt.number(amount, decimals, sign=kind not in ("start", "end")),
            (max(left, left + width), i),
            ha="left",
            va="center",
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=8.5,
        )
    ax.set_yticks(range(len(rows)), labels, fontsize=8.5)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True, alpha=0.3)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.xaxis.set_major_formatter(fmt.axis_formatter(0))
    lo = min(min(a, b) for a, b in ends)
    hi = max(max(a, b) for a, b in ends)
    steps = [abs(a) for _, a, k in rows if k not in ("start", "end")]
    totals = [e for a, b in ends for e in (a, b) if e != 0.0] or [0.0]
    label = unit
    if lo >= 0 and steps and max(steps) < 0.1 * min(abs(t) for t in totals):
        # Small steps between large totals: the axis starts near the smallest total, so the steps can
        # be seen (as the old vertical bridge did); the axis label says so.
        grid = 10 ** math.floor(math.log10(3 * max(steps)))
        lo = max(0.0, math.floor((min(totals) - 3 * max(steps)) / grid) * grid)
        label = f"{unit} (axeln börjar vid {fmt.number(lo, 0)})"
    pad = 0.14 * (hi - min(lo, 0.0) or 1.0) if lo <= 0 else 0.14 * (hi - lo)  # room for the value after a bar
    ax.set_xlim(min(lo, 0.0) - (pad * 0.3 if lo < 0 else 0.0) if lo <= 0 else lo, hi + pad)
    fig.rapportbok_alt = fig.rapportbok_values = describe_bridge(title, rows, unit, decimals)
    ax.set_xlabel(label)
    return _finish(fig, ax, title, source, None)


def hbars(
    table,
    label_col: str,
    value_cols: list[str],
    title: str,
    source: str | None = None,
    unit: str = "tkr",
    decimals: int | None = None,
    values: bool = True,
    span: tuple[float, float] | None = None,
):
    """Horizontal bars, one row per label with its full name (wrapped, never truncated), one bar per
    value column; each bar's value is written after it. For many labels or long names. ``span``: the
    lowest and highest value the axis must show (the same scale for the parts of a split chart)."""
    decimals = (1 if unit == "mnkr" else 0) if decimals is None else decimals
    labels = [wrap(lab, LABEL_WIDTH) for lab in table[label_col].astype(str)]
    n = len(value_cols)
    fig, ax = plt.subplots(figsize=(8, max(2.6, _height_for(labels, bars=n))))
    height = 0.8 / n
    lo = hi = 0.0
    for k, col in enumerate(value_cols):
        vals = table[col].astype(float).tolist()
        pos = [i + (k - (n - 1) / 2) * height for i in range(len(table))]
        ax.barh(
            pos,
            [v if math.isfinite(v) else 0.0 for v in vals],
            height,
            label=col,
            color=COLORS[k % len(COLORS)],
            hatch=HATCHES[k % len(HATCHES)],
            edgecolor="black",
            linewidth=0.4,
        )
        for y, v in zip(pos, vals):
            if not math.isfinite(v):
                continue
            lo, hi = min(lo, v), max(hi, v)
            if values:
                ax.annotate(
                    fmt.number(v, decimals),
                    (v, y),
                    ha="left" if v >= 0 else "right",
                    va="center",
                    xytext=(3 if v >= 0 else -3, 0),
                    textcoords="offset points",
                    fontsize=7.5,
                )
    ax.set_yticks(range(len(table)), labels, fontsize=8.5)
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True, alpha=0.3)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.xaxis.set_major_formatter(fmt.axis_formatter(0 if unit != "mnkr" else 1))
    if span is not None:
        lo, hi = min(lo, span[0]), max(hi, span[1])
    width = (hi - lo) or 1.0
    ax.set_xlim(lo - (0.16 * width if lo < 0 else 0.0), hi + 0.16 * width)
    ax.set_xlabel(unit)
    if n > 1:
        ax.legend(
            frameon=False,
            fontsize=8.5,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.6 / fig.get_figheight()),
            ncol=min(n, 3),
        )
    described = (
        "Liggande stapeldiagram",
        title,
        table[label_col].tolist(),
        {c: table[c].astype(float).tolist() for c in value_cols},
        unit,
        decimals,
    )
    fig.rapportbok_alt = describe_series(*described)
    fig.rapportbok_values = describe_series(*described, limit=None)
    return _finish(fig, ax, title, source, None)


def grouped_bars(
    table,
    label_col: str,
    value_cols: list[str],
    title: str,
    source: str | None = None,
    unit: str = "tkr",
    stacked: bool = False,
    decimals: int | None = None,
    values: bool = False,
):
    """Bars per label, one series per value column (e.g. one per year). Labels are wrapped to fit
    their slot, never cut; ``values`` writes each bar's value above it. For many labels or long
    names use :func:`hbars`."""
    fig, ax = plt.subplots()
    n = len(value_cols)
    width = 0.8 / (1 if stacked else n)
    x = range(len(table))
    bottom = [0.0] * len(table)
    shown_decimals = (1 if unit == "mnkr" else 0) if decimals is None else decimals
    for k, col in enumerate(value_cols):
        vals = table[col].astype(float).fillna(0).tolist()
        pos = [i + (0 if stacked else (k - (n - 1) / 2) * width) for i in x]
        ax.bar(
            pos,
            vals,
            width,
            bottom=bottom if stacked else None,
            label=col,
            color=COLORS[k % len(COLORS)],
            hatch=HATCHES[k % len(HATCHES)],
            edgecolor="black",
            linewidth=0.4,
        )
        if values and not stacked:
            for p, v in zip(pos, table[col].astype(float).tolist()):
                if math.isfinite(v):
                    ax.annotate(
                        fmt.number(v, shown_decimals),
                        (p, v),
                        ha="center",
                        va="bottom" if v >= 0 else "top",
                        xytext=(0, 2 if v >= 0 else -2),
                        textcoords="offset points",
                        fontsize=7.5,
                    )
        if stacked:
            bottom = [b + v for b, v in zip(bottom, vals)]
    label_width = max(8, int(96 / max(len(table), 1)))
    ax.set_xticks(list(x), [wrap(v, label_width) for v in table[label_col].astype(str)], fontsize=8.5)
    ax.yaxis.set_major_formatter(fmt.axis_formatter(0))
    if min(bottom if stacked else [min(table[c].astype(float).fillna(0)) for c in value_cols]) >= 0:
        # Room above the bars for the legend, so it never covers a bar.
        ax.set_ylim(0, ax.get_ylim()[1] * (1 + 0.09 * n if not stacked else 1.15))
        ax.legend(frameon=False, fontsize=8.5, loc="upper left", ncol=min(n, 3))
    else:
        ax.legend(frameon=False, fontsize=8.5)
    kind = "Staplat stapeldiagram" if stacked else "Stapeldiagram"
    described = (
        kind,
        title,
        table[label_col].tolist(),
        {c: table[c].astype(float).tolist() for c in value_cols},
        unit,
        shown_decimals,
        stacked,
    )
    fig.rapportbok_alt = describe_series(*described)
    fig.rapportbok_values = describe_series(*described, limit=None)
    return _finish(fig, ax, title, source, unit)


def lines(
    table,
    x_col: str,
    value_cols: list[str],
    title: str,
    source: str | None = None,
    unit: str = "tkr",
    decimals: int = 0,
    legend_below: bool = False,
):
    """One line per value column over ``x_col``. ``legend_below``: the legend in two columns under the plot,
    so that it never hides a line (the figure grows with the number of series)."""
    n = len(value_cols)
    fig, ax = plt.subplots(figsize=(8, 4.2 + 0.22 * ((n + 1) // 2)) if legend_below else None)
    for k, col in enumerate(value_cols):
        ax.plot(table[x_col], table[col], marker="os^Dv"[k % 5], color=COLORS[k % len(COLORS)], label=col)
    ax.set_xticks(table[x_col].tolist(), [str(v) for v in table[x_col]])
    ax.yaxis.set_major_formatter(fmt.axis_formatter(decimals))
    if legend_below:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, frameon=False, fontsize=8)
    else:
        ax.legend(frameon=False, fontsize=8.5)
    described = (
        "Linjediagram",
        title,
        table[x_col].tolist(),
        {c: table[c].astype(float).tolist() for c in value_cols},
        unit,
        decimals,
    )
    fig.rapportbok_alt = describe_series(*described)
    fig.rapportbok_values = describe_series(*described, limit=None)
    return _finish(fig, ax, title, source, unit, (0, 0.05, 1, 1) if legend_below else (0, 0, 1, 1))


def show(fig, alt: str | None = None, source: str | None = None) -> None:
    """Display and close the chart with its Swedish alt text.

    The title (the sentence that states the finding, given when the chart was made) comes first, as text
    above the image (:func:`rapportbok.present.tables.chart_title`): it wraps to any screen, and the PDF,
    printed from the page, shows it once. The alt text travels in the output's metadata (``image/png`` -> ``alt``); the book's MyST-NB
    renderer (rapportbok.publish.mystnb) writes it into the page's ``<img alt>``. A chart without alt text
    is an error: every chart must say what it shows. The source (``source`` or the one given when the
    chart was made) follows as text under the image: readable, selectable and with links.
    """
    from IPython.display import display

    alt = alt or getattr(fig, "rapportbok_alt", None)
    if not alt:
        plt.close(fig)
        raise ValueError("Diagrammet saknar alt-text (beskrivning för skärmläsare).")
    source = source or getattr(fig, "rapportbok_source", None)
    title = getattr(fig, "rapportbok_title", None)
    if title:
        display(tables.chart_title(title))
    display(fig, metadata={"image/png": {"alt": alt}})
    plt.close(fig)
    record_values(title, getattr(fig, "rapportbok_values", None) or alt)
    if source:
        display(tables.chart_source(source))


def values_key(title: str | None, values: str) -> str:
    """The glue name of a chart's values record: the same chart gives the same name on every build."""
    return "diagram_" + hashing.Digest().text("diagram", f"{title}\n{values}").hexdigest()[:16]


def record_values(title: str | None, values: str) -> None:
    """Every value the chart shows, as a text output of the notebook (a glue value, shown nowhere).

    nbval compares text outputs but skips images: without this record a chart's values, which are often in
    no table (a group mean, a bridge's steps), could change and the strict nbval of book/ would still pass.
    ``values`` lists every value (the chart's ``rapportbok_values``, or its alt text where the chart was drawn
    by hand and the alt text names every value, as the risk map's does)."""
    display_mod.glue(values_key(title, values), f"{title}\n{values}" if title else values)
