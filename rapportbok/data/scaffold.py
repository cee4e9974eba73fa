"""A new organisation from Kolada's metadata: `rapportbok ny-organisation --kommun 1440`.

Writes ``data/<slug>/organisation.yml`` and ``data/<slug>/kolada.yml`` for any of Sweden's 290
municipalities, from the snapshot in :mod:`rapportbok.data.kolada_snapshot`: the name and code,
"Socialnämnden" as the committee (the analyst edits it), the report years, the municipality's own
"Liknande kommuner" groups for IFO, ekonomiskt bistånd and arbetsmarknad, G2328 and the standard
key-figure set. Nothing is fetched here; `rapportbok kolada hamta` does that.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from rapportbok.core import journal, paths
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
    """'Upplands Väsby' -> 'upplands-vasby', 'Malung-Sälen' -> 'malung-salen' (an ids.SLUG)."""
    s = re.sub(r"[^a-z0-9]+", "-", snap.fold(name).replace("æ", "ae").replace("ø", "o")).strip("-")
    return paths.check_slug(s)


class _Dumper(yaml.SafeDumper):
    """The emitter for configuration made from Kolada's text: a string holding a character that is not
    printable is written double-quoted, where YAML writes the line breaks it counts (U+0085, U+2028,
    U+2029) as escapes, so the file holds none that `kontrollera` would refuse."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = None if value.isprintable() else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _dump(data: object) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)


def _quoted(text: str) -> str:
    """A string as a double-quoted YAML scalar, written by the emitter."""
    return yaml.dump(text, Dumper=_Dumper, default_style='"', allow_unicode=True, width=1000).strip()


def _comment(text: object) -> str:
    """Text from Kolada made safe for a YAML comment: one line of printable characters.

    A YAML comment ends at a line break, and YAML counts U+0085, U+2028 and U+2029 as line breaks too:
    a title holding one would end the comment and put the rest of the title in the file as keys. Every
    character that is not printable (line and paragraph separators, control and format characters
    such as U+202E) becomes a space.
    """
    return "".join(c if c.isprintable() else " " for c in str(text)).strip()


def _checked(text: str, expected: dict, name: str) -> str:
    """``text`` if it reads back as exactly ``expected``, else ScaffoldError: nothing from Kolada may
    become configuration (a key, a list item) by way of a comment or a name."""
    try:
        back = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ScaffoldError(f"{name} blev inte giltig YAML ({err}); inget har skrivits.") from err
    if back != expected:
        raise ScaffoldError(
            f"{name} skulle inte läsas som det som skrevs (text från Koladas metadata ändrade filen); "
            "inget har skrivits. Förnya metadata med rapportbok kolada metadata."
        )
    return text


def organisation_yml(slug: str, m: snap.Municipality, years: list[int]) -> str:
    head = (
        "# Organisation file: who this is and which report years the book covers.\n"
        "# Made by `rapportbok ny-organisation` from Kolada's metadata. 'namn' is the municipality's name as\n"
        "# Kolada writes it (write the official name if you like, e.g. Linköpings kommun, Stockholms stad);\n"
        "# check 'namnd' (the committee's name) and the years: each year's pages are built for its tertial\n"
        "# (3 = helår) or a date `per`.\n"
    )
    fields = {"slug": slug, "namn": m.name, "namnd": DEFAULT_COMMITTEE, "kolada_id": m.id}
    ar = "ar:\n" + "".join(f"  {int(y)}: {{tertial: 3}}\n" for y in years)
    expected = {**fields, "ar": {int(y): {"tertial": 3} for y in years}}
    return _checked(head + _dump(fields) + ar, expected, "organisation.yml")


def kolada_yml(m: snap.Municipality, snapshot: snap.Snapshot, first_year: int) -> str:
    meta = snapshot.meta
    head = (
        f"# Kolada configuration for {_comment(m.name)} (read by rapportbok.data.kolada), made by\n"
        "# `rapportbok ny-organisation` from the metadata snapshot in rapportbok/data/kolada_metadata/\n"
        f"# ({_comment(meta.get('source', 'Kolada'))}, {_comment(meta.get('fetched_at', ''))}).\n"
        "# groups: the municipality's own similar-municipality groups in Kolada and G2328 (all municipalities);\n"
        "# the value Kolada publishes for a group is its unweighted mean (Källa: Kolada).\n"
        "# all_municipalities: true also fetches every municipality, so that rank and percentile can be computed.\n"
    )
    # Each KPI id written by the emitter, its title after it as a comment of one printable line.
    kpis = "kpis:\n" + "".join(f"  - {_quoted(k)}  # {_comment(t)}\n" for k, (t, _, _) in snapshot.kpis.items())
    groups = {snap.ALL_MUNICIPALITIES: "Alla kommuner (ovägt medel)"}
    groups.update({gid: title for gid, title in m.groups.values()})
    fields = {
        "first_year": first_year,
        "municipalities": {m.id: m.name},
        "groups": groups,
        "all_municipalities": True,
        "battre": {k: d for k, (_, _, d) in snapshot.kpis.items() if d},
    }
    expected = {"kpis": list(snapshot.kpis), **fields}
    return _checked(head + kpis + _dump(fields), expected, "kolada.yml")


def _has_kolada_id(path: Path, kolada_id: str) -> bool:
    """Whether another organisation's organisation.yml names ``kolada_id``: its bytes searched for the line
    ``kolada_id: "1440"``, so a file in another encoding (or not text at all) is no obstacle here; reading it
    properly, with a message naming the bad byte, is `kontrollera`'s job. Read by rapportbok.core.inputs (data/ is
    two levels up): a link, a pipe or an oversized file is not read and names nothing."""
    from rapportbok.core import inputs

    try:
        raw = inputs.read_bytes(path, path.parent.parent, limit=inputs.YAML_LIMIT)
    except (inputs.InputError, OSError):
        return False
    line = rb'^[ \t]*kolada_id:[ \t]*["\']?' + re.escape(kolada_id.encode("utf-8")) + rb'["\']?[ \t]*(#.*)?\r?$'
    return re.search(line, raw, re.MULTILINE) is not None


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
    if folder.exists():
        raise ScaffoldError(
            f"Organisationen finns redan: {folder} finns. Inget har skrivits; "
            "ta bort mappen eller välj ett annat namn med --mapp."
        )
    clash = [p.parent.name for p in sorted(data.glob("*/organisation.yml")) if _has_kolada_id(p, m.id)]
    if clash:
        raise ScaffoldError(f"{m.name} ({m.id}) finns redan som organisation i data/{clash[0]}/. Inget har skrivits.")
    years = sorted(set(years or [(today or _dt.date.today()).year - 1]))
    for y in years:
        if not EARLIEST_YEAR <= y <= 2100:
            raise ScaffoldError(f"--ar {y}: förväntade ett årtal från {EARLIEST_YEAR} till 2100.")
    # Any year a source states (a report from 2016): Kolada's series then start with it too.
    first_year = min(first_year, *years)
    texts = {"organisation.yml": organisation_yml(slug, m, years), "kolada.yml": kolada_yml(m, snapshot, first_year)}
    journal.write(journal.writes(data), {f"{slug}/{name}": text for name, text in texts.items()})  # both or none
    return NewOrganisation(slug, folder, m, years, [folder / name for name in texts])
