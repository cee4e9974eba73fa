"""Command line: `rapportbok build`, `rapportbok validate` (also `python -m rapportbok ...`)."""

from __future__ import annotations

import sys

import click


@click.group(help="Rapportbok: bygg och kontrollera socialnämndens rapportbok.")
def main() -> None:
    pass


@main.command(help="Kontrollera alla filer i data/ och lista varje fel.")
def validate() -> None:
    from rapportbok import datasets
    from rapportbok.schema import DataError

    from rapportbok.oserrors import describe

    try:
        issues = datasets.validate()
    except OSError as err:
        click.echo(f"Kontrollen av data/ avbröts: {describe(err)}.", err=True)
        sys.exit(1)
    if any(i.severity == "fel" for i in issues):
        click.echo(DataError(issues).report(), err=True)
        sys.exit(1)
    for i in issues:
        click.echo("Varning: " + i.message())
    click.echo("data/ är i ordning.")


@main.command(help="Validera data/, kör kapitlen till book/ och bygg webbplatsen i _build/html/.")
@click.option("--no-site", is_flag=True, help="Kör bara notebooks, bygg inte webbplatsen.")
@click.option("--workers", type=int, default=None, help="Antal parallella notebooks (standard: alla kärnor).")
@click.option("--alla", "everything", is_flag=True, help="Kör alla notebooks, även oförändrade.")
@click.option("--pdf", is_flag=True, help="Gör också en PDF per organisation och år (kräver Debians chromium).")
def build(no_site: bool, workers: int | None, everything: bool, pdf: bool) -> None:
    from rapportbok import paths, stamp

    if not everything:  # nothing changed since the last build: say so without loading anything
        root = paths.project_root()
        warnings = stamp.unchanged(root, paths.data_dir(), stamp.mode_of(not no_site, pdf))
        if warnings is not None:
            for w in warnings:
                click.echo(w)
            click.echo("Inget har ändrats sedan förra bygget (data, mallar, kod och miljö är desamma); "
                       "boken och webbplatsen är aktuella.")
            return
    from rapportbok import build as builder
    from rapportbok.schema import DataError

    try:
        builder.build(site=not no_site, workers=workers, log=click.echo, incremental=not everything, pdf=pdf)
    except DataError as err:
        click.echo(err.report(), err=True)
        sys.exit(1)
    except builder.BuildError as err:
        from rapportbok.oserrors import disk_full_in

        hint = "\nDisken är full; frigör utrymme och kör bygget igen." if disk_full_in(str(err)) else ""
        click.echo(f"Bygget avbröts; den förra boken och webbplatsen är orörda.\n{err}{hint}", err=True)
        sys.exit(1)
    except OSError as err:  # full disk, read-only book/ or _build/, ...
        from rapportbok.oserrors import describe

        click.echo(f"Bygget avbröts; den förra boken och webbplatsen är orörda.\n{describe(err)}.", err=True)
        sys.exit(1)


@main.group(help="Hämta nyckeltal från Kolada (api.kolada.se).")
def kolada() -> None:
    pass


@kolada.command("fetch", help="Hämta nyckeltalen i data/ORG/kolada.yml och spara dem i data/ORG/kolada/.")
@click.option("--org", required=True, help="Organisationens mapp under data/, t.ex. alingsas.")
@click.option("--base-url", default=None, help="Kolada-API:ets adress (standard: https://api.kolada.se/v3/).")
def kolada_fetch(org: str, base_url: str | None) -> None:
    from rapportbok import kolada as kol
    from rapportbok.paths import org_dir

    folder = org_dir(org)
    if not (folder / "organisation.yml").is_file():
        click.echo(f"Fel: hittar ingen organisation '{org}' ({folder} saknar organisation.yml).", err=True)
        sys.exit(1)
    try:
        client = kol.KoladaClient(base_url=base_url or kol.DEFAULT_BASE_URL)
        report = kol.fetch_org(folder, client)
    except kol.KoladaConfigError as err:
        click.echo(f"Fel i Kolada-konfigurationen: {err}", err=True)
        sys.exit(1)
    except kol.KoladaError as err:
        click.echo(f"Hämtningen från Kolada misslyckades; inget har sparats. {err}", err=True)
        sys.exit(1)
    except OSError as err:
        from rapportbok.oserrors import describe

        click.echo(f"Hämtningen från Kolada misslyckades; inget har sparats. {describe(err)}.", err=True)
        sys.exit(1)
    except ValueError as err:
        click.echo(f"Hämtningen från Kolada misslyckades; inget har sparats. {err}", err=True)
        sys.exit(1)
    click.echo(report.summary())


@main.command(help="Skriv en Excel-mall för tertialets uppföljning av åtgärdsplanens åtgärder.")
@click.option("--org", required=True, help="Organisationens mapp under data/, t.ex. haninge.")
@click.option("--ar", "year", required=True, type=int, help="Året, t.ex. 2025.")
@click.option("--tertial", required=True, type=click.IntRange(1, 3), help="Tertialet: 1, 2 eller 3.")
@click.option("--ut", "out", default=None, type=click.Path(dir_okay=False), help="Filen att skriva (standard: uppfoljning_ORG_ÅR_TT.xlsx här).")
def mall(org: str, year: int, tertial: int, out: str | None) -> None:
    from pathlib import Path

    from rapportbok import excel

    target = Path(out) if out else Path.cwd() / excel.default_name(org, year, tertial)
    if target.exists():
        click.echo(f"Fel: {target} finns redan. Ta bort den eller ange en annan fil med --ut.", err=True)
        sys.exit(1)
    try:
        n = excel.write_template(org, year, tertial, target)
    except excel.ExcelError as err:
        for i in err.issues:
            click.echo("Fel: " + i.message(), err=True)
        sys.exit(1)
    except OSError as err:
        from rapportbok.oserrors import describe

        try:
            target.unlink()  # nothing half-written stays behind
        except OSError:
            pass
        click.echo(f"Fel: kunde inte skriva mallen {target}: {describe(err)}.", err=True)
        sys.exit(1)
    click.echo(f"Skrev {target} med {n} åtgärder. Fyll i de gula och orange kolumnerna och kör sedan: "
               f"rapportbok import {target.name} --org {org}")


@main.command("import", help="Läs in en ifylld uppföljningsmall (.xlsx) till data/ORG/uppfoljning_atgarder.csv.")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--org", required=True, help="Organisationens mapp under data/, t.ex. haninge.")
@click.option("--ersatt", is_flag=True, help="Ersätt befintliga rader med samma atgard_id och per_datum.")
def import_(file: str, org: str, ersatt: bool) -> None:
    from pathlib import Path

    from rapportbok import excel

    try:
        result = excel.import_followup(Path(file), org, replace=ersatt)
    except excel.ExcelError as err:
        click.echo(f"{len(err.issues)} fel i {Path(file).name}. Inget har importerats; data/ är oförändrad.", err=True)
        for i in err.issues:
            click.echo("  - " + i.message(), err=True)
        sys.exit(1)
    except OSError as err:
        from rapportbok.oserrors import describe

        click.echo(f"Importen av {Path(file).name} avbröts; data/ är oförändrad. {describe(err)}.", err=True)
        sys.exit(1)
    click.echo(result.summary())
