"""rapportbok: a reproducible report book for the economics of a Swedish socialnämnd.

The package holds all logic; the notebooks in ``notebooks/`` are thin narrative
templates that call into it, and ``rapportbok.publish.build`` executes them into ``book/``.
"""

__version__ = "0.1.0"
