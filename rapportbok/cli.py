"""Command line in the analyst's words: `rapportbok bygg`, `kontrollera`, `mall`, `importera`, `kolada hamta`.

Also `python -m rapportbok ...`. Commands and options are Swedish; the first English names
(`build`, `validate`, `import`, `kolada fetch`, `--no-site`, `--workers`, `--base-url`)
still work as aliases, so old scripts and habits do not break. `rapportbok --help` lists the
commands in the order of the analyst's period: template, import, Kolada, check, build.
"""

from __future__ import annotations

import sys
from pathlib import Path

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


@click.group(
    cls=SwedishGroup,
    context_settings=CONTEXT,
    aliases={"validate": "kontrollera", "build": "bygg", "import": "importera"},
    help="Rapportbok: socialnämndens ekonomi som en bok som går att bygga om. "
    "Varje period: fyll i data/ (eller mall och importera), kontrollera, bygg.",
)
def main() -> None:
    # A build killed half-way: complete its publication, remove its staging folders (rapportbok.publish.journal).
    from rapportbok.core import paths
    from rapportbok.core.files import FileInUse
    from rapportbok.publish import journal

    try:
        journal.recover(paths.project_root(), log=click.echo)
    except (journal.JournalError, FileInUse) as err:
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


@click.option(
    "--utan-webbplats", "--no-site", "no_site", is_flag=True, help="Kör bara notebooks, bygg inte webbplatsen."
)
@click.option(
    "--parallella",
    "--workers",
    "workers",
    type=int,
    default=None,
    help="Antal notebooks som körs samtidigt (standard: alla kärnor).",
)
@click.option("--alla", "everything", is_flag=True, help="Kör alla notebooks, även oförändrade.")
@click.option("--pdf", is_flag=True, help="Gör också en PDF per organisation och år (kräver Debians chromium).")
@click.option(
    "--org",
    "only",
    multiple=True,
    help="Kör bara den här organisationens notebooks (kan anges flera gånger); de andras i book/ behålls.",
)
@click.option(
    "--bevaka",
    "--watch",
    "watching",
    is_flag=True,
    help="Bygg, och bygg sedan om varje gång data, mallar eller _config.yml ändras (Ctrl-C avslutar).",
)
def build(
    no_site: bool, workers: int | None, everything: bool, pdf: bool, only: tuple[str, ...], watching: bool = False
) -> None:
    from rapportbok.core import paths
    from rapportbok.publish import stamp

    if watching:
        if everything or only:
            click.echo("--bevaka går inte med --alla eller --org.", err=True)
            sys.exit(2)
        _watch(no_site, workers, pdf)
        return
    if not everything:  # nothing changed since the last build: say so without loading anything
        said = stamp.quick(paths.project_root(), paths.data_dir(), stamp.mode_of(not no_site, pdf))
        if said is not None:
            for line in said:
                click.echo(line)
            return
    import signal

    from rapportbok.data.schema import DataError
    from rapportbok.publish import build as builder

    def terminated(signum, frame):  # SIGTERM ends the build as Ctrl-C does: kernels, jupyter-book and staging go too
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminated)
    try:
        builder.build(
            site=not no_site, workers=workers, log=click.echo, incremental=not everything, pdf=pdf, only=tuple(only)
        )
    except KeyboardInterrupt:
        click.echo("Bygget avbröts; den förra boken och webbplatsen är orörda.", err=True)
        sys.exit(130)
    except (DataError, builder.BuildError, OSError) as err:
        click.echo(_stopped(err), err=True)
        sys.exit(1)


