"""Command line in the analyst's words: `rapportbok bygg`, `kontrollera`, `mall`, `importera`, `kolada hamta`.

Also `python -m rapportbok ...`. Commands and options are Swedish; the first English names
(`build`, `validate`, `import`, `kolada fetch`, `--no-site`, `--workers`, `--base-url`)
still work as aliases, so old scripts and habits do not break. `rapportbok --help` lists the
commands in the order of the analyst's period: template, import, Kolada, check, build.
"""

from __future__ import annotations

import sys

import click


class SwedishCommand(click.Command):
    """A command whose help option speaks Swedish."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "Visa den här hjälpen och avsluta."
        return option


class SwedishGroup(SwedishCommand, click.Group):
    """A command group that lists commands in the order given and accepts English aliases."""

    command_class = SwedishCommand

    def __init__(self, *args, aliases: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.aliases = aliases or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # definition order = the analyst's workflow

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, self.aliases.get(name, name))

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name, cmd, rest = super().resolve_command(ctx, args)
        return (cmd.name if cmd else name), cmd, rest

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        english = {v: k for k, v in self.aliases.items()}
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.commands[name]
            label = f"{name} ({english[name]})" if name in english else name
            rows.append((label, cmd.get_short_help_str(limit=formatter.width)))
        if rows:
            with formatter.section("Kommandon (i arbetsgångens ordning; engelska namn inom parentes fungerar också)"):
                formatter.write_dl(rows)


CONTEXT = {"help_option_names": ["-h", "--help", "--hjalp"]}


@click.group(cls=SwedishGroup, context_settings=CONTEXT,
             aliases={"validate": "kontrollera", "build": "bygg", "import": "importera"},
             help="Rapportbok: socialnämndens ekonomi som en bok som går att bygga om. "
                  "Varje period: fyll i data/ (eller mall och importera), kontrollera, bygg.")
def main() -> None:
    # A build killed half-way: complete its publication, remove its staging folders (rapportbok.publish.journal).
    from rapportbok.core import paths
    from rapportbok.publish import journal

    try:
        journal.recover(paths.project_root(), log=click.echo)
    except journal.JournalError as err:
        click.echo(f"Fel: {err}", err=True)
        sys.exit(1)
    except OSError as err:
        from rapportbok.core.oserrors import describe

        click.echo(f"Fel: ett avbrutet bygge gick inte att slutföra: {describe(err)}.", err=True)
        sys.exit(1)


def _org_folder(org: str):
    """data/<org> for ``--org``: a slug (rapportbok.core.paths.SLUG) inside data/, else a Swedish error and exit 1."""
    from rapportbok.core import paths

    try:
        return paths.org_folder(org)
    except paths.PathError as err:
        click.echo(f"Fel: --org {err}", err=True)
        sys.exit(1)


def validate() -> None:
    from rapportbok.analysis import consistency
    from rapportbok.core.oserrors import describe
    from rapportbok.data.schema import DataError

    try:
        issues = consistency.validate()
    except OSError as err:
        click.echo(f"Kontrollen av data/ avbröts: {describe(err)}.", err=True)
        sys.exit(1)
    if any(i.severity == "fel" for i in issues):
        click.echo(DataError(issues).report(), err=True)
        sys.exit(1)
    for i in issues:
        click.echo("Varning: " + i.message())
    click.echo("data/ är i ordning.")


@click.option("--utan-webbplats", "--no-site", "no_site", is_flag=True, help="Kör bara notebooks, bygg inte webbplatsen.")
@click.option("--parallella", "--workers", "workers", type=int, default=None,
              help="Antal notebooks som körs samtidigt (standard: alla kärnor).")
@click.option("--alla", "everything", is_flag=True, help="Kör alla notebooks, även oförändrade.")
@click.option("--pdf", is_flag=True, help="Gör också en PDF per organisation och år (kräver Debians chromium).")
@click.option("--org", "only", multiple=True,
              help="Kör bara den här organisationens notebooks (kan anges flera gånger); de andras i book/ behålls.")
def build(no_site: bool, workers: int | None, everything: bool, pdf: bool, only: tuple[str, ...]) -> None:
    from rapportbok.core import paths
    from rapportbok.publish import stamp

    if not everything:  # nothing changed since the last build: say so without loading anything
        root = paths.project_root()
        warnings = stamp.unchanged(root, paths.data_dir(), stamp.mode_of(not no_site, pdf))
        if warnings is not None:
            for w in warnings:
                click.echo(w)
            click.echo("Inget har ändrats sedan förra bygget (data, mallar, kod och miljö är desamma); "
                       "boken och webbplatsen är aktuella.")
            return
    import signal

    from rapportbok.data.schema import DataError
    from rapportbok.publish import build as builder

    def terminated(signum, frame):  # SIGTERM ends the build as Ctrl-C does: kernels, jupyter-book and staging go too
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminated)
    try:
        builder.build(site=not no_site, workers=workers, log=click.echo, incremental=not everything, pdf=pdf,
                      only=tuple(only))
    except KeyboardInterrupt:
        click.echo("Bygget avbröts; den förra boken och webbplatsen är orörda.", err=True)
        sys.exit(130)
    except DataError as err:
        click.echo(err.report(), err=True)
        sys.exit(1)
    except builder.BuildError as err:
        from rapportbok.core.oserrors import disk_full_in

        hint = "\nDisken är full; frigör utrymme och kör bygget igen." if disk_full_in(str(err)) else ""
        click.echo(f"Bygget avbröts; den förra boken och webbplatsen är orörda.\n{err}{hint}", err=True)
        sys.exit(1)
    except OSError as err:  # full disk, read-only book/ or _build/, ...
        from rapportbok.core.oserrors import describe

        click.echo(f"Bygget avbröts; den förra boken och webbplatsen är orörda.\n{describe(err)}.", err=True)
        sys.exit(1)


@click.group(cls=SwedishGroup, context_settings=CONTEXT, aliases={"fetch": "hamta"}, help="Hämta nyckeltal från Kolada (api.kolada.se).")
def kolada() -> None:
    pass


@kolada.command("hamta", help="Hämta nyckeltalen i data/ORG/kolada.yml och spara dem i data/ORG/kolada/.")
@click.option("--org", required=True, help="Organisationens mapp under data/, t.ex. alingsas.")
@click.option("--api-adress", "--base-url", "base_url", default=None,
              help="Kolada-API:ets adress (standard: https://api.kolada.se/v3/).")
def kolada_fetch(org: str, base_url: str | None) -> None:
    from rapportbok.data import kolada as kol

    folder = _org_folder(org)
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
        from rapportbok.core.oserrors import describe

        click.echo(f"Hämtningen från Kolada misslyckades; inget har sparats. {describe(err)}.", err=True)
        sys.exit(1)
    except ValueError as err:
        click.echo(f"Hämtningen från Kolada misslyckades; inget har sparats. {err}", err=True)
        sys.exit(1)
    click.echo(report.summary())


@main.command(help="Skriv en Excel-mall för en uppföljning av åtgärdsplanens åtgärder (per tertial eller rapportdatum).")
@click.option("--org", required=True, help="Organisationens mapp under data/, t.ex. haninge.")
@click.option("--ar", "year", required=True, type=int, help="Året, t.ex. 2025.")
@click.option("--tertial", default=None, type=click.IntRange(1, 3), help="Tertialet: 1, 2 eller 3.")
@click.option("--per", "per", default=None, help="I stället för --tertial: rapportdatum, ett månadsslut ÅÅÅÅ-MM-DD (t.ex. 2025-10-31).")
@click.option("--ut", "out", default=None, type=click.Path(dir_okay=False), help="Filen att skriva (standard: uppfoljning_ORG_ÅR_TT.xlsx eller uppfoljning_ORG_ÅÅÅÅ-MM-DD.xlsx här).")
def mall(org: str, year: int, tertial: int | None, per: str | None, out: str | None) -> None:
    import datetime as dt
    from pathlib import Path

    from rapportbok.data import measure_workbook as excel

    if (tertial is None) == (per is None):
        click.echo("Fel: ange antingen --tertial (1, 2 eller 3) eller --per (ett månadsslut ÅÅÅÅ-MM-DD), inte båda.", err=True)
        sys.exit(1)
    per_date = None
    if per is not None:
        try:
            per_date = dt.date.fromisoformat(per.strip())
        except ValueError:
            click.echo(f"Fel: --per: värdet '{per}' – förväntade ett datum ÅÅÅÅ-MM-DD, t.ex. {year}-10-31.", err=True)
            sys.exit(1)
    _org_folder(org)  # the default file name is built from it
    target = Path(out) if out else Path.cwd() / excel.default_name(org, year, tertial, per_date)
    if target.exists():
        click.echo(f"Fel: {target} finns redan. Ta bort den eller ange en annan fil med --ut.", err=True)
        sys.exit(1)
    try:
        n = excel.write_template(org, year, tertial, target, per=per_date)
    except excel.ExcelError as err:
        for i in err.issues:
            click.echo("Fel: " + i.message(), err=True)
        sys.exit(1)
    except OSError as err:
        from rapportbok.core.oserrors import describe

        try:
            target.unlink()  # nothing half-written stays behind
        except OSError:
            pass
        click.echo(f"Fel: kunde inte skriva mallen {target}: {describe(err)}.", err=True)
        sys.exit(1)
    click.echo(f"Skrev {target} med {n} åtgärder. Fyll i de gula och orange kolumnerna och kör sedan: "
               f"rapportbok importera {target.name} --org {org}")


@main.command("importera", help="Läs in en ifylld uppföljningsmall (.xlsx) till data/ORG/uppfoljning_atgarder.csv.")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--org", required=True, help="Organisationens mapp under data/, t.ex. haninge.")
@click.option("--ersatt", is_flag=True, help="Ersätt befintliga rader med samma atgard_id och per_datum.")
def import_(file: str, org: str, ersatt: bool) -> None:
    from pathlib import Path

    from rapportbok.data import measure_workbook as excel

    _org_folder(org)
    try:
        result = excel.import_followup(Path(file), org, replace=ersatt)
    except excel.ExcelError as err:
        click.echo(f"{len(err.issues)} fel i {Path(file).name}. Inget har importerats; data/ är oförändrad.", err=True)
        for i in err.issues:
            click.echo("  - " + i.message(), err=True)
        sys.exit(1)
    except OSError as err:
        from rapportbok.core.oserrors import describe

        click.echo(f"Importen av {Path(file).name} avbröts; data/ är oförändrad. {describe(err)}.", err=True)
        sys.exit(1)
    click.echo(result.summary())


# Registered here, in the order of the analyst's period (mall and importera above).
main.add_command(kolada)
main.command("kontrollera", cls=SwedishCommand, help="Kontrollera alla filer i data/ och lista varje fel och varning.")(validate)
main.command("bygg", cls=SwedishCommand, help="Kontrollera data/, kör kapitlen till book/ och bygg webbplatsen i _build/html/.")(build)
