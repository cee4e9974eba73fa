"""rapportbok: a reproducible report book for the economics of a Swedish socialnämnd.

The package follows the pipeline, one subpackage per stage, imports pointing one way
(tests/test_architecture.py enforces it; ARCHITECTURE.md draws it)::

    core <- data <- analysis <- present <- chapters <- publish <- cli

The notebooks in ``notebooks/`` are thin MyST Markdown templates that call into the chapters;
``rapportbok.publish.build`` executes them into ``book/`` and builds the site.
"""

__version__ = "0.1.0"
