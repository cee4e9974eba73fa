"""The Kolada metadata snapshot shipped with the package, for `rapportbok ny-organisation`.

``rapportbok/data/kolada_metadata/`` holds real metadata from Kolada (RKA), small enough to keep
in the repository and dated:

* ``kommuner.csv`` -- the 290 municipalities (the members of G2328, Alla kommuner) with their
  own "Liknande kommuner" groups for IFO, ekonomiskt bistånd and arbetsmarknad;
* ``nyckeltal.csv`` -- the standard key-figure set of the national edition with Kolada's titles,
  the area each belongs to and which direction counts as better;
* ``hamtning.yml`` -- where and when the snapshot was taken.

:func:`build` makes the snapshot from Kolada's records (the API's ``/municipality_groups`` and
``/kpi`` answers, or the same records read from the catalogue files in ``../shared/kolada/``);
:func:`refresh` fetches them from the API and writes the snapshot atomically.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rapportbok.core import journal, paths

SNAPSHOT_DIR = paths.KOLADA_METADATA_DIR
MUNICIPALITIES_FILE = "kommuner.csv"
KPIS_FILE = "nyckeltal.csv"
META_FILE = "hamtning.yml"

ALL_MUNICIPALITIES = "G2328"  # Alla kommuner (ovägt medel)
POPULATION_KPI = "N01951"  # Invånare totalt, antal

# The three similar-municipality groups every municipality has: area key -> title prefix in Kolada.
AREAS = {
    "ifo": "Liknande kommuner IFO",
    "ekonomiskt_bistand": "Liknande kommuner ekonomiskt bistånd",
    "arbetsmarknad": "Liknande kommuner arbetsmarknad",
}

# The standard key-figure set (ids checked against Kolada's catalogue, March 2026):
# id -> (area, direction that counts as better: lagre/hogre, or "" for the population).
STANDARD_KPIS: dict[str, tuple[str, str]] = {
    "N30101": ("individ- och familjeomsorg", "lagre"),  # Kostnad individ- och familjeomsorg, kr/inv
    "N30001": ("individ- och familjeomsorg", "lagre"),  # Nettokostnadsavvikelse individ- och familjeomsorg, (%)
    "N31001": ("ekonomiskt bistånd", "lagre"),  # Kostnad ekonomiskt bistånd, kr/inv
    "N31814": ("ekonomiskt bistånd", "lagre"),  # långvarigt ekonomiskt bistånd, andel (%)
    "N31807": ("ekonomiskt bistånd", "lagre"),  # invånare med ekonomiskt bistånd, andel (%)
    "N33001": ("barn och unga", "lagre"),  # Kostnad barn och ungdomsvård, kr/inv
    "N33007": ("barn och unga", "lagre"),  # Kostnad HVB barn och unga, kr/inv
    "N33008": ("barn och unga", "lagre"),  # Kostnad familjehemsvård barn och unga, kr/inv
    "N33009": ("barn och unga", "lagre"),  # Kostnad öppna insatser barn och unga, kr/inv
    "U33401": ("barn och unga", "lagre"),  # Utredningstid barn och unga, dagar, medelvärde
    "N40008": ("arbetsmarknad", "lagre"),  # Kostnad arbetsmarknadsåtgärder, kr/inv
    "U40455": ("arbetsmarknad", "hogre"),  # deltagare som börjat arbeta eller studera, andel (%)
    "N03937": ("arbetsmarknad", "lagre"),  # Öppet arbetslösa 18-65 år, andel (%)
    "N03952": ("arbetsmarknad", "lagre"),  # Långtidsarbetslösa 18-65 år, andel (%)
    POPULATION_KPI: ("befolkning", ""),  # Invånare totalt, antal (for förändringsutrymme)
}

MUNICIPALITY_COLUMNS = ["kommun_id", "namn"] + [f"{a}_{part}" for a in AREAS for part in ("grupp", "titel")]
KPI_COLUMNS = ["kpi", "titel", "omrade", "battre"]

_MUN = re.compile(r"^[0-9]{4}$")
_GROUP = re.compile(r"^G[0-9]+$")
_KPI = re.compile(r"^[A-Z][0-9]{5}$")
_TITLE_YEAR = re.compile(r",\s*((?:19|20)[0-9]{2})\s*$")


class SnapshotError(ValueError):
    """The snapshot or the records it is made from are not as expected (Swedish message)."""


@dataclass(frozen=True)
class Municipality:
    id: str
    name: str
    groups: dict[str, tuple[str, str]]  # area key -> (group id, title)


@dataclass(frozen=True)
class Snapshot:
    municipalities: dict[str, Municipality]  # id -> municipality, in code order
    kpis: dict[str, tuple[str, str, str]]  # id -> (title, area, direction)
    meta: dict[str, Any]

    def all_ids(self) -> list[str]:
        return list(self.municipalities)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or any(unicodedata.category(c) == "Cc" for c in value):
        raise SnapshotError(f"{what} {value!r} – förväntade en titel som text utan styrtecken.")
    return value.strip()


def fold(text: str) -> str:
    """Case- and diacritics-insensitive form of a name: 'Håbo' and 'habo' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("-", " ").strip()


