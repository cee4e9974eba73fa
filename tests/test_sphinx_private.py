"""Libraries' private APIs: the build uses public extension points, and the private state of Sphinx it still needs
is in one module (rapportbok.publish.sphinx_private), read against one version that these tests hold it to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sphinx

from rapportbok.publish import sphinx_private

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rapportbok"

# What a use of a library's private API looks like in the package's code, and what it was.
PRIVATE = {
    r"from (sphinx|papermill|jupyter_book|nbclient|myst_nb|myst_parser|docutils|pydata_sphinx_theme|sphinx_book_theme)"
    r"[\w.]* import (?:[^\n]*,\s*)?\(?\s*_\w": "a private name imported from a library",
    r"papermill\.utils|merge_kwargs|remove_args": "papermill's internal helpers",
    r"jupyter_book\.sphinx|build_sphinx": "jupyter-book's build function patched",
    r"_write_doc_doctree_cache|_precvsWaiting|_join_one": "Sphinx's private caches and queues",
    r"\bapp\.parallel\b|ParallelTasks\s*=": "Sphinx's parallel processes changed",
    r"env\.tocs\.update|env\.toctree_includes\s*=": "Sphinx's tables of contents swapped",
    r"locale\.translators|\._catalog\b": "Sphinx's loaded message catalogues changed",
    r"_resolve_toctree": "Sphinx's private toctree resolver",
    r"\._root_object\b": "pypdf's private root object",
}


def test_sphinx_is_the_version_its_private_state_was_read_against():
    """Fails on an upgrade of Sphinx, naming both versions, until sphinx_private.py has been read again."""
    assert sphinx_private.unchecked() is None, sphinx_private.unchecked()
    assert sphinx_private.ACTIVE


def test_the_message_names_both_versions(monkeypatch):
    monkeypatch.setattr(sphinx_private, "ACTIVE", False)
    monkeypatch.setattr(sphinx, "__version__", "8.0.0")
    message = sphinx_private.unchecked()
    assert "Sphinx 8.0.0 is installed" in message and f"Sphinx {sphinx_private.CHECKED}" in message


def test_the_private_state_is_where_it_was_read():
    """The four uses find what they reach for in the installed Sphinx (a renamed attribute would make them no-ops)."""
    import sphinx.builders
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment
    from sphinx.util.parallel import ParallelTasks

    tasks = ParallelTasks(2)
    assert isinstance(tasks._precvsWaiting, dict) and callable(tasks._join_one)
    assert (
        sphinx.builders.ParallelTasks is ParallelTasks or sphinx.builders.ParallelTasks is sphinx_private.BoundedTasks
    )
    assert "_write_doc_doctree_cache" in BuildEnvironment.__init__.__code__.co_names or hasattr(
        BuildEnvironment, "_write_doc_doctree_cache"
    )
    assert "parallel" in Sphinx.__init__.__code__.co_names
    assert {"tocs", "toctree_includes"} <= set(BuildEnvironment.__init__.__code__.co_names)


def test_switched_off_they_leave_sphinx_alone(monkeypatch):
    from types import SimpleNamespace

    monkeypatch.setattr(sphinx_private, "ACTIVE", False)
    app = SimpleNamespace(parallel=3, env=SimpleNamespace(_write_doc_doctree_cache={"a": 1}))
    sphinx_private.read_serially(app)
    sphinx_private.release_doctrees(app)
    assert app.parallel == 3 and app.env._write_doc_doctree_cache == {"a": 1}


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_other_module_uses_a_private_api(path):
    if path.name == "sphinx_private.py":
        return
    text = path.read_text(encoding="utf-8")
    found = [what for pattern, what in PRIVATE.items() if re.search(pattern, text)]
    assert found == [], f"{path.relative_to(ROOT)}: {found} (put it in rapportbok/publish/sphinx_private.py)"


def test_the_swedish_interface_is_a_catalogue_in_locale_dirs(tmp_path):
    """Sphinx's documented way to change its messages: a catalogue in locale_dirs, read before its own."""
    from sphinx import locale

    from rapportbok.publish import site, sphinxext

    mo = sphinxext.write_catalogue(tmp_path)
    assert mo == tmp_path / "_locale" / "sv" / "LC_MESSAGES" / "sphinx.mo"
    translator, _ = locale.init([str(tmp_path / "_locale"), None], "sv", "sphinx", "rapportbok-test")
    assert translator.gettext("General Index") == "Register"  # ours, where Sphinx's says "Huvudindex"
    assert translator.gettext("Search") == "Sök"
    arguments = site.sphinx_arguments(tmp_path, tmp_path, 1)
    assert arguments[arguments.index("-D") + 1] == "locale_dirs=_locale"
