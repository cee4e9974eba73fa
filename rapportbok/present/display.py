"""Small display helpers shared by the chapters: inline numbers (glue) and Markdown text."""

from __future__ import annotations

from IPython.display import Markdown, display


class Plain(str):
    """A string whose repr is itself, so ``{glue:text}`` pastes it without quotes."""

    def __repr__(self) -> str:  # noqa: D105
        return str(self)


def glue(name: str, text: str) -> None:
    """Store an inline value for the page (a Swedish-formatted string), shown nowhere else."""
    from myst_nb import glue as _glue

    _glue(name, Plain(text), display=False)


def md(text: str) -> None:
    display(Markdown(text))


def _fence(text: str, char: str = "`", least: int = 3) -> int:
    import re

    runs = [len(m) for m in re.findall(re.escape(char) + "+", text)]
    return max([least - 1, *runs]) + 1


def dropdown(title: str, body: str = "", table=None, css_class: str = "rapportbok-avstamning") -> None:
    """A section folded away on the web (a MyST ``{dropdown}``, shown open in the PDF).

    ``title`` and ``body`` are MyST text that the caller has built with rapportbok.core.escape
    (data text through ``escape.md_text``); ``table`` is the output of rapportbok.present.tables
    (``show``/``note``), where every data text is HTML-escaped. It is placed with a ``{raw} html`` block whose fence is longer
    than any backtick run in it, inside a dropdown whose fence is longer still.
    """
    html = table.data if table is not None else ""
    inner = "`" * _fence(html + body)
    outer = "`" * (len(inner) + 1)
    parts = [outer + "{dropdown} " + " ".join(title.split()), ":class-container: " + css_class, ""]
    if body:
        parts += [body, ""]
    if html:
        # A table brings its own sideways-scrolling box (rapportbok.present.tables), so the page never scrolls.
        parts += [inner + "{raw} html", html, inner]
    parts.append(outer)
    md("\n".join(parts))
