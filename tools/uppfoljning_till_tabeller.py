"""Convert an organisation's old budgetuppfoljning.csv to follow-up stated tables, losslessly.

    python tools/uppfoljning_till_tabeller.py --org testkommun [--rubrik "Budgetuppföljning per kontogrupp"] [--ta-bort]

Reads ``data/ORG/budgetuppfoljning.csv`` (validated as the build reads it) and writes one stated table
per report date (``tabeller.csv``, ``tabell_kolumner.csv``, ``tabell_varden.csv``, and the comments in
``tabell_kommentarer.csv``; appended when the files exist): kind bokslut per 31 December,
delårsrapport per 31 August, tertialrapport per 30 April, else månadsrapport; columns utfall ack
(utfall helår at year end), prognos helår and budget (the verksamheter's own); one row per kontogrupp
in the budget table's order, its verksamheter under it. Every value, unit, comment and citation is kept;
a date whose rows cite two sources or mix units is refused (a table has one of each).

Before anything is written the conversion is checked in a scratch copy of data/: the follow-up must
read back from the tables exactly the old figures (every report date's table per kontogrupp and per
verksamhet, and the warnings). With ``--ta-bort`` the old file is then deleted (it is no longer read;
rapportbok kontrollera warns while it remains). The machinery (CSV text, appending) is
tools/budget_till_tabeller.py's.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import click
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapportbok.core import files
from rapportbok.core.paths import data_dir
from rapportbok.data import budget, datasets, stated_tables
from rapportbok.data import budget_followup as followup
from rapportbok.data.schema import DataError, Issue


def _budget_tool():
    spec = importlib.util.spec_from_file_location(
        "budget_till_tabeller", Path(__file__).with_name("budget_till_tabeller.py")
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


shared = _budget_tool()  # csv_text, appended: one way to write model files
NEW = (stated_tables.TABLES, stated_tables.COLUMNS, stated_tables.VALUES, stated_tables.COMMENTS)


def plan(
    data: Path, org: str, caption: str, remove: bool = False, prefix: str = "uppfoljning"
) -> tuple[dict, dict[str, str]]:
    """(the old follow-up and budget as the build reads them, new file texts by file name)."""
    org_path = data / org
    if not (org_path / followup.FILENAME).is_file():
        raise click.ClickException(f"{org}/ har ingen {followup.FILENAME}.")
    from rapportbok.data import sources

    cited = [sid for sid, f in sources.load(data)["fil"].items() if f == f"{org}/{followup.FILENAME}"]
    if remove and cited:
        raise click.ClickException(
            f"kallor.csv: källan {', '.join(cited)} har filen {org}/{followup.FILENAME}, som "
            f"--ta-bort tar bort; ändra fil till t.ex. {org}/{stated_tables.VALUES.filename} först."
        )
    warnings: list[Issue] = []
    try:
        old = datasets.load_org(org, data, warnings)
    except DataError as err:
        raise click.ClickException(
            "Filerna har fel; rätta dem först:\n" + "\n".join(i.message() for i in err.issues)
        ) from err
    fu = old.get("budgetuppfoljning")
    if fu is None or followup.from_tables(fu):
        raise click.ClickException(
            f"{org}/ har redan uppföljningstabeller i {stated_tables.TABLES.filename}; "
            f"{followup.FILENAME} läses inte och konverteras inte."
        )
    try:
        frames = followup.to_model(fu, old.get("ramar"), caption, prefix)
    except budget.ConversionError as err:
        raise click.ClickException(str(err)) from err
    texts = {}
    for spec, df in zip(NEW, frames):
        if df.empty:
            continue
        path = org_path / spec.filename
        have = old.get(next(k for k, (s, _) in stated_tables.DATASETS.items() if s is spec))
        clash = (
            set(frames[0]["tabell"]) & set(have["tabell"])
            if have is not None and spec is stated_tables.TABLES
            else set()
        )
        if clash:
            raise click.ClickException(f"{org}/{spec.filename} har redan tabellen {', '.join(sorted(clash))}.")
        texts[spec.filename] = shared.appended(path, df)
    return old, texts


def followup_views(d: dict, org: str) -> list:
    """What the chapter shows of the follow-up: every report date's table per kontogrupp and per verksamhet."""
    from rapportbok.analysis import budget_followup as fu

    th, _ = fu.thresholds(org)
    frame, ramar = d["budgetuppfoljning"], d.get("ramar")
    out = []
    for year in sorted({int(a) for a in frame["ar"]}):
        for end in fu.periods_present(frame, year):
            s = fu.summary(frame, ramar, year, end, th)
            out.append(fu.display_table(s, year, end, fu.root_post(ramar, frame), fu.row_header(frame, ramar)[0]))
            out.append(fu.verksamhet_table(frame, year, end, fu.row_header(frame, ramar)))
            out.append(s[["kontogrupp", "vasentlig", "kommentar"]])
        out.append(fu.deviation_over_tertials(frame, ramar, year, fu.periods_present(frame, year)[-1]))
    return out


