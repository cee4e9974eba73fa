"""The Avstämning section of a chapter, folded away: one line says what the checks found.

Shared by the chapters. The section is a dropdown (closed on the web, open in the PDF) whose
title is the one-line summary (rapportbok.analysis.reconcile.summary_text): how many checks agree,
how many differ only by rounding, how many are the book's own removal of a double count and how
many are real mismatches. Inside: the method (text from the chapter's template), each finding
that is not plainly "stämmer" in plain words, and the table, with the citation once in its
source line instead of on every row.
"""

from __future__ import annotations

from rapportbok.analysis import reconcile
from rapportbok.core import escape
from rapportbok.present import display, tables

TITLE = ""


def show(findings: list[reconcile.Finding], uid: str, caption: str, method: str = "",
         notes: list[str] | None = None, drop: tuple[str, ...] = ()) -> None:
    """``method`` and ``notes`` are MyST text written by the book (data text already escaped)."""
    cited = reconcile.common_source([f.where for f in findings])
    t = reconcile.table(findings, cited).drop(columns=[c for c in drop if c in ("Enhet", "Var i källan")], errors="ignore")
    source = ("Källa: " + cited.removeprefix("Källa: ") + ". " if cited else "") + "Omräkningen är egen beräkning."
    html = tables.show(t, uid, caption, source) if findings else None
    items = ["- " + escape.md_text(reconcile.explain(f)) for f in reconcile.mismatches(findings)]
    body = [method] if method else []
    if items:
        body.append("**Det som inte stämmer exakt** (källan är inte ändrad; båda talen visas):\n\n" + "\n".join(items))
    body += list(notes or [])
    display.dropdown(TITLE + escape.md_text(reconcile.summary_text(findings)), "\n\n".join(body), html)
