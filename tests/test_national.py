"""The national edition (#16): the Kolada metadata snapshot, `ny-organisation`, `kolada metadata`,
`kolada hamta --alla` (batched, resumable) and the genomlysning that stands on Kolada alone.

The municipalities, groups and KPI titles are Kolada's real metadata (the shipped snapshot); every
VALUE served by the fake Kolada server here is SYNTHETIC (tests/kolada_server.seed_national).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from rapportbok.cli import main
from rapportbok.data import datasets, kolada, scaffold
from rapportbok.data import kolada_snapshot as snap
from tests.kolada_server import FakeKolada, seed_national

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = Path(__file__).resolve().parent / "fixtures" / "kolada_catalogue"  # real extracts: see its README
NOW = dt.datetime(2019, 6, 1, 12, 0, tzinfo=dt.UTC)  # years 2018-2019 with first_year 2018


def _empty_data(tmp_path: Path) -> Path:
    """A data/ with the source register and no organisation (a fresh national edition)."""
    data = tmp_path / "data"
    data.mkdir(parents=True)
    shutil.copy(ROOT / "data" / "kallor.csv", data / "kallor.csv")
    shutil.copytree(ROOT / "data" / "kallor", data / "kallor")
    return data


# --- the snapshot -------------------------------------------------------------------------------


def test_snapshot_has_every_municipality_with_its_three_groups():
    s = snap.load()
    assert len(s.municipalities) == 290
    alingsas = s.municipalities["1489"]
    assert alingsas.name == "Alingsås"
    # The ids ../shared/kolada/README.md names for Alingsås's similar municipalities.
    assert [g for g, _ in alingsas.groups.values()] == ["G36450", "G175906", "G216096"]
    assert all(len(m.groups) == 3 for m in s.municipalities.values())
    assert s.kpis["N31001"][0] == "Kostnad ekonomiskt bistånd, kr/inv"
    assert set(s.kpis) == set(snap.STANDARD_KPIS) and snap.POPULATION_KPI in s.kpis
    assert s.meta["fetched_at"] and "Kolada" in s.meta["source"]


def test_snapshot_is_made_from_the_catalogue(tmp_path):
    import gzip

    for name in ("municipality-groups.csv", "kpi-catalogue.tsv"):
        (tmp_path / name).write_bytes(gzip.decompress((CATALOGUE / f"{name}.gz").read_bytes()))
    groups, kpis = snap.records_from_catalogue(tmp_path / "municipality-groups.csv", tmp_path / "kpi-catalogue.tsv")
    made = snap.build(groups, kpis, snap.load().meta)
    snap.write(made, tmp_path)
    for name in (snap.MUNICIPALITIES_FILE, snap.KPIS_FILE):
        assert (tmp_path / name).read_text(encoding="utf-8") == (snap.SNAPSHOT_DIR / name).read_text(encoding="utf-8")
    with open(tmp_path / "kpi-catalogue.tsv", encoding="utf-8") as fh:
        catalogue = {r["id"]: r["title"] for r in csv.DictReader(fh, delimiter="\t")}
    assert all(catalogue[k] == title for k, (title, _, _) in snap.load().kpis.items())


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("1440", "1440"),
        ("Ale", "1440"),
        ("ALINGSAS", "1489"),
        ("alingsås kommun", "1489"),
        ("upplands vasby", "0114"),
        ("Linköpings kommun", "0580"),
        ("Stockholms stad", "0180"),
        ("Borås Stad", "1490"),
        ("Mönsterås", "0861"),
        ("Malung-Salen", "2023"),
        ("  Umeå ", "2480"),
    ],
)
def test_find_by_code_or_name_ignoring_case_and_diacritics(query, code):
    assert snap.find(snap.load(), query).id == code


def test_find_names_close_matches_or_the_code_format():
    with pytest.raises(
        snap.SnapshotError, match=r"Hittar ingen kommun som heter 'Stokholm'\. Liknande namn: Stockholm \(0180\)"
    ):
        snap.find(snap.load(), "Stokholm")
    with pytest.raises(snap.SnapshotError, match="Kommunkoden 9999 finns inte"):
        snap.find(snap.load(), "9999")


def test_build_refuses_a_municipality_without_its_groups():
    groups = [
        {"id": "G2328", "title": "Alla kommuner", "members": [{"member_id": "1440", "member_title": "Ale"}]},
        {"id": "G1", "title": "Liknande kommuner IFO, Ale, 2024", "members": []},
    ]
    with pytest.raises(snap.SnapshotError, match="Ale \\(1440\\) saknar gruppen Liknande kommuner ekonomiskt bistånd"):
        snap.build(groups, [], {})


# --- ny-organisation ----------------------------------------------------------------------------


def test_slugs():
    assert scaffold.slug_for("Upplands Väsby") == "upplands-vasby"
    assert scaffold.slug_for("Malung-Sälen") == "malung-salen"
    assert scaffold.slug_for("Håbo") == "habo"


def test_new_organisation_writes_a_valid_configuration(tmp_path):
    data = _empty_data(tmp_path)
    made = scaffold.create("ale", data=data, years=[2024, 2025])
    assert made.folder == data / "ale" and sorted(p.name for p in made.folder.iterdir()) == [
        "kolada.yml",
        "organisation.yml",
    ]
    org_yml = yaml.safe_load((data / "ale" / "organisation.yml").read_text(encoding="utf-8"))
    assert org_yml == {
        "slug": "ale",
        "namn": "Ale",
        "namnd": "Socialnämnden",
        "kolada_id": "1440",
        "ar": {2024: {"tertial": 3}, 2025: {"tertial": 3}},
    }
    cfg = kolada.load_config(data / "ale")
    assert cfg.municipalities == {"1440": "Ale"}
    assert list(cfg.groups) == ["G2328", "G36449", "G175905", "G216095"]
    assert cfg.groups["G36449"] == "Liknande kommuner IFO, Ale, 2024"
    assert cfg.kpis == list(snap.STANDARD_KPIS) and cfg.all_municipalities
    assert len(cfg.all_ids()) == 1 + 4 + 289  # itself, its four groups, and every other municipality
    # It validates: data/ with only the new organisation has no error.
    assert [i for i in datasets.validate(data) if i.severity == "fel"] == []
    assert not list(data.glob(".*.tmp"))


def test_new_organisation_refuses_to_overwrite(tmp_path):
    data = _empty_data(tmp_path)
    scaffold.create("1440", data=data)
    before = (data / "ale" / "kolada.yml").read_text(encoding="utf-8")
    with pytest.raises(scaffold.ScaffoldError, match="finns redan"):
        scaffold.create("Ale", data=data)
    with pytest.raises(scaffold.ScaffoldError, match=r"Ale \(1440\) finns redan som organisation i data/ale/"):
        scaffold.create("Ale", data=data, slug="ale-kommun")
    assert not (data / "ale-kommun").exists()
    assert (data / "ale" / "kolada.yml").read_text(encoding="utf-8") == before


def test_cli_new_organisation(tmp_path, monkeypatch):
    data = _empty_data(tmp_path)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    runner = CliRunner()
    res = runner.invoke(main, ["ny-organisation", "--kommun", "Umeå", "--ar", "2024"])
    assert res.exit_code == 0, res.output
    assert "Skapade" in res.output and "Umeå (2480)" in res.output and "kolada hamta --org umea" in res.output
    res = runner.invoke(main, ["new-organisation", "--kommun", "umea"])  # the English alias
    assert res.exit_code == 1 and "Organisationen finns redan" in res.output and "Traceback" not in res.output
    res = runner.invoke(main, ["ny-organisation", "--kommun", "Götebrog"])
    assert res.exit_code == 1 and "Liknande namn: Göteborg (1480)" in res.output
    res = runner.invoke(main, ["ny-organisation", "--kommun", "Ale", "--mapp", "../ut"])
    assert res.exit_code == 1 and "Mappnamnet" in res.output and not (tmp_path / "ut").exists()


# --- kolada metadata (refresh from the API) -----------------------------------------------------


def _seed_metadata(fake: FakeKolada) -> None:
    """Kolada's real groups for three municipalities (a small G2328) and the standard KPIs' titles."""
    s = snap.load()
    three = [s.municipalities[c] for c in ("1440", "1489", "0580")]
    fake.add_group("G2328", "Alla kommuner (ovägt medel)", [(m.id, m.name) for m in three])
    for m in three:
        for gid, title in m.groups.values():
            fake.add_group(gid, title, [(m.id, m.name)])
    fake.add_group("G1", "Något annat", [("1440", "Ale")])
    for k, (title, _, _) in s.kpis.items():
        fake.add_kpi(k, title)


def test_refresh_from_the_fake_server(tmp_path):
    with FakeKolada(page_size=2) as fake:  # small pages: next_url is followed
        _seed_metadata(fake)
        client = kolada.KoladaClient(base_url=fake.base_url, sleep=lambda s: None)
        s = snap.refresh(client, tmp_path, now=NOW)
    assert list(s.municipalities) == ["0580", "1440", "1489"]
    again = snap.load(tmp_path)
    assert again.municipalities["1489"].groups == snap.load().municipalities["1489"].groups
    assert again.meta["fetched_at"] == "2019-06-01T12:00:00+00:00" and again.meta["base_url"] == client.base_url


def test_cli_kolada_metadata_writes_nothing_when_incomplete(tmp_path, monkeypatch):
    monkeypatch.setattr(snap, "SNAPSHOT_DIR", tmp_path / "meta")
    runner = CliRunner()
    with FakeKolada() as fake:
        _seed_metadata(fake)
        fake.kpi_meta = fake.kpi_meta[1:]  # one standard KPI is gone from Kolada
        res = runner.invoke(main, ["kolada", "metadata", "--api-adress", fake.base_url])
        assert res.exit_code == 1 and "inget har skrivits" in res.output and "N30101" in res.output
        assert not (tmp_path / "meta").exists()
        _seed_metadata(fake)
        res = runner.invoke(main, ["kolada", "metadata", "--api-adress", fake.base_url])
    assert res.exit_code == 0, res.output
    assert "3 kommuner, 15 nyckeltal" in res.output and (tmp_path / "meta" / snap.MUNICIPALITIES_FILE).is_file()


# --- many organisations at once ----------------------------------------------------------------

CODES = ("1440", "2480", "0180")  # Ale, Umeå, Stockholm


@pytest.fixture(scope="module")
def national_fake():
    with FakeKolada() as fake:
        seed_national(fake, [2018, 2019])
        yield fake


def _orgs(data: Path) -> list[Path]:
    return [scaffold.create(c, data=data, years=[2019]).folder for c in CODES]


def _client(fake: FakeKolada, **kw) -> kolada.KoladaClient:
    return kolada.KoladaClient(base_url=fake.base_url, sleep=lambda s: None, **kw)


@pytest.fixture(scope="module")
def fetched_one_by_one(national_fake, tmp_path_factory) -> tuple[Path, int]:
    """The three organisations fetched one by one (fetch_org), the reference for the batched fetches below: its
    data/ and the number of requests it took. Fetched once for the module: a national fetch is seconds."""
    fake = national_fake
    data = _empty_data(tmp_path_factory.mktemp("one"))
    start = len(fake.requests)
    for folder in _orgs(data):
        kolada.fetch_org(folder, _client(fake), now=NOW)
    return data, len(fake.requests) - start


def test_fetch_many_batches_and_equals_one_by_one(tmp_path, national_fake, fetched_one_by_one):
    fake = national_fake
    one, one_by_one = fetched_one_by_one
    many = _empty_data(tmp_path / "many")
    start = len(fake.requests)
    calls = []
    reports = kolada.fetch_many(
        _orgs(many),
        _client(fake),
        tmp_path / "parts",
        now=NOW,
        plan_ready=lambda done, total: calls.append((done, total)),
        progress=lambda n: calls.append(n),
    )
    batched = len(fake.requests) - start
    configs = [kolada.load_config(many / s) for s in ("ale", "umea", "stockholm")]
    kpis, ids, pieces = kolada.plan_many(configs, [2018, 2019])
    # 290 municipalities, G2328 and each one's three groups: 300 ids in 12 requests, all 15 KPIs in each.
    assert len(kpis) == 15 and len(ids) == 300
    assert batched == len(pieces) == 1 + math.ceil(300 / 25) == 13
    assert one_by_one == 3 * (1 + math.ceil(294 / 25)) == 39
    assert calls[0] == (0, batched) and sum(c for c in calls[1:]) == batched
    assert [r.org_dir.name for r in reports] == ["ale", "umea", "stockholm"]
    # One national store: a folder per KPI, each fetched once for all three, none per organisation.
    assert sorted(p.name for p in (many / "kolada").iterdir()) == sorted(kpis)
    assert not any((many / slug / "kolada").exists() for slug in ("ale", "umea", "stockholm"))
    for kpi in kpis:
        a = (one / "kolada" / kpi / "varden.csv").read_bytes()
        b = (many / "kolada" / kpi / "varden.csv").read_bytes()
        assert a == b and len(a.splitlines()) > 290 * 2
        meta = yaml.safe_load((many / "kolada" / kpi / "hamtning.yml").read_text(encoding="utf-8"))
        assert meta["fetched_at"] == "2019-06-01T12:00:00+00:00" and meta["source"] == "Källa: Kolada"
        assert meta["kpi"] == kpi and len(meta["ids"]) == 300 and meta["title"]
        assert meta["requests"] and all(kpi in u for u in meta["requests"])
    for slug in ("ale", "umea", "stockholm"):
        (a, meta_a), (b, meta_b) = kolada.load_stored(one / slug), kolada.load_stored(many / slug)
        assert a.equals(b) and len(a) > 290 * 2 * 15 and meta_a["kpi_titles"] == meta_b["kpi_titles"]
        assert set(a["municipality"]) == set(kolada.load_config(many / slug).all_ids())
    assert not (tmp_path / "parts").exists() or not any((tmp_path / "parts").iterdir())


def test_fetch_many_resumes_after_an_interruption(tmp_path, national_fake, fetched_one_by_one):
    fake = national_fake
    data = _empty_data(tmp_path)
    folders = _orgs(data)
    parts = tmp_path / "parts"
    # The 6th data request fails for good: the fetch stops there, having kept what it got.
    _, _, pieces = kolada.plan_many([kolada.load_config(f) for f in folders], [2018, 2019])
    rule = fake.fail(500, times=None, match=pieces[6].path)
    start = len(fake.requests)
    with pytest.raises(kolada.KoladaError):
        kolada.fetch_many(folders, _client(fake, max_retries=0), parts, now=NOW)
    fake.rules.remove(rule)
    first = [r for r in fake.requests[start:]]
    assert len(first) == 1 + 6  # KPI titles, five data requests answered, the sixth failed
    assert not (data / "kolada").exists()  # nothing is half updated
    kept = list(parts.rglob("*.json"))
    assert len(kept) == 1 + 1 + 5  # the manifest, the titles, five data parts

    start = len(fake.requests)
    calls = []
    kolada.fetch_many(
        folders,
        _client(fake),
        parts,
        now=NOW + dt.timedelta(minutes=5),
        plan_ready=lambda done, total: calls.append((done, total)),
    )
    again = fake.requests[start:]
    assert calls == [(6, 13)] and len(again) == 13 - 6  # only what was missing
    assert not any(u in first[:6] for u in again)
    whole, _ = fetched_one_by_one
    for kpi in (p.name for p in (whole / "kolada").iterdir()):
        assert (data / "kolada" / kpi / "varden.csv").read_bytes() == (
            whole / "kolada" / kpi / "varden.csv"
        ).read_bytes()


def test_parts_of_an_old_interrupted_fetch_are_not_reused(tmp_path, national_fake):
    fake = national_fake
    data = _empty_data(tmp_path)
    folders = _orgs(data)[:2]
    rule = fake.fail(500, times=None, match="/data/")
    with pytest.raises(kolada.KoladaError):
        kolada.fetch_many(folders, _client(fake, max_retries=0), tmp_path / "parts", now=NOW)
    fake.rules.remove(rule)
    calls = []
    kolada.fetch_many(
        folders,
        _client(fake),
        tmp_path / "parts",
        now=NOW + dt.timedelta(days=2),
        plan_ready=lambda done, total: calls.append((done, total)),
    )
    assert calls[0][0] == 0  # the kept KPI titles were two days old: fetched again


def test_cli_fetch_all_with_progress(tmp_path, monkeypatch, national_fake):
    data = _empty_data(tmp_path)
    _orgs(data)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    monkeypatch.setenv("RAPPORTBOK_ROOT", str(tmp_path))
    runner = CliRunner()
    res = runner.invoke(main, ["kolada", "hamta", "--alla", "--org", "ale"])
    assert res.exit_code == 1 and "inte båda" in res.output
    res = runner.invoke(main, ["kolada", "hamta", "--alla", "--api-adress", national_fake.base_url])
    assert res.exit_code == 0, res.output
    assert "Hämtar 3 organisationer från Kolada" in res.output
    assert res.output.count("Ingen tidigare hämtning fanns") == 3
    assert len(list((data / "kolada").glob("*/varden.csv"))) == 15


# --- the genomlysning on Kolada alone ----------------------------------------------------------


def test_genomlysning_on_kolada_alone(tmp_path, monkeypatch, national_fake):
    fake = national_fake
    data = _empty_data(tmp_path)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    monkeypatch.chdir(tmp_path)
    folder = scaffold.create("2480", data=data, years=[2019]).folder
    from rapportbok.chapters import review as chapter
    from rapportbok.chapters import summary

    # Before any fetch: the chapter is there, and says it has nothing from Kolada.
    sets = datasets.load_org("umea", data)
    assert chapter.has_data(sets, 2019) and summary.has_data(sets, 2019)
    said = []
    monkeypatch.setattr(chapter, "md", said.append)
    monkeypatch.setattr(chapter, "display", lambda obj: said.append(obj.data))
    ch = chapter.GenomlysningChapter("umea", 2019, 3)
    ch.intro()
    assert "ingen genomlysning i källorna" in said[-1] and chapter.NO_KOLADA in said[-1]
    assert chapter.NO_KOLADA in ch.rank_table().data
    assert "finns inte" in ch.stated_table().data

    kolada.fetch_org(folder, _client(fake), now=NOW)
    said.clear()
    ch = chapter.GenomlysningChapter("umea", 2019, 3)
    ch.intro()
    assert "Liknande kommuner IFO\\, Umeå\\, 2024" in said[-1] and "egen beräkning" in said[-1]
    ch.summary_table()
    table = said[-1].replace("\u00a0", " ")
    # Synthetic values: the gap against all municipalities in kr/inv times the stored population, in mnkr.
    v = {(r["kpi"], r["municipality"], r["period"]): r["values"][0]["value"] for r in fake.records.values()}
    own, everyone, pop = v[("N31001", "2480", 2019)], v[("N31001", "G2328", 2019)], v[("N01951", "2480", 2019)]
    from rapportbok.core import fmt

    room = (own - everyone) * pop / 1e6
    assert fmt.number(room, 1, sign=True).replace("\u00a0", " ") in table
    assert "290 enligt Kolada" in table and "Kolada" in table
    # No population for a KPI that is not per inhabitant: no förändringsutrymme for a share.
    rows = table.split("</tr>")
    share = [r for r in rows if "Öppet arbetslösa" in r]
    assert share and all(re.search(r">\s*–\s*<", r) for r in share)
    # Rank and percentile among all 290 (every municipality was fetched).
    rank = ch.rank_table().data.replace("\u00a0", " ")
    values = sorted(v[("N31001", m, 2019)] for m in snap.load().municipalities)
    place = sum(1 for x in values if x < own) + 1
    assert re.search(rf"Kostnad ekonomiskt bistånd, kr/inv.*?>{place}<", rank, flags=re.DOTALL)
    assert "kräver värden för alla kommuner" not in " ".join(s for s in said if isinstance(s, str))
    change = ch.change_table().data
    assert "Förändring mellan första och senaste år" in change and "Källa: Kolada" in change


# --- end to end: a fresh copy, three real municipality codes, a fetch and a build ---------------


def test_three_new_municipalities_fetch_and_build(tmp_path):
    """`ny-organisation` for three real codes, `kolada hamta --alla` from the local fake server
    (SYNTHETIC values), and `rapportbok bygg` (what `make book` runs) give their books.

    In a copy of the project without its example organisations (a fresh national edition: their nineteen pages
    would only make the site take longer to build); every command but `bygg` in this process."""
    from conftest import copy_project, invoke_cli, organisation_folders, run_cli

    project = tmp_path / "proj"
    project.mkdir()
    copy_project(project)
    for org in organisation_folders(project / "data"):
        shutil.rmtree(project / "data" / org)
        shutil.rmtree(project / "book" / org)
    for code in CODES:
        proc = invoke_cli(project, "ny-organisation", "--kommun", code, "--ar", "2019")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = invoke_cli(project, "kontrollera")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with FakeKolada() as fake:
        seed_national(fake, [2018, 2019])
        proc = invoke_cli(project, "kolada", "hamta", "--alla", "--api-adress", fake.base_url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Hämtar 3 organisationer från Kolada" in proc.stderr  # the three, each with its kolada.yml
    proc = run_cli(project, "bygg")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for slug, name in (("ale", "Ale"), ("umea", "Umeå"), ("stockholm", "Stockholm")):
        for chapter in ("sammanfattning", "genomlysning"):
            assert (project / "book" / slug / "2019" / f"{chapter}.ipynb").is_file()
        page = (project / "_build" / "html" / "book" / slug / "2019" / "genomlysning.html").read_text(encoding="utf-8")
        assert f"Liknande kommuner IFO, {name}, 2024" in page and "Plats bland alla kommuner" in page
        assert "kräver värden för alla kommuner" not in page and "Källa: Kolada" in page
    toc = yaml.safe_load((project / "_toc.yml").read_text(encoding="utf-8"))
    assert {"Ale", "Umeå", "Stockholm"} <= {p["caption"] for p in toc["parts"]}


def test_hostile_names_from_kolada_stay_text(tmp_path, monkeypatch):
    """Names and titles come from Kolada's API (`kolada metadata`): YAML, pages and messages keep them as text."""
    name = 'Ale<script>alert(1)</script> {dropdown} `x` "q": # [l](javascript:x)'
    groups = [{"id": "G2328", "title": "Alla kommuner", "members": [{"member_id": "1440", "member_title": name}]}]
    groups += [
        {"id": f"G{i}", "title": f"{prefix}, {name}, 2024", "members": []}
        for i, prefix in enumerate(snap.AREAS.values(), start=1)
    ]
    kpis = [{"id": k, "title": f"Titel {k} <b>"} for k in snap.STANDARD_KPIS]
    s = snap.build(groups, kpis, {"source": "syntetisk", "fetched_at": "2019-06-01"})
    data = _empty_data(tmp_path)
    made = scaffold.create("1440", data=data, snapshot=s, slug="ale")
    cfg = kolada.load_config(made.folder)
    assert cfg.municipalities == {"1440": name} and f"Liknande kommuner IFO, {name}, 2024" in cfg.groups.values()
    from rapportbok.data import organisations

    assert organisations.get("ale", data).name == name
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    from rapportbok.chapters import review as chapter

    said = []
    monkeypatch.setattr(chapter, "md", said.append)
    chapter.GenomlysningChapter("ale", made.years[0], 3).intro()
    assert "<script>" not in said[-1] and "{dropdown}" not in said[-1] and "](javascript" not in said[-1]
    bad = [dict(groups[0], members=[{"member_id": "1440", "member_title": "Ale\nx: 1"}])] + groups[1:]
    with pytest.raises(snap.SnapshotError, match="utan styrtecken"):
        snap.build(bad, kpis, {})
