"""Analysis: what the book computes from validated tables; no reading, no page output.

Holds the computations of each subject (``budget``, ``budget_followup``, ``actionplan``,
``review``, ``risk``), the reconciliation of stated totals (``reconcile``) and the warnings
that need a computation (``consistency``). Functions take and return data frames and plain
values; messages to the analyst are formatted with rapportbok.core.fmt.

May import: rapportbok.core, rapportbok.data.
"""
