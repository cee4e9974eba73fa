"""A new organisation from Kolada's metadata: `rapportbok ny-organisation --kommun 1440`.

Writes ``data/<slug>/organisation.yml`` and ``data/<slug>/kolada.yml`` for any of Sweden's 290
municipalities, from the snapshot in :mod:`rapportbok.data.kolada_snapshot`: the name and code,
"Socialnämnden" as the committee (the analyst edits it), the report years, the municipality's own
"Liknande kommuner" groups for IFO, ekonomiskt bistånd and arbetsmarknad, G2328 and the standard
key-figure set. Nothing is fetched here; `rapportbok kolada hamta` does that.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import yaml

from rapportbok.core import files, paths
from rapportbok.data import kolada_snapshot as snap

DEFAULT_COMMITTEE = "Socialnämnden"
DEFAULT_FIRST_YEAR = 2018
EARLIEST_YEAR = 1990  # the earliest report year (and Kolada year) the book takes


class ScaffoldError(ValueError):
    """The organisation cannot be created (Swedish message)."""


@dataclass(frozen=True)
class NewOrganisation:
    slug: str
    folder: Path
    municipality: snap.Municipality
    years: list[int]
    written: list[Path]


def slug_for(name: str) -> str:
    """'Upplands Väsby' -> 'upplands-vasby', 'Malung-Sälen' -> 'malung-salen' (a paths.SLUG)."""
    s = re.sub(r"[^a-z0-9]+", "-", snap.fold(name).replace("æ", "ae").replace("ø", "o")).strip("-")
    return paths.check_slug(s)


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def organisation_yml(slug: str, m: snap.Municipality, years: list[int]) -> str:
    head = (
        "# Organisation file: who this is and which report years the book covers.\n"
        "# Made by `rapportbok ny-organisation` from Kolada's metadata. 'namn' is the municipality's name as\n"
        "# Kolada writes it (write the official name if you like, e.g. Linköpings kommun, Stockholms stad);\n"
        "# check 'namnd' (the committee's name) and the years: each year's pages are built for its tertial\n"
        "# (3 = helår) or a date `per`.\n"
    )
    body = _dump({"slug": slug, "namn": m.name, "namnd": DEFAULT_COMMITTEE, "kolada_id": m.id})
    ar = "ar:\n" + "".join(f"  {y}: {{tertial: 3}}\n" for y in years)
    return head + body + ar


def kolada_yml(m: snap.Municipality, snapshot: snap.Snapshot, first_year: int) -> str:
    meta = snapshot.meta
    head = (
        f"# Kolada configuration for {m.name} (read by rapportbok.data.kolada), made by\n"
        "# `rapportbok ny-organisation` from the metadata snapshot in rapportbok/data/kolada_metadata/\n"
        f"# ({meta.get('source', 'Kolada')}, {meta.get('fetched_at', '')}).\n"
        "# groups: the municipality's own similar-municipality groups in Kolada and G2328 (all municipalities);\n"
        "# the value Kolada publishes for a group is its unweighted mean (Källa: Kolada).\n"
        "# all_municipalities: true also fetches every municipality, so that rank and percentile can be computed.\n"
    )
    kpis = "kpis:\n" + "".join(f'  - "{k}"  # {t}\n' for k, (t, _, _) in snapshot.kpis.items())
    groups = {snap.ALL_MUNICIPALITIES: "Alla kommuner (ovägt medel)"}
    groups.update({gid: title for gid, title in m.groups.values()})
    body = _dump(
        {
            "first_year": first_year,
            "municipalities": {m.id: m.name},
            "groups": groups,
            "all_municipalities": True,
            "battre": {k: d for k, (_, _, d) in snapshot.kpis.items() if d},
        }
    )
    return head + kpis + body


def create(
    query: str,
    data: Path | None = None,
    years: list[int] | None = None,
    slug: str | None = None,
    snapshot: snap.Snapshot | None = None,
    first_year: int = DEFAULT_FIRST_YEAR,
    today: _dt.date | None = None,
) -> NewOrganisation:
    """Create data/<slug>/ for the municipality ``query`` (code or name). Refuses an existing folder."""
    snapshot = snapshot or snap.load()
    m = snap.find(snapshot, query)
    try:
        slug = paths.check_slug(slug) if slug else slug_for(m.name)
        data = data or paths.data_dir()
        folder = paths.inside(data, slug)
    except paths.PathError as err:
        raise ScaffoldError(f"Mappnamnet: {err}") from err
    if slug in ("kallor", "kolada"):  # data/kallor/ (source texts) and data/kolada/ (the national Kolada store)
        raise ScaffoldError(f"Mappnamnet {slug} används redan av boken (data/{slug}/); välj ett annat med --mapp.")
    if folder.exists():
        raise ScaffoldError(
            f"Organisationen finns redan: {folder} finns. Inget har skrivits; "
            "ta bort mappen eller välj ett annat namn med --mapp."
        )
    clash = [
        p.parent.name
        for p in data.glob("*/organisation.yml")
        if re.search(rf'^kolada_id:\s*["\']?{m.id}["\']?\s*$', p.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    if clash:
        raise ScaffoldError(f"{m.name} ({m.id}) finns redan som organisation i data/{clash[0]}/. Inget har skrivits.")
    years = sorted(set(years or [(today or _dt.date.today()).year - 1]))
    for y in years:
        if not EARLIEST_YEAR <= y <= 2100:
            raise ScaffoldError(f"--ar {y}: förväntade ett årtal från {EARLIEST_YEAR} till 2100.")
    # Any year a source states (a report from 2016): Kolada's series then start with it too.
    first_year = min(first_year, *years)
    texts = {"organisation.yml": organisation_yml(slug, m, years), "kolada.yml": kolada_yml(m, snapshot, first_year)}
    # Both files or none: written in a hidden folder beside it, which is then renamed in one step.
    tmp = data / f".{slug}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        for name, text in texts.items():
            files.write_text(tmp / name, text)
        os.rename(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return NewOrganisation(slug, folder, m, years, [folder / name for name in texts])
