"""The site with more than one process (rapportbok.publish.sphinx_private.read_serially, write_in_parallel).

A small SYNTHETIC Sphinx book (reStructuredText, no theme) built with one process and with three: Sphinx must
read the pages in one process (no environment merged back from others), write them in forked processes, and
write exactly the same HTML as with one process.
"""

from __future__ import annotations

import gc
import os
import sys

import pytest

sphinx_app = pytest.importorskip("sphinx.application")

from sphinx.util.parallel import parallel_available  # noqa: E402

pytestmark = pytest.mark.skipif(
    not parallel_available or not sys.platform.startswith("linux"),
    reason="Sphinx writes in parallel only where it can fork",
)

RECORDER = """
import os

from rapportbok.publish import sphinx_private


def _merged(app, env, docnames, other):
    with open(os.path.join(app.srcdir, "merged.txt"), "a", encoding="utf-8") as f:
        f.write("merged\\n")


def _page(app, pagename, templatename, context, doctree):
    with open(os.path.join(app.outdir, "..", f"pid-{os.getpid()}.txt"), "a", encoding="utf-8") as f:
        f.write(pagename + "\\n")


def setup(app):
    app.connect("builder-inited", sphinx_private.read_serially)
    app.connect("env-updated", sphinx_private.write_in_parallel)
    app.connect("env-merge-info", _merged)
    app.connect("html-page-context", _page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
"""


def _book(src) -> None:
    src.mkdir(parents=True, exist_ok=True)
    (src / "recorder.py").write_text(RECORDER, encoding="utf-8")
    (src / "conf.py").write_text(
        "import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\n"
        "extensions = ['recorder']\nexclude_patterns = ['_build']\n",
        encoding="utf-8",
    )
    pages = [f"sida{i:02d}" for i in range(59)]
    (src / "index.rst").write_text(
        "Syntetisk bok\n=============\n\n.. toctree::\n\n" + "".join(f"   {p}\n" for p in pages), encoding="utf-8"
    )
    for p in pages:
        (src / f"{p}.rst").write_text(
            f"Sida {p}\n{'=' * (5 + len(p))}\n\nText med **fetstil**.\n\nAvsnitt\n-------\n\nSe :doc:`index`.\n",
            encoding="utf-8",
        )


def _build(tmp_path, name: str, parallel: int) -> tuple[dict[str, bytes], list, bool]:
    src, out = tmp_path / name, tmp_path / f"{name}-out"
    _book(src)
    app = sphinx_app.Sphinx(
        str(src),
        str(src),
        str(out / "html"),
        str(out / "doctrees"),
        "html",
        status=None,
        warning=None,
        freshenv=True,
        parallel=parallel,
    )
    app.build()
    html = {p.relative_to(out / "html").as_posix(): p.read_bytes() for p in (out / "html").rglob("*.html")}
    writers = [p for p in out.glob("pid-*.txt")]
    return html, writers, (src / "merged.txt").exists()


def test_three_processes_read_in_one_write_in_others_and_give_the_same_html(tmp_path, monkeypatch):
    import sphinx.builders

    from rapportbok.publish import sphinx_private

    monkeypatch.setattr(sphinx.builders, "ParallelTasks", sphinx.builders.ParallelTasks)  # restored afterwards
    waiting = []
    add_task = sphinx_private.BoundedTasks.add_task

    def recording(self, *args, **kwargs):
        add_task(self, *args, **kwargs)
        waiting.append(len(self._precvsWaiting))

    monkeypatch.setattr(sphinx_private.BoundedTasks, "add_task", recording)
    one, one_writers, _ = _build(tmp_path, "en", 1)
    try:
        three, three_writers, merged = _build(tmp_path, "tre", 3)
    finally:
        gc.unfreeze()  # write_in_parallel froze this process's objects for the forked writers
    assert len(waiting) >= 3 and set(waiting) == {0}  # every chunk had started before the next was resolved
    assert not merged  # read in one process: no environment merged back
    assert len(one_writers) == 1 and one_writers[0].name == f"pid-{os.getpid()}.txt"
    assert any(p.name != f"pid-{os.getpid()}.txt" for p in three_writers)  # pages written by forked processes
    assert sorted(n for p in three_writers for n in p.read_text(encoding="utf-8").split()) == sorted(
        n for n in one_writers[0].read_text(encoding="utf-8").split()
    )  # every page written once
    assert len(one) == 62 and one == three  # 60 pages, the index and the search page
