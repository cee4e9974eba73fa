"""Convert an organisation's old budget files to the stated-table model, losslessly.

    python tools/budget_till_tabeller.py --org alingsas --per 2024-12-10 \\
        --rubrik-ramar "Ekonomiska ramar" --rubrik-investeringar "Investeringsbudget" [--ta-bort]

Reads ``budget_ramar.csv`` and ``investeringar.csv`` of ``data/ORG/`` (validated as the build reads
them), writes their tables as stated tables of kind ``budget`` (``tabeller.csv``, ``tabell_kolumner.csv``,
``tabell_varden.csv``; appended to the files when they exist) and adds ``begrepp`` to
``organisation.yml`` (kommunbidrag, nettokostnad, resultat, investeringar), so the budget chapter
reads the tables from the model. Every value, label, row order, parent and source citation is kept.

Before anything is written the conversion is checked in a scratch copy of data/: the budget chapter
must read back from the model exactly the rows of the old files. With ``--ta-bort`` the old files
are then deleted (they are no longer read; rapportbok kontrollera warns while they remain).
``kommunbidrag_forandring.csv`` (figures the budget text states) is not a table and stays.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
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
from rapportbok.data.schema import DataError, read_table

OLD = {"ramar": budget.RAMAR, "investeringar": budget.INVESTERINGAR}
NEW = (
    ("tabeller", stated_tables.TABLES),
    ("tabell_kolumner", stated_tables.COLUMNS),
    ("tabell_varden", stated_tables.VALUES),
)


def csv_text(df: pd.DataFrame) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(df.columns)
    for rec in df.itertuples(index=False):
        w.writerow(["" if v is None else (v.isoformat() if isinstance(v, dt.date) else str(v)) for v in rec])
    return out.getvalue()


def appended(path: Path, df: pd.DataFrame) -> str:
    """The file's text with the new rows after its own (the header is written only for a new file)."""
    text = csv_text(df)
    if not path.exists():
        return text
    old = path.read_text(encoding="utf-8-sig")
    return old + ("" if old.endswith("\n") else "\n") + text.split("\n", 1)[1]


def begrepp_text(yml: str, concepts: dict[str, dict]) -> str:
    lines = "".join(f"  {k}: {{tabell: {v['tabell']}, rad: {v['rad']}}}\n" for k, v in concepts.items())
    return (
        yml
        + ("" if yml.endswith("\n") else "\n")
        + (
            "# The rows of the stated budget tables the budget chapter reads (tools/budget_till_tabeller.py).\n"
            "begrepp:\n" + lines
        )
    )


def plan(
    org_path: Path, per: dt.date, captions: dict[str, str]
) -> tuple[dict[str, pd.DataFrame], dict[str, str], dict]:
    """(old frames, new file texts by file name, begrepp); raises click.ClickException with a Swedish message."""
    frames = {}
    for name, spec in OLD.items():
        path = org_path / spec.filename
        if path.exists():
            df, issues = read_table(path, spec, f"{org_path.name}/{spec.filename}")
            if df is None or any(i.severity == "fel" for i in issues):
                raise click.ClickException("\n".join(i.message() for i in issues))
            frames[name] = df
    if not frames:
        raise click.ClickException(
            f"{org_path.name}/ har varken {budget.RAMAR.filename} eller {budget.INVESTERINGAR.filename}."
        )
    yml = (org_path / "organisation.yml").read_text(encoding="utf-8")
    if "\nbegrepp:" in "\n" + yml:
        raise click.ClickException(f"{org_path.name}/organisation.yml har redan begrepp; lägg till raderna för hand.")
    try:
        t, c, v, concepts = budget.to_model(frames, captions, per)
    except budget.ConversionError as err:
        raise click.ClickException(str(err)) from err
    texts = {}
    for (_name, spec), df in zip(NEW, (t, c, v)):
        path = org_path / spec.filename
        if path.exists():
            have, _ = read_table(path, spec)
            clash = set(t["tabell"]) & set(have["tabell"]) if have is not None else set()
            if clash:
                raise click.ClickException(
                    f"{org_path.name}/{spec.filename} har redan tabellen {', '.join(sorted(clash))}."
                )
        texts[spec.filename] = appended(path, df)
    texts["organisation.yml"] = begrepp_text(yml, concepts)
    return frames, texts, concepts