def same_views(a: list, b: list) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if (x is None) != (y is None):
            return False
        if x is not None and not x.reset_index(drop=True).equals(y.reset_index(drop=True)):
            return False
    return True


def check_in_copy(data: Path, org: str, old: dict, texts: dict[str, str], remove: bool) -> None:
    """Write the conversion into a scratch copy of data/ and read it back as the build does."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data, copy, ignore=shutil.ignore_patterns(".*"))
        for name, text in texts.items():
            (copy / org / name).write_text(text, encoding="utf-8")
        (copy / org / followup.FILENAME).unlink()
        try:
            got = datasets.load_org(org, copy)
        except DataError as err:
            raise click.ClickException(
                "Konverteringen ger fel:\n" + "\n".join(i.message() for i in err.issues)
            ) from err
        if not followup.from_tables(got.get("budgetuppfoljning")) or not same_views(
            followup_views(old, org), followup_views(got, org)
        ):
            raise click.ClickException(
                f"Konverteringen av {followup.FILENAME} läses inte tillbaka likadant; inget skrivs."
            )


@click.command(
    help="Gör om budgetuppfoljning.csv till tabeller som rapporterna anger (tabeller.csv m.fl.), en per rapportdatum."
)
@click.option("--org", required=True, help="Organisationens mapp under data/, t.ex. testkommun.")
@click.option(
    "--rubrik", default="Budgetuppföljning per kontogrupp", show_default=True, help="Tabellernas rubrik som i källan."
)
@click.option(
    "--id",
    "prefix",
    default="uppfoljning",
    show_default=True,
    help="Början på tabellernas id; datumet läggs till, t.ex. uppfoljning_2030_10_31.",
)
@click.option("--ta-bort", "remove", is_flag=True, help="Ta bort den gamla filen när konverteringen är kontrollerad.")
@click.option(
    "--data", "data_path", default=None, type=click.Path(file_okay=False), help="Mappen data/ (standard: projektets)."
)
def main(org: str, rubrik: str, prefix: str, remove: bool, data_path: str | None) -> None:
    if data_path:  # the checks that read data/ by themselves (kallor.csv, thresholds) read this one
        os.environ["RAPPORTBOK_DATA"] = str(Path(data_path).resolve())
    data = Path(data_path) if data_path else data_dir()
    if not (data / org / "organisation.yml").is_file():
        raise click.ClickException(f"Ingen organisation {org} i {data}/.")
    if not re.fullmatch(r"[A-Za-z0-9_ÅÄÖåäö]+", prefix):
        raise click.ClickException(f"--id: '{prefix}' – förväntade bokstäver, siffror och _ (utan mellanslag).")
    old, texts = plan(data, org, rubrik, remove, prefix)
    check_in_copy(data, org, old, texts, remove)
    for name, text in texts.items():
        files.write_text(data / org / name, text)
    if remove:
        (data / org / followup.FILENAME).unlink()
    n = len(pd.Series(old["budgetuppfoljning"]["per_datum"]).drop_duplicates())
    click.echo(
        f"Skrev {', '.join(texts)} i {data / org}/ ({n} rapportdatum, {len(old['budgetuppfoljning'])} rader)."
        + (" Tog bort den gamla filen." if remove else "")
    )


if __name__ == "__main__":
    main()
