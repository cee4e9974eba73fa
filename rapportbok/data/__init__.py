"""Data: reading and checking the input files in data/, one module per kind of input.

Holds the file reader and its schemas (``schema``), the source register (``sources``), the
organisations (``organisations``), the registry of every input file and validation of data/
as a whole (``datasets``), the input files of each subject (``budget``, ``budget_followup``,
``actionplan``, ``risk``, ``review``, ``stated_figures``), the Kolada client and its store
(``kolada``) and the Excel round trip for measure follow-ups (``measure_workbook``). Every
problem is an :class:`~rapportbok.data.schema.Issue` naming file, row, column, value and
what was expected.

May import: rapportbok.core.
"""
