"""The thresholds of a material deviation against budget (organisation.yml: ``vasentlig_avvikelse``), as a value.

organisation.yml is read by :mod:`rapportbok.data.config`; the analysis gets the organisation's
:class:`Thresholds` as a value (``Org.thresholds``) and never reads the file itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rapportbok.core import fmt


@dataclass(frozen=True)
class Thresholds:
    """When a deviation against budget is material (organisation.yml: vasentlig_avvikelse)."""

    tkr: float = 500.0
    procent: float = 2.0
    villkor: str = "någon"  # "någon": either threshold; "båda": both
    from_file: bool = False

    def text(self) -> str:
        join = "eller" if self.villkor == "någon" else "och"
        return (
            f"minst {fmt.tkr(self.tkr)} {join} minst {fmt.pct(self.procent, 1 if self.procent % 1 else 0)} av budgeten"
        )

    def is_material(self, avvikelse_tkr, avvikelse_pct) -> bool:
        """``avvikelse_tkr`` in tkr (None/NaN: not material); ``avvikelse_pct`` None/NaN where the budget is 0
        (only the tkr threshold can apply)."""
        if avvikelse_tkr is None:
            return False
        a = float(avvikelse_tkr)
        if math.isnan(a):
            return False
        by_tkr = abs(a) >= self.tkr
        p = float("nan") if avvikelse_pct is None else float(avvikelse_pct)
        if math.isnan(p):
            return by_tkr
        by_pct = abs(p) >= self.procent
        return (by_tkr or by_pct) if self.villkor == "någon" else (by_tkr and by_pct)


DEFAULT_THRESHOLDS = Thresholds()
