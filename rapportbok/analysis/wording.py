"""Signs in words: what a computed change means for a reader, without a minus sign to decode.

The source tables store costs as negative and income as positive amounts, and the book keeps
them so. A computed change in such a table reads wrongly as a signed number (a cost rising from
−38 013 to −46 587 tkr is "−22,6 %"), so the reader-facing text says what happens instead:
"Kostnaden ökar med 8 574 tkr (22,6 %)". Net cost is shown as a positive amount with the word
"nettokostnad".
"""

from __future__ import annotations

from rapportbok.core import fmt


def change_words(post: str, prev, cur, unit: str = "tkr", decimals: int = 0) -> str:
    """'Kostnaden ökar med 8 574 tkr (22,6 %)', 'Intäkten minskar med …', 'Oförändrad', or '' when not computable;
    in the table's unit and printed decimals."""
    if fmt.is_missing(prev) or fmt.is_missing(cur):
        return ""
    prev, cur = float(prev), float(cur)
    diff = round(cur - prev, 9)
    if diff == 0:
        return "Oförändrad"
    pct = f" ({fmt.pct(abs(diff) / abs(prev) * 100, 1)})" if prev != 0 else ""
    if prev <= 0 and cur <= 0:  # a cost (or a net cost): more negative = larger cost
        noun = "Nettokostnaden" if "nettokostnad" in post.lower() else "Kostnaden"
        verb = "ökar" if cur < prev else "minskar"
    elif prev >= 0 and cur >= 0:
        low = post.lower()
        noun = "Intäkterna" if "intäkt" in low else ("Kommunbidraget" if "kommunbidrag" in low else "Beloppet")
        verb = "ökar" if cur > prev else "minskar"
    else:
        return f"Ändras från {fmt.unit(prev, unit, decimals)} till {fmt.unit(cur, unit, decimals)}"
    return f"{noun} {verb} med {fmt.unit(abs(diff), unit, decimals)}{pct}"


def grant_change(prev, cur, unit: str = "tkr", decimals: int = 0) -> tuple[str, str]:
    """A grant's (or any positive amount's) change in words: ('ökar', '11,2 mnkr (4,6 %)'), ('minskar', …),
    or ('', '') when unchanged: the direction as a verb, the size without a sign (in mnkr; a table in mnkr
    with its own decimals)."""
    prev, cur = float(prev), float(cur)
    diff = round(cur - prev, 9)
    if diff == 0:
        return "", ""
    pct = f" ({fmt.pct(abs(diff) / abs(prev) * 100, 1)})" if prev != 0 else ""
    return ("ökar" if diff > 0 else "minskar"), f"{money_short(abs(diff), unit, decimals)}{pct}"


def net_cost(amount, unit: str = "tkr", decimals: int = 0) -> str:
    """A net cost stored negative as a positive amount: −256 303 -> '256,3 mnkr (256 303 tkr)'."""
    if fmt.is_missing(amount):
        return fmt.MISSING
    v = float(amount)
    if v <= 0:
        return money(-v, unit, decimals, always_both=True)
    return f"ett överskott på {money(v, unit, decimals, always_both=True)}"  # a positive net "cost" is net income


def money(value, unit: str = "tkr", decimals: int = 0, always_both: bool = False) -> str:
    """An amount in its own unit and printed precision, for running text: in tkr (and kr) with its size in
    mnkr first, '256,3 mnkr (256 303 tkr)' (below 1 mnkr only in tkr, unless ``always_both``); in mnkr as
    stated, '158,5 mnkr'."""
    if fmt.is_missing(value):
        return fmt.MISSING
    v = float(value)
    if unit == "tkr":
        return f"{fmt.mnkr(v)} ({fmt.tkr(v, decimals)})" if always_both or abs(v) >= 1000 else fmt.tkr(v, decimals)
    if unit == "kr":
        return f"{fmt.mnkr(v / 1000)} ({fmt.unit(v, 'kr', decimals)})" if abs(v) >= 1e6 else fmt.unit(v, "kr", decimals)
    return fmt.unit(v, unit, decimals)


def money_short(value, unit: str = "tkr", decimals: int = 0) -> str:
    """An amount in mnkr for a short line: '256,3 mnkr' (a table in mnkr: with its own decimals)."""
    if fmt.is_missing(value):
        return fmt.MISSING
    if unit == "mnkr":
        return fmt.unit(value, "mnkr", decimals)
    return fmt.mnkr(float(value) * (0.001 if unit == "kr" else 1.0))
