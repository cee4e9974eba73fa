"""The book's MyST-NB renderer: the default one, plus alt text for chart images.

MyST-NB reads image options only from cell metadata (one alt text per cell) and, from the
output, only width and height. A chart's alt text depends on the data, so rapportbok.present.charts
stores it in the output's metadata (``{"image/png": {"alt": ...}}``); this renderer copies it
onto the ``<img>``.

Each chart image is put in a box of its own (``div.output.rapportbok-diagram``): on a phone the
image keeps a readable size and the box scrolls sideways, not the page (_static/rapportbok.css).
As a ``.cell_output > .output`` the theme makes the box reachable with the keyboard when it
scrolls (tabindex 0). Registered as the entry point ``myst_nb.renderers: rapportbok`` and chosen
in _config.yml with ``nb_render_plugin: rapportbok``.
"""

from __future__ import annotations

from docutils import nodes as dn
from myst_nb.core.render import MimeData, NbElementRenderer

CHART_CLASS = "rapportbok-diagram"


class Renderer(NbElementRenderer):
    def render_image(self, data: MimeData):
        nodes = super().render_image(data)
        alt = (data.output_metadata.get(data.mime_type) or {}).get("alt")
        if alt:
            for node in nodes:
                node["alt"] = str(alt)
        return [dn.container("", *nodes, classes=["output", CHART_CLASS])]
