"""What the package remembers between calls, declared in one place: reset before each notebook.

The build runs many notebooks one after the other on the same kernel (rapportbok.publish.executor).
It does not import the package afresh for every notebook (compiling and executing some forty modules
cost about half a second per notebook); instead it calls :func:`reset` before each one, and every
module that keeps state between calls registers here how that state goes back to what a fresh import
gives:

- ``rapportbok.present.tables``: the chapter page whose tables are being shown;
- ``rapportbok.chapters.audit``: whether the Avstämning page is asking a chapter for its reconciliation;
- ``rapportbok.data.sources``: which register this notebook has looked up, and the source texts as
  read (the register itself, as read and checked, is kept: keyed by its whole content).

A module may also keep a cache that is *not* reset because its key covers everything its value
depends on (the content of the files it was computed from and the package's own code): it declares
that with :func:`kept`, so that ``tests/test_state.py`` can check that every piece of module state in
the package is one or the other. Examples: the validated input (rapportbok.data.datasets) and each
parsed kolada.yml (rapportbok.data.kolada).

May import: the standard library only.
"""

from __future__ import annotations

from collections.abc import Callable

_resets: dict[str, Callable[[], None]] = {}  # module name -> how to reset it (kept: see _kept)
_kept: dict[str, str] = {}  # module name -> why its cache is not reset


def register(module: str, reset_fn: Callable[[], None]) -> Callable[[], None]:
    """Declare that ``module`` keeps state between calls, and how :func:`reset` puts it back."""
    _resets[module] = reset_fn
    return reset_fn


def kept(module: str, why: str) -> None:
    """Declare that ``module`` keeps a cache on purpose: its key covers all its value depends on."""
    _kept[module] = why


def registered() -> dict[str, str]:
    """Every module that declared state: 'reset' or why it is kept."""
    return {**{m: "reset" for m in _resets}, **_kept}


def reset() -> None:
    """Put every registered module's state back to what a fresh import of the package gives."""
    for fn in list(_resets.values()):
        fn()
