"""Publish: from templates and data to book/, the site and the PDFs.

Holds the build (``build``: plan, staging, swap), the chapter templates' conversion
(``templates``), what a notebook depends on and its input hash (``inputs``), an executed notebook as
book/ keeps it (``notebook``), the notebook executor on reused kernels (``executor``), the build stamp
(``stamp``), the site build (``site``: jupyter-book's configuration and Sphinx, incremental in a workspace),
the Sphinx and MyST-NB extensions of the site (``sphinxext``, ``mystnb``; Sphinx's private state only in
``sphinx_private``), the PDF (``pdf``, ``pdf.css``) and the Chromium it is printed with (``chromium``), and the
national edition built in parts and merged (``shards``).

May import: every earlier stage (core, data, analysis, present, chapters).
"""