def _stopped(err: Exception) -> str:
    """What a build that stopped says (bad data, a failing step, a full disk, ...), in Swedish."""
    from rapportbok.data.schema import DataError
    from rapportbok.publish import build as builder

    if isinstance(err, DataError):
        return err.report()
    if isinstance(err, builder.BuildError):
        from rapportbok.core.oserrors import disk_full_in

        hint = "\nDisken är full; frigör utrymme och kör bygget igen." if disk_full_in(str(err)) else ""
        return f"Bygget avbröts; den förra boken och webbplatsen är orörda.\n{err}{hint}"
    from rapportbok.core.oserrors import describe

    return f"Bygget avbröts; den förra boken och webbplatsen är orörda.\n{describe(err)}."


def _watch(no_site: bool, workers: int | None, pdf: bool) -> None:
    import signal

    from rapportbok.publish import build as builder

    def terminated(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminated)
    try:
        builder.watch(
            site=not no_site,
            workers=workers,
            log=click.echo,
            pdf=pdf,
            report=lambda e: click.echo(_stopped(e), err=True),
        )
    except KeyboardInterrupt:
        click.echo("Bevakningen avslutades.")


@click.group(
    cls=SwedishGroup,
    context_settings=CONTEXT,
    aliases={"fetch": "hamta"},
    help="Hämta nyckeltal från Kolada (api.kolada.se).",
)
def kolada() -> None:
    pass


