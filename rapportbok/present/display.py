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