def same_rows(old: pd.DataFrame, new: pd.DataFrame) -> bool:
    """The old file's rows and the model's, read back: every value, label, parent and citation."""
    cols = budget.LONG_COLUMNS

    def norm(df):
        df = df[cols].copy()
        df["summeras_i"] = df["summeras_i"].where(df["summeras_i"].notna() & (df["summeras_i"] != ""), None)
        df["belopp_tkr"] = df["belopp_tkr"].astype(float)
        df["rad"] = df["rad"].astype(int)
        df["ar"] = df["ar"].astype(int)
        return df.sort_values(["rad", "ar"]).reset_index(drop=True).astype(object)

    return norm(old).equals(norm(new))


def check_in_copy(data: Path, org: str, frames: dict, texts: dict[str, str], remove: bool) -> None:
    """Write the conversion into a scratch copy of data/ and read it back as the build does."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data, copy)
        for name, text in texts.items():
            (copy / org / name).write_text(text, encoding="utf-8")
        if remove:
            for spec in OLD.values():
                (copy / org / spec.filename).unlink(missing_ok=True)
        try:
            got = datasets.load_org(org, copy)
        except DataError as err:
            raise click.ClickException(
                "Konverteringen ger fel:\n" + "\n".join(i.message() for i in err.issues)
            ) from err
        for name, old in frames.items():
            if got.get(name) is None or not same_rows(old, got[name]):
                raise click.ClickException(
                    f"Konverteringen av {OLD[name].filename} läses inte tillbaka likadant; inget skrivs."
                )


@click.command(
    help="Gör om budget_ramar.csv och investeringar.csv till tabeller som rapporten anger (tabeller.csv m.fl.)."
)
@click.option("--org", required=True, help="Organisationens mapp under data/, t.ex. alingsas.")
@click.option("--per", required=True, help="Budgetens datum ÅÅÅÅ-MM-DD (t.ex. beslutsdatum, som kallor.csv anger).")
@click.option("--rubrik-ramar", default="Ekonomiska ramar", show_default=True, help="Ramtabellens rubrik som i källan.")
@click.option(
    "--rubrik-investeringar",
    default="Investeringsbudget",
    show_default=True,
    help="Investeringstabellens rubrik som i källan.",
)
@click.option("--ta-bort", "remove", is_flag=True, help="Ta bort de gamla filerna när konverteringen är kontrollerad.")
@click.option(
    "--data", "data_path", default=None, type=click.Path(file_okay=False), help="Mappen data/ (standard: projektets)."
)
def main(org: str, per: str, rubrik_ramar: str, rubrik_investeringar: str, remove: bool, data_path: str | None) -> None:
    data = Path(data_path) if data_path else data_dir()
    org_path = data / org
    if not (org_path / "organisation.yml").is_file():
        raise click.ClickException(f"Ingen organisation {org} i {data}/.")
    try:
        day = dt.date.fromisoformat(per)
    except ValueError as err:
        raise click.ClickException(f"--per: '{per}' är inget datum ÅÅÅÅ-MM-DD.") from err
    frames, texts, concepts = plan(org_path, day, {"ramar": rubrik_ramar, "investeringar": rubrik_investeringar})
    check_in_copy(data, org, frames, texts, remove)
    for name, text in texts.items():
        files.write_text(org_path / name, text)
    if remove:
        for name in frames:
            (org_path / OLD[name].filename).unlink()
    click.echo(
        f"Skrev {', '.join(texts)} i {org_path}/ ({sum(len(f) for f in frames.values())} värden, begrepp: "
        + ", ".join(concepts)
        + ")."
        + (" Tog bort de gamla filerna." if remove else "")
    )


if __name__ == "__main__":
    main()
