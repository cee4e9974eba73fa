"""Signs in words: what a computed change means for a reader, without a minus sign to decode.

The source tables store costs as negative and income as positive amounts, and the book keeps
them so. A computed change in such a table reads wrongly as a signed number (a cost rising from
−38 013 to −46 587 tkr is "−22,6 %"), so the reader-facing text says what happens instead:
"Kostnaden ökar med 8 574 tkr (22,6 %)". Net cost is shown as a positive amount with the word
"nettokostnad".
"""

from __future__ import annotations

from rapportbok.core import fmt


def change_words(post: str, prev, cur) -> str:
    """'Kostnaden ökar med 8 574 tkr (22,6 %)', 'Intäkten minskar med …', 'Oförändrad', or '' when not computable."""
    if fmt.is_missing(prev) or fmt.is_missing(cur):
        return ""
    prev, cur = float(prev), float(cur)
    diff = cur - prev
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
        return f"Ändras från {fmt.tkr(prev)} till {fmt.tkr(cur)}"
    return f"{noun} {verb} med {fmt.tkr(abs(diff))}{pct}"


def grant_change(prev_tkr, cur_tkr) -> tuple[str, str]:
    """A grant's (or any positive amount's) change in words: ('ökar', '11,2 mnkr (4,6 %)'), ('minskar', …),
    or ('', '') when unchanged: the direction as a verb, the size without a sign."""
    prev, cur = float(prev_tkr), float(cur_tkr)
    diff = cur - prev
    if diff == 0:
        return "", ""
    pct = f" ({fmt.pct(abs(diff) / abs(prev) * 100, 1)})" if prev != 0 else ""
    return ("ökar" if diff > 0 else "minskar"), f"{fmt.mnkr(abs(diff))}{pct}"


def net_cost(amount_tkr) -> str:
    """A net cost stored negative as a positive amount: −256 303 -> '256,3 mnkr (256 303 tkr)'."""
    if fmt.is_missing(amount_tkr):
        return fmt.MISSING
    v = float(amount_tkr)
    if v <= 0:
        return f"{fmt.mnkr(-v)} ({fmt.tkr(-v)})"
    return f"ett överskott på {fmt.mnkr(v)} ({fmt.tkr(v)})"  # a positive net "cost" is net income
