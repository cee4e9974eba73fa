"""Analysis: what the book computes from validated tables; no reading, no page output.

Holds the computations of each subject (``budget``, ``budget_followup``, ``actionplan``,
``review``, ``risk``), the committee's position in a year (``position``, the input of the year
page's answer), the reconciliation of stated totals (``reconcile``) and the warnings that need a
computation (``consistency``). Functions take values (the stated tables, the stated facts, the
validated frames, the thresholds, the citations) and return values; nothing here reads a file.
Messages to the analyst are formatted with rapportbok.core.fmt.

May import: rapportbok.core, rapportbok.data (its models and pure helpers, never its readers).
"""
