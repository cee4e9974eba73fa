"""Command line in the analyst's words: `rapportbok bygg`, `kontrollera`, `mall`, `importera`, `kolada hamta`.

Also `python -m rapportbok ...`. Commands and options are Swedish; the first English names
(`build`, `validate`, `import`, `kolada fetch`, `--no-site`, `--workers`, `--base-url`)
still work as aliases, so old scripts and habits do not break. `rapportbok --help` lists the
commands in the order of the analyst's period: template, import, Kolada, check, build.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click


class Integer(click.ParamType):
    """A whole number written with the digits 0–9 (never "１２"), within bounds, refused in Swedish."""

    name = "heltal"

    def __init__(self, expected: str, minimum: int | None = None, maximum: int | None = None):
        self.expected, self.minimum, self.maximum = expected, minimum, maximum

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool):
            n = value
        else:
            text = str(value).strip()
            if not re.fullmatch(r"[+-]?[0-9]{1,9}", text):
                self.fail(f"värdet '{value}' – förväntade {self.expected}", param, ctx)
            n = int(text)
        if (self.minimum is not None and n < self.minimum) or (self.maximum is not None and n > self.maximum):
            self.fail(f"värdet '{value}' – förväntade {self.expected}", param, ctx)
        return n


class FileName(click.ParamType):
    """A file to write, as given (the command says in Swedish what is wrong with it)."""

    name = "fil"
    expected = "en fil"

    def convert(self, value, param, ctx):
        return str(value)


class Choice(click.Choice):
    """click.Choice, refused in Swedish."""

    def convert(self, value, param, ctx):
        if value in self.choices:
            return value
        self.fail(f"värdet '{value}' – förväntade ett av: {', '.join(map(str, self.choices))}", param, ctx)


def _option_name(param: click.Parameter | None) -> str:
    if param is None:
        return ""
    if isinstance(param, click.Option) and param.opts:
        return param.opts[0]  # the Swedish name: declared first
    return (param.human_readable_name or "").upper()


def swedish_error(err: click.ClickException) -> str:
    """A usage error of the command line in Swedish (click's own words are English), with where to read more."""
    ctx = getattr(err, "ctx", None)
    if isinstance(err, click.exceptions.NoSuchCommand):
        text = f"det finns inget kommando '{err.command_name}'"
        if err.possibilities:
            text += " (menade du " + " eller ".join(err.possibilities) + "?)"
    elif isinstance(err, click.NoSuchOption):
        text = f"det finns inget alternativ {err.option_name}"
        if err.possibilities:
            text += " (menade du " + " eller ".join(sorted(err.possibilities)) + "?)"
    elif isinstance(err, click.MissingParameter):
        name = _option_name(err.param)
        text = f"{name} saknas; ange {name} med ett värde" if name.startswith("-") else f"{name} saknas"
    elif isinstance(err, click.BadParameter):
        name = _option_name(err.param) or (err.param_hint if isinstance(err.param_hint, str) else "")
        text = f"{name}: {err.message}" if name else err.message
    elif isinstance(err, click.BadOptionUsage):
        if "does not take a value" in err.message:
            text = f"{err.option_name} tar inget värde"
        else:
            text = f"{err.option_name} behöver ett värde, t.ex. {err.option_name} VÄRDE"
    elif isinstance(err, click.UsageError):
        extra = re.fullmatch(r"Got unexpected extra arguments? \((.*)\)", err.message)
        if extra:
            text = f"oväntat argument: {extra.group(1)}"
        elif err.message.startswith("Missing command"):
            text = "ange ett kommando"
        else:
            text = "kommandoraden går inte att tolka"
    else:
        text = "kommandot kunde inte köras"
    where = f" Se {ctx.command_path} --hjalp." if ctx is not None else ""
    return f"Fel: {text.rstrip('.')}.{where}"


class SwedishCommand(click.Command):
    """A command whose help speaks Swedish (the help option, the usage line, the headings)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[ALTERNATIV]")
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "Visa den här hjälpen och avsluta."
        return option

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix="Användning: ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                rows.append((record[0], record[1].replace("[required]", "[krävs]").replace("default:", "standard:")))
        if rows:
            with formatter.section("Alternativ"):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        """click's main, with its usage errors in Swedish (and never a traceback for them)."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as err:
            click.echo(err.format_message(), err=True)
            sys.exit(err.exit_code)
        except click.ClickException as err:
            click.echo(swedish_error(err), err=True)
            sys.exit(err.exit_code)
        except click.Abort:
            click.echo("Avbrutet.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


class SwedishGroup(SwedishCommand, click.Group):
    """A command group that lists commands in the order given and accepts English aliases."""

    command_class = SwedishCommand

    def __init__(self, *args, aliases: dict[str, str] | None = None, **kwargs):
        kwargs.setdefault("subcommand_metavar", "KOMMANDO [ARGUMENT]...")
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
@click.pass_context
def main(ctx: click.Context) -> None:
    # A command killed half-way: complete (or undo) what its journal says, remove its staging folders
    # (rapportbok.core.journal). Only if no other command holds the lock: that one is doing the same.
    from rapportbok.core import journal, paths

    _recover(
        lambda log: journal.recover(
            paths.project_root(), paths.data_dir(), log, command=ctx.invoked_subcommand or "rapportbok"
        )
    )


def _recover(run) -> None:
    """Complete or undo what killed commands left (rapportbok.core.journal); exit 1 if data/ cannot be put right."""
    from rapportbok.core import journal
    from rapportbok.core.oserrors import describe

    try:
        run(click.echo)
    except journal.JournalError as err:
        click.echo(f"Fel: {err}", err=True)
        sys.exit(1)
    except OSError as err:
        click.echo(f"Fel: ett avbrutet kommando gick inte att slutföra: {describe(err)}.", err=True)
        sys.exit(1)


def _writing(command: str):
    """The project's lock for a command that writes data/ (rapportbok.core.lock): waits for another such
    command, saying so once, then completes what a killed command left (rapportbok.core.journal)."""
    import contextlib

    from rapportbok.core import journal, lock, paths

    @contextlib.contextmanager
    def held():
        root, entered = paths.project_root(), False
        try:
            with lock.held(root, command, waiting=lambda line: click.echo(line, err=True)):
                entered = True
                _recover(lambda log: journal.recover_all_locked(root, paths.data_dir(), log))
                try:
                    yield
                except journal.JournalError as err:  # a write neither completed nor undone: it says what is where
                    click.echo(f"Fel: {err}", err=True)
                    sys.exit(1)
        except KeyboardInterrupt:
            if entered:
                raise
            click.echo("Avbrutet medan kommandot väntade; inget har ändrats.", err=True)
            sys.exit(130)
        except lock.Unavailable as err:
            from rapportbok.core.oserrors import describe

            click.echo(f"Fel: inget har ändrats; projektets lås går inte att skapa: {describe(err)}.", err=True)
            sys.exit(1)

    return held()


def _org_folder(org: str):
    """data/<org> for ``--org``: a slug (rapportbok.core.ids.SLUG) inside data/, else a Swedish error and exit 1."""
    from rapportbok.core import paths

    try:
        return paths.org_folder(org)
    except paths.PathError as err:
        click.echo(f"Fel: --org {err}", err=True)
        sys.exit(1)


def validate() -> None:
    from rapportbok.core import lock, paths

    root = paths.project_root()
    try:
        _validate_locked(root)
    except lock.Unavailable:  # a read-only project: nobody can write in it either
        _report(_checked())


def _validate_locked(root: Path) -> None:
    from rapportbok.core import journal, lock, paths

    # data/ is read when no command is writing it: under the lock, or beside a build (which holds the lock
    # and writes nothing in data/, so nobody else can while it runs) if the build still holds it afterwards.
    for _ in range(3):
        try:
            with lock.held(root, "kontrollera", wait=False):
                _recover(lambda log: journal.recover_all_locked(root, paths.data_dir(), log))
                return _report(_checked())
        except lock.Busy as busy:
            if (busy.holder or {}).get("command") != "bygg":
                break
            issues = _checked()
            if lock.still_held(root, busy.holder):
                return _report(issues)
    with lock.held(root, "kontrollera", waiting=lambda line: click.echo(line, err=True)):
        _recover(lambda log: journal.recover_all_locked(root, paths.data_dir(), log))
        return _report(_checked())


def _checked() -> list:
    from rapportbok.core.oserrors import describe
    from rapportbok.publish import validation

    try:
        return validation.validate()
    except OSError as err:
        click.echo(f"Kontrollen av data/ avbröts: {describe(err)}.", err=True)
        sys.exit(1)


def _report(issues: list) -> None:
    from rapportbok.data.schema import DataError

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
    type=Integer("ett antal från 1, t.ex. 2", minimum=1, maximum=256),
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
        head = "Bygget avbröts; den förra boken och webbplatsen är orörda." if err.untouched else "Bygget avbröts."
        return f"{head}\n{err}{hint}"
    from rapportbok.core.oserrors import describe

    return f"Bygget avbröts; den förra boken och webbplatsen är orörda.\n{describe(err)}."


def _watch(no_site: bool, workers: int | None, pdf: bool) -> None:
    import signal

    from rapportbok.publish import build as builder

    def terminated(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminated)
    # Ctrl-C ends watching even when the command was started with SIGINT ignored: a shell without job control
    # starts a command run in the background (`&`, a CI script) that way, and Python then leaves it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
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
    for org in orgs:  # a wrong --org is refused before anything, the lock included
        _org_folder(org)
    with _writing("kolada hamta"):
        _kolada_fetch(orgs, everyone, base_url)


def _kolada_fetch(orgs: tuple[str, ...], everyone: bool, base_url: str | None) -> None:
    from rapportbok.core import ids, paths
    from rapportbok.data import kolada as kol

    if everyone == bool(orgs):
        click.echo("Fel: ange --org ORG (en eller flera gånger) eller --alla, inte båda.", err=True)
        sys.exit(1)
    if everyone:
        folders = sorted(
            p.parent
            for p in paths.data_dir().glob(f"*/{kol.CONFIG_FILE}")
            if (p.parent / "organisation.yml").is_file() and ids.SLUG.valid(p.parent.name)
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
    for org in orgs:
        _org_folder(org)
    with _writing("kolada flytta"):
        _kolada_migrate(orgs)


def _kolada_migrate(orgs: tuple[str, ...]) -> None:
    from rapportbok.core import ids, paths
    from rapportbok.data import kolada as kol

    folders = (
        [_org_folder(o) for o in dict.fromkeys(orgs)]
        if orgs
        else sorted(p for p in paths.data_dir().iterdir() if p.is_dir() and ids.SLUG.valid(p.name))
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
    with _writing("kolada metadata"):
        _kolada_metadata(base_url)


def _kolada_metadata(base_url: str | None) -> None:
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
    "--ar",
    "years",
    multiple=True,
    type=Integer("ett årtal med fyra siffror, t.ex. 2025", minimum=1900, maximum=2100),
    help="Rapportår (kan anges flera gånger; standard: förra året).",
)
@click.option("--mapp", "slug", default=None, help="Mappens namn under data/ (standard: kommunens namn, t.ex. ale).")
def new_organisation(kommun: str, years: tuple[int, ...], slug: str | None) -> None:
    from rapportbok.data import kolada_snapshot as snap
    from rapportbok.data import scaffold

    try:
        with _writing("ny-organisation"):
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
@click.option(
    "--ar",
    "year",
    required=True,
    type=Integer("ett årtal med fyra siffror, t.ex. 2025", minimum=1900, maximum=2100),
    help="Året, t.ex. 2025.",
)
@click.option(
    "--tertial", default=None, type=Integer("1, 2 eller 3", minimum=1, maximum=3), help="Tertialet: 1, 2 eller 3."
)
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
    type=FileName(),
    help="Filen att skriva (standard: uppfoljning_ORG_ÅR_TT.xlsx eller uppfoljning_ORG_ÅÅÅÅ-MM-DD.xlsx här).",
)
@click.option(
    "--tabeller",
    "tables_kind",
    default=None,
    type=Choice(["budget", "månadsrapport", "tertialrapport", "delårsrapport", "bokslut"]),
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
@click.argument("file", metavar="FIL")
@click.option("--org", required=True, help="Organisationens mapp under data/, t.ex. haninge.")
@click.option(
    "--ersatt",
    is_flag=True,
    help="Ersätt det som redan finns: i en uppföljning raderna med samma atgard_id "
    "och per_datum, i en tabellmall tabellerna med samma id (tabell i B1).",
)
def import_(file: str, org: str, ersatt: bool) -> None:
    _org_folder(org)
    with _writing("importera"):  # read, merged and written with no other command in between
        _import(file, org, ersatt)


def _import(file: str, org: str, ersatt: bool) -> None:
    from rapportbok.data import measure_workbook as excel
    from rapportbok.data import tables_workbook
    from rapportbok.data.workbook import sheet_names

    xlsx = Path(file).name.lower().endswith(".xlsx")
    kind = tables_workbook.workbook_kind(Path(file)) if xlsx else None
    if kind is None and xlsx and sheet_names(Path(file)) is not None:  # a workbook, but from neither template
        click.echo(
            f"Fel: {Path(file).name}: förväntade en ifylld mall från rapportbok mall (bladet "
            f"{excel.SHEET}) eller rapportbok mall --tabeller (blad med tabell i A1). Inget har importerats; "
            "data/ är oförändrad.",
            err=True,
        )
        sys.exit(1)
    if kind == tables_workbook.TABLES:
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
