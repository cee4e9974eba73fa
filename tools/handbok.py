"""The handbook (handbok/): build it with strict warnings, and place it beside the book's site.

    python tools/handbok.py bygg      # make handbok: build handbok/ strictly into _build/handbok/ and, when
                                      # the book's site is built, copy it to _build/html/handbok/

The book's own build (``rapportbok bygg``) builds and places the handbook too, without strict warnings
(rapportbok.publish.handbook); this command is the strict check that ``make test`` runs as well
(tests/test_handbok.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapportbok.publish import handbook  # noqa: E402


def build(root: Path = ROOT, out: Path | None = None) -> subprocess.CompletedProcess:
    """Build ``root``'s handbook with strict warnings (``-W -n --keep-going``) into ``out`` (default its cache)."""
    src = handbook.source(root)
    if src is None:
        raise SystemExit(f"Fel: {root / handbook.FOLDER} saknar _config.yml eller _toc.yml.")
    out = out or root / handbook.CACHE
    return subprocess.run(handbook.command(src, out, strict=True), capture_output=True, text=True, check=False)


def main(argv: list[str]) -> int:
    if argv != ["bygg"]:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    proc = build()
    if proc.returncode != 0:
        print(proc.stdout + proc.stderr, file=sys.stderr)
        print("Fel: handboken byggdes inte utan varningar (se ovan).", file=sys.stderr)
        return 1
    site = ROOT / "_build" / "html"
    where = handbook.html(ROOT / handbook.CACHE)
    if (site / "index.html").is_file():
        where = handbook.place(ROOT / handbook.CACHE, site)
    print(f"Handboken är byggd: {where / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
