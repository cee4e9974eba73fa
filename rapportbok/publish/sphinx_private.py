"""Every use of Sphinx's private state, in one place, read against one version of Sphinx.

The site's extension (rapportbok.publish.sphinxext) uses Sphinx's public events and API wherever one exists.
Four things it does have none; each is here, with what it does and what it touches:

1. **Read in one process, write in several** (``app.parallel``, not part of the API): with ``-j N`` Sphinx would
   also read in parallel, pickling each process's environment back and merging it, which was slower in every
   measurement; :func:`read_serially` has it read in one and :func:`write_in_parallel` gives the processes back
   for writing (handbook, history: the site at 290 organisations).
2. **The writers' queue held short** (:class:`BoundedTasks`, over ``ParallelTasks._precvsWaiting`` and
   ``_join_one``, put in place of ``sphinx.builders.ParallelTasks``): Sphinx's own queues every chunk of pages at
   once, and the main process then holds most of the resolved site in memory.
3. **Doctrees released after reading** (``env._write_doc_doctree_cache``): Sphinx keeps every page it has read in
   memory until it writes it (at 290 organisations well over a gigabyte); released, each is read back from the
   pickle Sphinx writes anyway.
4. **A sidebar of one organisation** (:func:`swapped_tocs`: ``env.tocs`` and ``env.toctree_includes`` replaced
   while a page's sidebar is resolved): Sphinx's own resolves every organisation's part for every page, which is
   quadratic in the number of organisations.

:data:`CHECKED` is the version of Sphinx they were read against. With another version installed none of them is
used (:data:`ACTIVE`): Sphinx reads and writes as it does by itself, keeps its doctrees, and every page's sidebar
lists the whole book (slower and larger at 290 organisations; never wrong). ``tests/test_sphinx_private.py``
fails, naming both versions, until someone has read each of the four against the new version and updated
:data:`CHECKED`.
"""

from __future__ import annotations

import contextlib
import gc
import time

import sphinx
from sphinx import builders as sphinx_builders
from sphinx.util.parallel import ParallelTasks

CHECKED = "7.4.7"  # the Sphinx these were read against (requirements.txt pins it)
ACTIVE = sphinx.__version__ == CHECKED
WRITE_JOBS_ATTR = "rapportbok_write_jobs"  # on the Sphinx application: the processes asked for, kept for writing


def unchecked() -> str | None:
    """Why the private uses are switched off (a message naming both versions), or None when they are on."""
    if ACTIVE:
        return None
    return (
        f"Sphinx {sphinx.__version__} is installed, but rapportbok/publish/sphinx_private.py was read against "
        f"Sphinx {CHECKED}: its four uses of Sphinx's private state are switched off. Read each against "
        f"Sphinx {sphinx.__version__}, then set CHECKED."
    )


# -- 1 and 2: read in one process, write in several -------------------------------------------------------------


def read_serially(app) -> None:
    """builder-inited: with more than one process, read the pages in one; the processes are kept for writing."""
    if ACTIVE and app.parallel > 1:
        setattr(app, WRITE_JOBS_ATTR, app.parallel)
        app.parallel = 1


class BoundedTasks(ParallelTasks):
    """Sphinx's ParallelTasks, with ``add_task`` returning once the task has started.

    Sphinx's own returns at once. The main process then resolves every chunk of pages while the writers work
    through them (the last queued first), and holds every resolved page until its chunk is written: at 290
    organisations most of the site was in memory at once. Here it holds the chunks being written and the one
    it resolves next, and the writers still always find a chunk waiting (resolving is the lighter step).
    """

    def add_task(self, task_func, arg=None, result_func=None) -> None:
        super().add_task(task_func, arg, result_func)
        while getattr(self, "_precvsWaiting", None):  # Sphinx 7.4's queue of tasks not yet started
            if not self._join_one():
                time.sleep(0.02)


def write_in_parallel(app, env) -> None:
    """env-updated: Sphinx writes pages in ``parallel - 1`` forked processes while the main process resolves the
    next pages' doctrees; nothing is merged back but the log. The main process resolves no further ahead than
    the writers take the pages (:class:`BoundedTasks`), and what it holds is frozen for the garbage collector
    first (``gc.freeze``): the writers are forked, and a collection in them would touch, and so copy, every page
    of the heap (at 100 organisations the site's peak memory with three processes went from 669 to 533 MB)."""
    jobs = getattr(app, WRITE_JOBS_ATTR, None)
    if ACTIVE and jobs:
        app.parallel = jobs
        if sphinx_builders.ParallelTasks is ParallelTasks:  # the name Builder._write_parallel looks up
            sphinx_builders.ParallelTasks = BoundedTasks
        gc.collect()
        gc.freeze()


# -- 3: doctrees released after reading ------------------------------------------------------------------------


def release_doctrees(app, *args) -> None:
    """source-read and env-updated: drop the pages Sphinx (7.2 and later, reading in one process) keeps in memory
    until it writes them; each is read back from its pickle when its turn comes (the same tree), as Sphinx
    itself does after reading in parallel."""
    cache = getattr(app.env, "_write_doc_doctree_cache", None) if ACTIVE else None
    if isinstance(cache, dict):
        cache.clear()


# -- 4: the sidebar of one organisation -------------------------------------------------------------------------


@contextlib.contextmanager
def swapped_tocs(env, tocs: dict, includes: dict | None):
    """For the duration, ``env.tocs`` has ``tocs`` in place of its own and ``env.toctree_includes`` is
    ``includes`` (unless None); restored afterwards. (Sphinx copies a table of contents before it changes it,
    so the swapped-in ones stay as they are for the next page.) Sphinx looks up a page's ancestors by walking
    every include of the book, on every call: the scoped includes keep that to the organisation's pages."""
    saved = {doc: env.tocs[doc] for doc in tocs}
    saved_includes = env.toctree_includes
    env.tocs.update(tocs)
    if includes is not None:
        env.toctree_includes = includes
    try:
        yield
    finally:
        env.tocs.update(saved)
        env.toctree_includes = saved_includes
