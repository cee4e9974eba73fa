"""Command line: `rapportbok build`, `rapportbok validate` (also `python -m rapportbok ...`)."""

from __future__ import annotations

import sys

import click

from rapportbok.schema import DataError


@click.group(help="Rapportbok: bygg och kontrollera socialnämndens rapportbok.")
def main() -> None:
    pass


@main.command(help="Kontrollera alla filer i data/ och lista varje fel.")
def validate() -> None:
    from rapportbok import datasets

    issues = datasets.validate()
    if any(i.severity == "fel" for i in issues):
        click.echo(DataError(issues).report(), err=True)
        sys.exit(1)
    for i in issues:
        click.echo("Varning: " + i.message())
    click.echo("data/ är i ordning.")


@main.command(help="Validera data/, kör kapitlen till book/ och bygg webbplatsen i _build/html/.")
@click.option("--no-site", is_flag=True, help="Kör bara notebooks, bygg inte webbplatsen.")
@click.option("--workers", type=int, default=None, help="Antal parallella notebooks (standard: alla kärnor).")
def build(no_site: bool, workers: int | None) -> None:
    from rapportbok import build as builder

    try:
        builder.build(site=not no_site, workers=workers, log=click.echo)
    except DataError as err:
        click.echo(err.report(), err=True)
        sys.exit(1)
    except builder.BuildError as err:
        click.echo(f"Bygget avbröts; den förra boken och webbplatsen är orörda.\n{err}", err=True)
        sys.exit(1)