# --- building ---------------------------------------------------------------------------------


def build(
    group_records: Iterable[dict[str, Any]], kpi_records: Iterable[dict[str, Any]], meta: dict[str, Any]
) -> Snapshot:
    """The snapshot from Kolada's group records (with members) and KPI records.

    Every member of G2328 must have one group per area (the latest year when Kolada has several);
    every standard KPI must be in ``kpi_records``. Raises :class:`SnapshotError` otherwise.
    """
    groups = list(group_records)
    by_id = {}
    for g in groups:
        if not isinstance(g, dict) or not isinstance(g.get("id"), str) or not _GROUP.match(g["id"]):
            raise SnapshotError(f"Kolada skickade en grupp med ogiltigt id: {str(g)[:80]!r} – förväntade t.ex. G2328.")
        by_id[g["id"]] = g
    everyone = by_id.get(ALL_MUNICIPALITIES)
    if everyone is None:
        raise SnapshotError(f"Gruppen {ALL_MUNICIPALITIES} (Alla kommuner) saknas i Koladas grupper.")
    names: dict[str, str] = {}
    for m in everyone.get("members") or []:
        mid = m.get("member_id") if isinstance(m, dict) else None
        if not isinstance(mid, str) or not _MUN.match(mid):
            raise SnapshotError(
                f"Gruppen {ALL_MUNICIPALITIES} har en medlem med ogiltigt id {mid!r} – förväntade fyra siffror."
            )
        names[mid] = _text(m.get("member_title"), f"Kommunen {mid}:s namn")
    if not names:
        raise SnapshotError(f"Gruppen {ALL_MUNICIPALITIES} har inga medlemmar.")
    by_name = {name: mid for mid, name in names.items()}

    found: dict[str, dict[str, tuple[int, str, str]]] = {mid: {} for mid in names}
    for g in groups:
        title = g.get("title")
        if not isinstance(title, str):
            continue
        for area, prefix in AREAS.items():
            if not title.startswith(prefix + ","):
                continue
            rest = title[len(prefix) + 1 :]
            m = _TITLE_YEAR.search(rest)
            if not m:
                continue
            mid = by_name.get(rest[: m.start()].strip())
            if mid is None:
                continue
            year = int(m.group(1))
            if area not in found[mid] or year > found[mid][area][0]:
                found[mid][area] = (year, g["id"], _text(title, f"Gruppen {g['id']}:s titel"))
    municipalities = {}
    for mid in sorted(names):
        missing = [AREAS[a] for a in AREAS if a not in found[mid]]
        if missing:
            raise SnapshotError(f"Kommunen {names[mid]} ({mid}) saknar gruppen {', '.join(missing)} i Koladas grupper.")
        municipalities[mid] = Municipality(mid, names[mid], {a: found[mid][a][1:] for a in AREAS})

    titles = {}
    for k in kpi_records:
        if isinstance(k, dict) and k.get("id") in STANDARD_KPIS:
            titles[k["id"]] = _text(k.get("title"), f"Nyckeltalet {k['id']}:s titel")
    missing_kpis = [k for k in STANDARD_KPIS if k not in titles]
    if missing_kpis:
        raise SnapshotError("Nyckeltalen " + ", ".join(missing_kpis) + " finns inte i Koladas katalog.")
    kpis = {k: (titles[k], area, d) for k, (area, d) in STANDARD_KPIS.items()}
    return Snapshot(municipalities, kpis, dict(meta))


