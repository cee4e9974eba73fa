"""Charts: matplotlib with the same Swedish formatter as tables and text, colour-blind-safe colours."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg") if matplotlib.get_backend().lower() == "agg" else None
import matplotlib.pyplot as plt

from rapportbok import fmt

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
    }
)


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
    return _finish(fig, ax, title, source, unit)


def grouped_bars(table, label_col: str, value_cols: list[str], title: str, source: str | None = None,
                 unit: str = "tkr", stacked: bool = False):
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
    ax.legend(frameon=False, fontsize=8.5)
    return _finish(fig, ax, title, source, unit)


def lines(table, x_col: str, value_cols: list[str], title: str, source: str | None = None, unit: str = "tkr",
          decimals: int = 0):
    fig, ax = plt.subplots()
    for k, col in enumerate(value_cols):
        ax.plot(table[x_col], table[col], marker="os^Dv"[k % 5], color=COLORS[k % len(COLORS)], label=col)
    ax.set_xticks(table[x_col].tolist(), [str(v) for v in table[x_col]])
    ax.yaxis.set_major_formatter(fmt.axis_formatter(decimals))
    ax.legend(frameon=False, fontsize=8.5)
    return _finish(fig, ax, title, source, unit)


def show(fig) -> None:
    """Display and close, so the notebook output is the image alone (no '<Figure ...>' text)."""
    from IPython.display import display

    display(fig)
    plt.close(fig)
