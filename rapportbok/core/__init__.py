"""Core: the concepts every stage shares, with no knowledge of the book.

Holds where the project lives (``paths``), how an input file is opened (``inputs``: confined, no
link, a regular file, bounded, strict UTF-8) and what an id may be (``ids``), report periods (``periods``: tertial and month
ends, share of the year), money units (``units``: kr, tkr, mnkr) and the Swedish number,
unit and date format (``fmt``), which tables, charts, inline numbers and the analyst's
messages all use; and the build's speed mechanisms that the benchmark can switch off (``switches``).

May import: the standard library and third-party packages; nothing else of rapportbok.
"""