def _csv(rows: list[list[str]], header: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write(snapshot: Snapshot, folder: Path = SNAPSHOT_DIR) -> list[Path]:
    """Write the snapshot's three files together (rapportbok.core.journal: all or none)."""
    mun_rows = [[m.id, m.name] + [x for a in AREAS for x in m.groups[a]] for m in snapshot.municipalities.values()]
    kpi_rows = [[k, *v] for k, v in snapshot.kpis.items()]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return journal.write(
        journal.writes(folder),
        {
            MUNICIPALITIES_FILE: _csv(mun_rows, MUNICIPALITY_COLUMNS),
            KPIS_FILE: _csv(kpi_rows, KPI_COLUMNS),
            META_FILE: yaml.safe_dump(snapshot.meta, allow_unicode=True, sort_keys=False),
        },
    )


# --- reading ----------------------------------------------------------------------------------


def load(folder: Path = SNAPSHOT_DIR) -> Snapshot:
    """The snapshot as shipped (or as last refreshed)."""
    try:
        with open(folder / MUNICIPALITIES_FILE, encoding="utf-8", newline="") as fh:
            mun_rows = list(csv.DictReader(fh))
        with open(folder / KPIS_FILE, encoding="utf-8", newline="") as fh:
            kpi_rows = list(csv.DictReader(fh))
        meta = yaml.safe_load((folder / META_FILE).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise SnapshotError(f"Koladas metadata i {folder} går inte att läsa: {err}") from err
    municipalities = {}
    for i, r in enumerate(mun_rows, start=2):
        mid = r.get("kommun_id") or ""
        if not _MUN.match(mid) or any(not _GROUP.match(r.get(f"{a}_grupp") or "") for a in AREAS):
            raise SnapshotError(
                f"{folder / MUNICIPALITIES_FILE}, rad {i}: {mid!r} – förväntade kommun-id och grupp-id."
            )
        municipalities[mid] = Municipality(mid, r["namn"], {a: (r[f"{a}_grupp"], r[f"{a}_titel"]) for a in AREAS})
    kpis = {}
    for i, r in enumerate(kpi_rows, start=2):
        if not _KPI.match(r.get("kpi") or ""):
            raise SnapshotError(
                f"{folder / KPIS_FILE}, rad {i}: {r.get('kpi')!r} – förväntade ett nyckeltals-id som N31001."
            )
        kpis[r["kpi"]] = (r["titel"], r["omrade"], r["battre"])
    return Snapshot(municipalities, kpis, meta)


def find(snapshot: Snapshot, query: str) -> Municipality:
    """A municipality by its four-digit code or its name (case and diacritics do not matter).

    Raises :class:`SnapshotError` naming the closest names when nothing matches.
    """
    q = (query or "").strip()
    if _MUN.match(q):
        if q in snapshot.municipalities:
            return snapshot.municipalities[q]
        raise SnapshotError(
            f"Kommunkoden {q} finns inte bland Koladas {len(snapshot.municipalities)} kommuner "
            "(koden har fyra siffror, t.ex. 1440 för Ale)."
        )
    wanted = re.sub(r"\s+(kommun|stad)$", "", fold(q))
    for form in (wanted, wanted[:-1] if wanted.endswith("s") else None):  # "Linköpings kommun", "Stockholms stad"
        hits = [m for m in snapshot.municipalities.values() if form and fold(m.name) == form]
        if len(hits) == 1:
            return hits[0]
    import difflib

    folded = {fold(m.name): m for m in snapshot.municipalities.values()}
    close = difflib.get_close_matches(wanted, list(folded), n=5, cutoff=0.6)
    close += [f for f in folded if wanted and f.startswith(wanted) and f not in close][: 5 - len(close)]
    hint = (
        "Liknande namn: " + ", ".join(f"{folded[c].name} ({folded[c].id})" for c in close) + "."
        if close
        else "Ange kommunens kod med fyra siffror, t.ex. 1440."
    )
    raise SnapshotError(f"Hittar ingen kommun som heter '{q}'. {hint}")


# --- sources ----------------------------------------------------------------------------------


def records_from_catalogue(groups_csv: Path, catalogue_tsv: Path) -> tuple[list[dict], list[dict]]:
    """Kolada's group and KPI records as the API gives them, from the catalogue files (../shared/kolada/)."""
    groups: dict[str, dict[str, Any]] = {}
    with open(groups_csv, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            g = groups.setdefault(r["group_id"], {"id": r["group_id"], "title": r["group_title"], "members": []})
            g["members"].append({"member_id": r["member_id"], "member_title": r["member_title"]})
    with open(catalogue_tsv, encoding="utf-8", newline="") as fh:
        kpis = [{"id": r["id"], "title": r["title"]} for r in csv.DictReader(fh, delimiter="\t")]
    return list(groups.values()), kpis


def refresh(client, folder: Path | None = None, now: _dt.datetime | None = None) -> Snapshot:
    """Fetch the groups and the standard KPIs from Kolada's API and write the snapshot.

    ``client`` is a :class:`rapportbok.data.kolada.KoladaClient`. Nothing is written unless
    every municipality has its three groups and every KPI is found.
    """
    now = now or _dt.datetime.now(_dt.UTC)
    with client.deadline_window():
        groups = client.municipality_groups()
        kpis = client.kpis(list(STANDARD_KPIS))
    meta = {
        "source": "Källa: Kolada (RKA), API v3: /municipality_groups och /kpi",
        "base_url": client.base_url,
        "fetched_at": now.isoformat(timespec="seconds"),
        "made_by": "rapportbok kolada metadata",
    }
    snap = build(groups, kpis, meta)
    write(snap, folder or SNAPSHOT_DIR)
    return snap
