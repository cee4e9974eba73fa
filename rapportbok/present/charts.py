"""Charts: matplotlib with the same Swedish formatter as tables and text, colour-blind-safe colours."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg") if matplotlib.get_backend().lower() == "agg" else None
import matplotlib.pyplot as plt

from rapportbok.core import fmt

# Okabe–Ito: distinguishable with colour-blindness, distinct in grey print with the hatches below.
COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
HATCHES = ["", "//", "..", "xx", "\\\\", "oo", "--", "++"]
POSITIVE, NEGATIVE, TOTAL = "#009E73", "#D55E00", "#0072B2"

plt.rcParams.update(
    {
        "figure.figsize": (8, 4.2),
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


def describe_series(kind: str, title: str, labels: list, series: dict[str, list], unit: str | None = "tkr",
                    decimals: int = 0, stacked: bool = False) -> str:
    """Alt text for a chart of one value per label and series (bars or lines)."""
    labels = [str(x) for x in labels]
    n_values = len(labels) * len(series)
    parts = [f"{kind}: {_clean_title(title)}."]
    if n_values > ALT_LIST_LIMIT and stacked and len(labels) <= ALT_LIST_LIMIT:
        sums = [sum(v for v in vals if v == v) for vals in zip(*series.values())]
        parts.append(f"Serier: {', '.join(series)}. Summa per stapel: "
                     + ", ".join(f"{lab} {_value(s, unit, decimals)}" for lab, s in zip(labels, sums)) + ".")
        series = {}
    for name, values in series.items():
        pairs = [(lab, v) for lab, v in zip(labels, values) if v is not None and v == v]
        if not pairs:
            parts.append(f"{name}: inga värden.")
        elif n_values > ALT_LIST_LIMIT and len({v for _, v in pairs}) == 1:
            parts.append(f"{name}: {_value(pairs[0][1], unit, decimals)} för alla {len(pairs)}.")
        elif n_values <= ALT_LIST_LIMIT:
            parts.append(f"{name}: " + ", ".join(f"{lab} {_value(v, unit, decimals)}" for lab, v in pairs) + ".")
        else:
            hi = max(pairs, key=lambda p: p[1])
            lo = min(pairs, key=lambda p: p[1])
            parts.append(f"{name}: {len(pairs)} värden, högst {hi[0]} {_value(hi[1], unit, decimals)}, "
                         f"lägst {lo[0]} {_value(lo[1], unit, decimals)}.")
    if n_values > ALT_LIST_LIMIT:
        parts.append("Alla värden finns i tabellen på sidan.")
    return " ".join(parts)


def describe_bridge(title: str, steps: list[tuple[str, float, str]], unit: str = "tkr", decimals: int = 0) -> str:
    """Alt text for a bridge: steps are (label, amount, kind 'start'|'step'|'end')."""
    text = [f"Vattenfallsdiagram: {_clean_title(title)}."]
    for label, amount, kind in steps:
        sign = kind not in ("start", "end")
        prefix = {"start": "Från", "end": "till"}.get(kind, "")
        text.append(f"{prefix} {label} {fmt.number(amount, decimals, sign=sign)} {unit}".strip() + ("," if kind != "end" else "."))
    return " ".join(text)


def _finish(fig, ax, title: str, source: str | None, ylabel: str | None):
    ax.set_title(title, loc="left", fontsize=12)
    if ylabel:
        ax.set_ylabel(ylabel)
    if source:
        fig.text(0.01, 0.01, source, fontsize=7.5, color="#444444", ha="left", va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.06 if source else 0, 1, 1))
    return fig


def waterfall(steps, title: str, source: str | None = None, unit: str = "tkr", decimals: int = 0):
    """A bridge: start and end as full bars, each step floating from the running total."""
    fig, ax = plt.subplots()
    running = 0.0
    for i, s in enumerate(steps):
        if s.kind in ("start", "end"):
            bottom, height, color = 0.0, s.amount_tkr, TOTAL
            running = s.amount_tkr
        else:
            bottom, height = running, s.amount_tkr
            color = POSITIVE if s.amount_tkr >= 0 else NEGATIVE
            running += s.amount_tkr
        ax.bar(i, height, bottom=bottom, color=color, edgecolor="black", linewidth=0.5,
               hatch="" if s.kind in ("start", "end") else ("//" if s.amount_tkr >= 0 else "xx"))
        label = fmt.number(s.amount_tkr, decimals, sign=s.kind not in ("start", "end"))
        ax.annotate(label, (i, bottom + height if height >= 0 else bottom), ha="center", va="bottom",
                    xytext=(0, 2), textcoords="offset points", fontsize=8.5)
    ax.set_xticks(range(len(steps)), [s.label for s in steps], rotation=0, fontsize=8.5)
    ax.yaxis.set_major_formatter(fmt.axis_formatter(0))
    lows = [0.0]
    total = 0.0
    for s in steps:
        total = s.amount_tkr if s.kind in ("start", "end") else total + s.amount_tkr
        lows.append(total)
    start = steps[0].amount_tkr
    span = max(abs(s.amount_tkr) for s in steps if s.kind not in ("start", "end")) if len(steps) > 2 else start * 0.05
    low = min(v for v in lows[1:]) - 3 * span
    ax.set_ylim(max(0.0, low), max(lows) + 2 * span)
    fig.rapportbok_alt = describe_bridge(title, [(s.label, s.amount_tkr, s.kind) for s in steps], unit, decimals)
    return _finish(fig, ax, title, source, unit)


def grouped_bars(table, label_col: str, value_cols: list[str], title: str, source: str | None = None,
                 unit: str = "tkr", stacked: bool = False, decimals: int | None = None):
    """Bars per label, one series per value column (e.g. one per year)."""
    fig, ax = plt.subplots()
    n = len(value_cols)
    width = 0.8 / (1 if stacked else n)
    x = range(len(table))
    bottom = [0.0] * len(table)
    for k, col in enumerate(value_cols):
        values = table[col].astype(float).fillna(0).tolist()
        pos = [i + (0 if stacked else (k - (n - 1) / 2) * width) for i in x]
        ax.bar(pos, values, width, bottom=bottom if stacked else None, label=col, color=COLORS[k % len(COLORS)],
               hatch=HATCHES[k % len(HATCHES)], edgecolor="black", linewidth=0.4)
        if stacked:
            bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_xticks(list(x), table[label_col].tolist(), fontsize=8.5)
    ax.yaxis.set_major_formatter(fmt.axis_formatter(0))
    if min(bottom if stacked else [min(table[c].astype(float).fillna(0)) for c in value_cols]) >= 0:
        # Room above the bars for the legend, so it never covers a bar.
        ax.set_ylim(0, ax.get_ylim()[1] * (1 + 0.09 * n if not stacked else 1.15))
        ax.legend(frameon=False, fontsize=8.5, loc="upper left", ncol=min(n, 3))
    else:
        ax.legend(frameon=False, fontsize=8.5)
    kind = "Staplat stapeldiagram" if stacked else "Stapeldiagram"
    fig.rapportbok_alt = describe_series(kind, title, table[label_col].tolist(),
                                         {c: table[c].astype(float).tolist() for c in value_cols}, unit,
                                         (1 if unit == "mnkr" else 0) if decimals is None else decimals, stacked)
    return _finish(fig, ax, title, source, unit)


def lines(table, x_col: str, value_cols: list[str], title: str, source: str | None = None, unit: str = "tkr",
          decimals: int = 0):
    fig, ax = plt.subplots()
    for k, col in enumerate(value_cols):
        ax.plot(table[x_col], table[col], marker="os^Dv"[k % 5], color=COLORS[k % len(COLORS)], label=col)
    ax.set_xticks(table[x_col].tolist(), [str(v) for v in table[x_col]])
    ax.yaxis.set_major_formatter(fmt.axis_formatter(decimals))
    ax.legend(frameon=False, fontsize=8.5)
    fig.rapportbok_alt = describe_series("Linjediagram", title, table[x_col].tolist(),
                                         {c: table[c].astype(float).tolist() for c in value_cols}, unit, decimals)
    return _finish(fig, ax, title, source, unit)


def show(fig, alt: str | None = None) -> None:
    """Display and close the chart with its Swedish alt text.

    The alt text travels in the output's metadata (``image/png`` -> ``alt``); the book's MyST-NB
    renderer (rapportbok.publish.mystnb) writes it into the page's ``<img alt>``. A chart without alt text
    is an error: every chart must say what it shows.
    """
    from IPython.display import display

    alt = alt or getattr(fig, "rapportbok_alt", None)
    if not alt:
        plt.close(fig)
        raise ValueError("Diagrammet saknar alt-text (beskrivning för skärmläsare).")
    display(fig, metadata={"image/png": {"alt": alt}})
    plt.close(fig)
