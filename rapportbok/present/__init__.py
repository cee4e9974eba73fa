"""Present: how a number, a table or a chart looks to the reader.

Holds tables in HTML with their caption and source line (``tables``), charts with Swedish
axes and alt text (``charts``), the CSV and Excel downloads of every table (``downloads``)
and inline numbers and Markdown for pages (``display``).

May import: rapportbok.core, rapportbok.data, rapportbok.analysis.
"""


def warm_up() -> None:
    """Make the presentation's first use ahead of the notebooks, in a kernel started ahead (rapportbok.publish.build,
    KERNEL_WARM): the libraries a first table, download, inline value and chart load (pandas' Styler and its
    templates, openpyxl, myst-nb's glue, the Swedish hyphenation dictionary, matplotlib's fonts and PNG writer),
    about a quarter of a first chapter's time. Nothing is shown, kept or written: no page state, no figure left
    open, no file (the chart is drawn into memory)."""
    import io

    import pandas as pd
    from matplotlib.figure import Figure

    from rapportbok.core import fmt
    from rapportbok.present import downloads, tables

    frame = pd.DataFrame({"Verksamhetsområde": ["Ekonomiskt bistånd"], "Belopp": [-1234.5]})
    tables.warm_up()
    downloads.to_xlsx(frame, {}, "Tabell", None)
    fig = Figure(figsize=(2, 1))
    ax = fig.subplots()
    ax.barh(frame["Verksamhetsområde"], frame["Belopp"])
    ax.axvline(0)
    ax.set_title(fmt.tkr(-1234.5, 1))
    fig.savefig(io.BytesIO(), format="png")
    # myst-nb's glue (rapportbok.present.display.glue) loads its module, nbformat and jsonschema on its first call.
    from myst_nb.ext.glue import glue  # noqa: F401