@kolada.command(
    "hamta",
    help="Hämta nyckeltalen i data/ORG/kolada.yml till den nationella lagringen data/kolada/ "
    "(en mapp per nyckeltal, gemensam för alla organisationer). Flera --org eller --alla hämtar alla på en "
    "gång med så få anrop som möjligt, varje nyckeltal en gång; en avbruten hämtning fortsätter där den "
    "slutade när kommandot körs igen.",
)
@click.option(
    "--org", "orgs", multiple=True, help="Organisationens mapp under data/, t.ex. alingsas (kan anges flera gånger)."
)
@click.option("--alla", "everyone", is_flag=True, help="Alla organisationer i data/ som har en kolada.yml.")
@click.option(
    "--api-adress",
    "--base-url",
    "base_url",
    default=None,
    help="Kolada-API:ets adress (standard: https://api.kolada.se/v3/).",
)
def kolada_fetch(orgs: tuple[str, ...], everyone: bool, base_url: str | None) -> None:
    from rapportbok.core import paths
    from rapportbok.data import kolada as kol

    if everyone == bool(orgs):
        click.echo("Fel: ange --org ORG (en eller flera gånger) eller --alla, inte båda.", err=True)
        sys.exit(1)
    if everyone:
        folders = sorted(
            p.parent
            for p in paths.data_dir().glob(f"*/{kol.CONFIG_FILE}")
            if (p.parent / "organisation.yml").is_file() and paths.SLUG.fullmatch(p.parent.name)
        )
        if not folders:
            click.echo(f"Fel: ingen organisation i {paths.data_dir()} har en {kol.CONFIG_FILE}.", err=True)
            sys.exit(1)
    else:
        folders = []
        for org in dict.fromkeys(orgs):
            folder = _org_folder(org)
            if not (folder / "organisation.yml").is_file():
                click.echo(
                    f"Fel: hittar ingen organisation '{org}' ({folder} saknas eller saknar organisation.yml).", err=True
                )
                sys.exit(1)
            folders.append(folder)
    failed = "Hämtningen från Kolada misslyckades; inget har sparats."
    try:
        client = kol.KoladaClient(base_url=base_url or kol.DEFAULT_BASE_URL)
        if len(folders) == 1:
            reports = [kol.fetch_org(folders[0], client)]
        else:
            parts = paths.project_root() / "_build" / "kolada-hamtning"
            failed = (
                "Hämtningen från Kolada avbröts; inga organisationer har uppdaterats. Det som redan hämtats "
                "sparas, och samma kommando fortsätter där det slutade."
            )
            bar = None

            def ready(done: int, total: int) -> None:
                nonlocal bar
                if done:
                    click.echo(f"Fortsätter en avbruten hämtning: {done} av {total} anrop är redan gjorda.")
                bar = click.progressbar(
                    length=total - done, label=f"Hämtar {len(folders)} organisationer från Kolada", file=sys.stderr
                )
                bar.__enter__()

            try:
                reports = kol.fetch_many(
                    folders, client, parts, plan_ready=ready, progress=lambda n: bar.update(n) if bar else None
                )
            finally:
                if bar is not None:
                    bar.__exit__(None, None, None)
    except kol.KoladaConfigError as err:
        click.echo(f"Fel i Kolada-konfigurationen: {err}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo(failed, err=True)
        sys.exit(130)
    except (kol.KoladaError, ValueError) as err:
        click.echo(f"{failed} {err}", err=True)
        sys.exit(1)
    except OSError as err:
        from rapportbok.core.oserrors import describe

        click.echo(f"{failed} {describe(err)}.", err=True)
        sys.exit(1)
    for report in reports:
        if len(reports) > 1:
            click.echo(f"\n{report.org_dir.name}:")
        click.echo(report.summary())


@kolada.command(
    "flytta",
    help="Flytta organisationernas gamla lagringar (data/ORG/kolada/) till den nationella "
    "lagringen data/kolada/ utan att hämta något; den gamla mappen tas bort.",
)
@click.option(
    "--org", "orgs", multiple=True, help="Organisationens mapp under data/ (kan anges flera gånger; standard: alla)."
)
def kolada_migrate(orgs: tuple[str, ...]) -> None:
    from rapportbok.core import paths
    from rapportbok.data import kolada as kol

    folders = (
        [_org_folder(o) for o in dict.fromkeys(orgs)]
        if orgs
        else sorted(p for p in paths.data_dir().iterdir() if p.is_dir() and paths.SLUG.fullmatch(p.name))
    )
    try:
        lines = kol.migrate(folders)
    except (kol.KoladaError, kol.KoladaConfigError, ValueError, KeyError) as err:
        click.echo(f"Lagringen flyttades inte; inget har ändrats. {err}", err=True)
        sys.exit(1)
    except OSError as err:
        from rapportbok.core.oserrors import describe

        click.echo(f"Lagringen flyttades inte färdigt. {describe(err)}.", err=True)
        sys.exit(1)
    for line in lines:
        click.echo(line)


@kolada.command(
    "metadata",
    help="Förnya Koladas metadata som ny-organisation använder (kommuner, deras grupper "
    "av liknande kommuner och standardnyckeltalen) från Koladas API.",
)
@click.option(
    "--api-adress",
    "--base-url",
    "base_url",
    default=None,
    help="Kolada-API:ets adress (standard: https://api.kolada.se/v3/).",
)
def kolada_metadata(base_url: str | None) -> None:
    from rapportbok.data import kolada as kol
    from rapportbok.data import kolada_snapshot as snap

    try:
        result = snap.refresh(kol.KoladaClient(base_url=base_url or kol.DEFAULT_BASE_URL))
    except (kol.KoladaError, snap.SnapshotError, ValueError) as err:
        click.echo(f"Koladas metadata förnyades inte; inget har skrivits. {err}", err=True)
        sys.exit(1)
    except OSError as err:
        from rapportbok.core.oserrors import describe

        click.echo(f"Koladas metadata förnyades inte. {describe(err)}.", err=True)
        sys.exit(1)
    click.echo(
        f"Skrev Koladas metadata ({len(result.municipalities)} kommuner, {len(result.kpis)} nyckeltal, "
        f"hämtat {result.meta['fetched_at']}) i {snap.SNAPSHOT_DIR}."
    )


@click.command(
    "ny-organisation",
    cls=SwedishCommand,
    help="Skapa data/MAPP/ för en kommun ur Koladas metadata: organisation.yml och kolada.yml med "
    "kommunens grupper av liknande kommuner och standardnyckeltalen. Kör sedan kolada hamta och bygg.",
)
@click.option("--kommun", required=True, help="Kommunkoden (t.ex. 1440) eller namnet (t.ex. Ale).")
@click.option(
    "--ar", "years", multiple=True, type=int, help="Rapportår (kan anges flera gånger; standard: förra året)."
)
@click.option("--mapp", "slug", default=None, help="Mappens namn under data/ (standard: kommunens namn, t.ex. ale).")
def new_organisation(kommun: str, years: tuple[int, ...], slug: str | None) -> None:
    from rapportbok.data import kolada_snapshot as snap
    from rapportbok.data import scaffold

    try:
        made = scaffold.create(kommun, years=list(years) or None, slug=slug)
    except (scaffold.ScaffoldError, snap.SnapshotError) as err:
        click.echo(f"Fel: {err}", err=True)
        sys.exit(1)
    except OSError as err:
        from rapportbok.core.oserrors import describe

        click.echo(f"Fel: organisationen kunde inte skapas; inget har skrivits. {describe(err)}.", err=True)
        sys.exit(1)
    m = made.municipality
    click.echo(f"Skapade {made.folder} för {m.name} ({m.id}), rapportår {', '.join(map(str, made.years))}:")
    for p in made.written:
        click.echo(f"  {p.name}")
    click.echo("Jämförelser: " + "; ".join(title for _, title in m.groups.values()) + "; alla kommuner (G2328).")
    click.echo(
        f"Ändra nämndens namn i organisation.yml vid behov. Hämta sedan värdena: "
        f"rapportbok kolada hamta --org {made.slug}, och bygg: make book"
    )


@main.command(
    help="Skriv en Excel-mall för en uppföljning av åtgärdsplanens åtgärder (per tertial eller rapportdatum)."
)
@click.option("--org", required=True, help="Organisationens mapp under data/, t.ex. haninge.")
@click.option("--ar", "year", required=True, type=int, help="Året, t.ex. 2025.")
@click.option("--tertial", default=None, type=click.IntRange(1, 3), help="Tertialet: 1, 2 eller 3.")
@click.option(
    "--per",
    "per",
    default=None,
    help="I stället för --tertial: rapportdatum, ett månadsslut ÅÅÅÅ-MM-DD (t.ex. 2025-10-31).",
)
@click.option(
    "--ut",
    "out",
    default=None,
    type=click.Path(dir_okay=False),
    help="Filen att skriva (standard: uppfoljning_ORG_ÅR_TT.xlsx eller uppfoljning_ORG_ÅÅÅÅ-MM-DD.xlsx här).",
)
@click.option(
    "--tabeller",
    "tables_kind",
    default=None,
    type=click.Choice(["budget", "månadsrapport", "tertialrapport", "delårsrapport", "bokslut"]),
    help="Skriv i stället en tom mall för tabellerna i en rapport av detta slag (ett blad per tabell); "
    "--per är då rapportdatum, vilket datum som helst.",
)
def mall(org: str, year: int, tertial: int | None, per: str | None, out: str | None, tables_kind: str | None) -> None:
    import datetime as dt

    from rapportbok.data import measure_workbook as excel

    if tables_kind is not None:
        _tables_template(org, year, tertial, per, out, tables_kind)
        return

    if (tertial is None) == (per is None):
        click.echo(
            "Fel: ange antingen --tertial (1, 2 eller 3) eller --per (ett månadsslut ÅÅÅÅ-MM-DD), inte båda.", err=True
        )
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
    click.echo(
        f"Skrev {target} med {n} åtgärder. Fyll i de gula och orange kolumnerna och kör sedan: "
        f"rapportbok importera {target.name} --org {org}"
    )


def _tables_template(org: str, year: int, tertial: int | None, per: str | None, out: str | None, kind: str) -> None:
    import datetime as dt

    from rapportbok.core import periods
    from rapportbok.data import tables_workbook

    if per is not None:
        try:
            per_date = dt.date.fromisoformat(per.strip())
        except ValueError:
            click.echo(f"Fel: --per: värdet '{per}' – förväntade ett datum ÅÅÅÅ-MM-DD, t.ex. {year}-10-31.", err=True)
            sys.exit(1)
    else:
        per_date = periods.tertial_end(year, tertial or 3)
    _org_folder(org)
    target = Path(out) if out else Path.cwd() / f"tabeller_{org}_{kind}_{per_date.isoformat()}.xlsx"
    if target.exists():
        click.echo(f"Fel: {target} finns redan. Ta bort den eller ange en annan fil med --ut.", err=True)
        sys.exit(1)
    try:
        n = tables_workbook.write_template(kind, year, per_date, target)
    except OSError as err:
        from rapportbok.core.oserrors import describe

        click.echo(f"Fel: kunde inte skriva mallen {target}: {describe(err)}.", err=True)
        sys.exit(1)
    click.echo(
        f"Skrev {target} med {n} tabellblad. Fyll i rubrikblocket och tabellerna (källans kommentarer till "
        "raderna i kolumnen Kommentar, sist) och kör sedan: "
        f"rapportbok importera {target.name} --org {org}"
    )


@main.command(
    "importera",
    help="Läs in en ifylld mall (.xlsx): uppföljning av åtgärder till data/ORG/uppfoljning_atgarder.csv, "
    "eller tabeller (mall --tabeller) till data/ORG/tabeller.csv, tabell_kolumner.csv, tabell_varden.csv, "
    "tabell_lankar.csv och (kolumnen Kommentar) tabell_kommentarer.csv. --ersatt ersätter det som redan finns "
    "med samma id.",
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--org", required=True, help="Organisationens mapp under data/, t.ex. haninge.")
@click.option(
    "--ersatt",
    is_flag=True,
    help="Ersätt det som redan finns: i en uppföljning raderna med samma atgard_id "
    "och per_datum, i en tabellmall tabellerna med samma id (tabell i B1).",
)
def import_(file: str, org: str, ersatt: bool) -> None:

    from rapportbok.data import measure_workbook as excel

    _org_folder(org)
    from rapportbok.data import tables_workbook

    if (
        Path(file).is_file()
        and Path(file).name.lower().endswith(".xlsx")
        and tables_workbook.is_tables_workbook(Path(file))
    ):
        done = _import_or_exit(
            lambda: tables_workbook.import_tables(Path(file), org, replace=ersatt),
            Path(file),
            tables_workbook.ExcelError,
        )
        click.echo(done.summary())
        return
    result = _import_or_exit(
        lambda: excel.import_followup(Path(file), org, replace=ersatt), Path(file), excel.ExcelError
    )
    click.echo(result.summary())


def _import_or_exit(run, file: Path, excel_error: type[Exception]):
    """Run an import; on bad content or a file problem, say so in Swedish and exit 1 (data/ unchanged)."""
    try:
        return run()
    except excel_error as err:
        issues = getattr(err, "issues", [])
        click.echo(f"{len(issues)} fel i {file.name}. Inget har importerats; data/ är oförändrad.", err=True)
        for i in issues:
            click.echo("  - " + i.message(), err=True)
        sys.exit(1)
    except OSError as err:
        from rapportbok.core.oserrors import describe

        click.echo(f"Importen av {file.name} avbröts; data/ är oförändrad. {describe(err)}.", err=True)
        sys.exit(1)


# Registered here, in the order of the analyst's period (mall and importera above).
main.add_command(new_organisation)
main.aliases["new-organisation"] = "ny-organisation"
main.add_command(kolada)
main.command("kontrollera", cls=SwedishCommand, help="Kontrollera alla filer i data/ och lista varje fel och varning.")(
    validate
)
main.command(
    "bygg", cls=SwedishCommand, help="Kontrollera data/, kör kapitlen till book/ och bygg webbplatsen i _build/html/."
)(build)
