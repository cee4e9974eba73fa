"""Data: reading and checking the input files in data/, one module per kind of input.

Holds the file reader and its schemas (``schema``), the source register (``sources``) and
citations as values (``citation``), the organisations (``organisations``) and their thresholds
(``thresholds``), the registry of every input file and validation of data/ as a whole
(``datasets``), the one model of every table a report states (``stated_tables``: the budget and
its follow-up are such tables), the input files of each subject (``budget``, ``actionplan``,
``risk``, ``review``, ``stated_figures``), the Kolada client and its store (``kolada``) and the
Excel round trips (``measure_workbook``, ``tables_workbook``). Every
problem is an :class:`~rapportbok.data.schema.Issue` naming file, row, column, value and
what was expected.

May import: rapportbok.core.
"""
