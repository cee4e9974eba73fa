"""The build's speed mechanisms, each of which can be switched off to measure what it saves (`make bench`).

``RAPPORTBOK_UTAN`` names the mechanisms to switch off, separated by commas (:data:`MECHANISMS`). Only the
benchmark sets it (tools/bench.py, the A/B at N organisations): with any of them off the book is the same, only
built faster or slower (``tests/test_switches.py`` checks that). Standard library only: the build stamp reads it
before anything else is imported.

May import: the standard library only.
"""

from __future__ import annotations

import os

ENV = "RAPPORTBOK_UTAN"
MECHANISMS = {
    "statsignatur": "the build stamp's first check: one hash of every file's stat, no file read (publish.stamp)",
    "forvalidering": "the organisations validated in forked child processes before the build validates them "
    "(data.datasets.prevalidate)",
    "karnor": "notebooks executed one after the other on reused kernels, not a fresh kernel each (publish.executor)",
}


def off(name: str) -> bool:
    """Whether the mechanism ``name`` (a key of :data:`MECHANISMS`) is switched off."""
    if name not in MECHANISMS:
        raise KeyError(name)
    return name in {part.strip() for part in os.environ.get(ENV, "").split(",")}
