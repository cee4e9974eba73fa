"""Regression tests for issue #12, items 9-12: bad input gets a precise Swedish message, never a traceback.

Each case starts from a scratch copy of data/ and breaks one thing (the style of test_bad_input.py):
`rapportbok validate` must report exactly that problem, name the file (and where it applies the
row, column, value and what was expected), exit non-zero and write nothing.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_data
from test_bad_input import (  # the same edits as the bad-input suite
    append,
    replace,
    rewrite_bytes,
    scratch_for,
)

from rapportbok.cli import main
from rapportbok.data import datasets

ROOT = Path(__file__).resolve().parents[1]
VARDEN = "alingsas/tabell_varden.csv"
KB = "alingsas/kommunbidrag_forandring.csv"
FOLLOW = "haninge/uppfoljning_atgarder.csv"
ORG = "alingsas/organisation.yml"
KALLA_TXT = "kallor/alingsas-sn-budget-2025-2027.txt"


def tree_digest(folder: Path) -> str:
    """Every file under ``folder`` but the build's lock (``_build/.rapportbok-lock``, taken by any build)."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != ".rapportbok-lock":
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


SAVE = "spara filen i Excel som CSV UTF-8 (kommaavgränsad) (.csv)"
UNIQUE_CELL = "en unik kombination av tabell, rad, kolumn (raden finns redan)."

CASES = [
    # --- item 9: keys compare as the book reads them ---
    (
        "dubblett med mellanslag före året",
        replace(
            VARDEN, "ramar,2,Personalkostnader,6,post,,budget2025", "ramar, 2,Personalkostnader,6,post,,budget2024"
        ),
        "alingsas/tabell_varden.csv, rad 7, kolumn 'tabell+rad+kolumn': värdet 'ramar / 2 / budget2024' – förväntade "
        + UNIQUE_CELL,
    ),
    (
        "dubblett med decimal i radnumret",
        replace(
            VARDEN, "ramar,2,Personalkostnader,6,post,,budget2025", "ramar,2.0,Personalkostnader,6,post,,budget2024"
        ),
        "alingsas/tabell_varden.csv, rad 7, kolumn 'tabell+rad+kolumn': värdet 'ramar / 2.0 / budget2024' – förväntade "
        + UNIQUE_CELL,
    ),
    (
        "dubblerad uppföljning med mellanslag",
        replace(FOLLOW, "HAN-02,2018-07-31", "HAN-01 ,2018-07-31"),
        "haninge/uppfoljning_atgarder.csv, rad 3, kolumn 'atgard_id+per_datum': värdet 'HAN-01 / 2018-07-31' – förväntade "
        "en unik kombination av atgard_id, per_datum (raden finns redan).",
    ),
    # --- item 10: absurd magnitudes (the build's rounding would raise decimal.InvalidOperation) ---
    (
        "tal med 40 siffror",
        replace(VARDEN, ",31417\n", ",1234567890123456789012345678901234567890\n"),
        "alingsas/tabell_varden.csv, rad 2, kolumn 'varde': värdet '1234567890123456789012345678901234567890' – förväntade "
        "ett tal mindre än 1 000 000 000 000 000 till beloppet (högst 15 siffror före decimaltecknet).",
    ),
    (
        "tal med 400 siffror",
        replace(VARDEN, ",31417\n", "," + "9" * 400 + "\n"),
        "alingsas/tabell_varden.csv, rad 2, kolumn 'varde': värdet '" + "9" * 400 + "' – förväntade "
        "ett tal mindre än 1 000 000 000 000 000 till beloppet (högst 15 siffror före decimaltecknet).",
    ),
    # --- item 10: structure and encodings ---
    (
        "dubblerad rubrik",
        replace(
            VARDEN,
            "tabell,rad,post,summeras_i,roll,berakning,kolumn,varde",
            "tabell,rad,post,summeras_i,roll,berakning,kolumn,varde,rad",
        ),
        None,
    ),  # also every row has one field too few: checked below
    (
        "binär fil",
        rewrite_bytes(KB, lambda b: bytes(range(256)) * 4),
        "alingsas/kommunbidrag_forandring.csv: värdet 'binärt innehåll (nolltecken)' – förväntade en textfil (CSV) – "
        + SAVE
        + ".",
    ),
    (
        "arbetsbok med ändelsen csv",
        rewrite_bytes(KB, lambda b: b"PK\x03\x04" + b"\x14\x00" * 40),
        "alingsas/kommunbidrag_forandring.csv: värdet 'en Excel-arbetsbok (eller zip-fil)' – förväntade en textfil (CSV), "
        "inte en arbetsbok med ändelsen .csv – " + SAVE + ".",
    ),
    (
        "UTF-16 med BOM",
        rewrite_bytes(KB, lambda b: b.decode("utf-8").encode("utf-16")),
        "alingsas/kommunbidrag_forandring.csv: värdet 'en fil i UTF-16 (Unicode-text)' – förväntade en textfil i UTF-8 – "
        + SAVE
        + ".",
    ),
    (
        "UTF-16 utan BOM",
        rewrite_bytes(KB, lambda b: b.decode("utf-8").encode("utf-16-le")),
        "alingsas/kommunbidrag_forandring.csv: värdet 'en fil i UTF-16 (Unicode-text)' – förväntade en textfil i UTF-8 – "
        + SAVE
        + ".",
    ),
    (
        "oläsbar byte",
        rewrite_bytes(KB, lambda b: b.replace(b"2025,volym", b"2025,vol\x81ym")),
        # One stray byte in a UTF-8 file: refused with its line (read as Windows-1252 every å, ä and ö would be
        # garbled; issue #27, item 6).
        "alingsas/kommunbidrag_forandring.csv, rad 5: värdet 'byten 0x81, som inte är UTF-8' – förväntade en fil i en "
        "enda kodning: den är i övrigt UTF-8, och läst som något annat blir varje å, ä och ö fel – skriv om tecknet på "
        "raden och " + SAVE + ".",
    ),
    # --- item 9/10: organisation.yml and kolada.yml through the typed models (with the line) ---
    (
        "tertial true",
        replace(ORG, "2025: {tertial: 1}", "2025: {tertial: true}"),
        "alingsas/organisation.yml, rad 10, nyckel 'ar.2025.tertial': värdet 'true' – förväntade tertial 1, 2 eller 3 (3 = helår), eller per: rapportdatum (ett månadsslut, t.ex. per: 2025-10-31).",
    ),
    (
        "tertial 1.0",
        replace(ORG, "2025: {tertial: 1}", "2025: {tertial: 1.0}"),
        "alingsas/organisation.yml, rad 10, nyckel 'ar.2025.tertial': värdet '1.0' – förväntade tertial 1, 2 eller 3 (3 = helår), eller per: rapportdatum (ett månadsslut, t.ex. per: 2025-10-31).",
    ),
    (
        "gräns .nan",
        append(ORG, "vasentlig_avvikelse: {tkr: .nan, procent: 2}\n"),
        "alingsas/organisation.yml, rad 11, nyckel 'vasentlig_avvikelse.tkr': värdet '.nan' – förväntade ett tal som inte är "
        "negativt, t.ex. 500 (inte true/false, .nan eller .inf).",
    ),
    (
        "gräns .inf",
        append(ORG, "vasentlig_avvikelse:\n  tkr: 500\n  procent: .inf\n"),
        "alingsas/organisation.yml, rad 13, nyckel 'vasentlig_avvikelse.procent': värdet '.inf' – förväntade ett tal som inte är "
        "negativt, t.ex. 500 (inte true/false, .nan eller .inf).",
    ),
    (
        "gräns som sant",
        append(ORG, "vasentlig_avvikelse: {tkr: true}\n"),
        "alingsas/organisation.yml, rad 11, nyckel 'vasentlig_avvikelse.tkr': värdet 'true' – förväntade ett tal som inte är "
        "negativt, t.ex. 500 (inte true/false, .nan eller .inf).",
    ),
    (
        "namn som mappning",
        replace(ORG, "namn: Alingsås kommun", "namn: {svenska: Alingsås kommun}"),
        "alingsas/organisation.yml, rad 3, nyckel 'namn': värdet '{svenska: Alingsås kommun}' – förväntade organisationens namn "
        "som text, t.ex. namn: Alingsås kommun.",
    ),
    (
        "organisation.yml i Windows-1252",
        rewrite_bytes(ORG, lambda b: b.decode("utf-8").encode("cp1252")),
        "alingsas/organisation.yml, rad 3: värdet 'byten 0xE5, som inte är UTF-8' – förväntade en textfil i UTF-8 (spara "
        "filen med kodningen UTF-8).",
    ),
    (
        "organisation.yml som ett ord",
        rewrite_bytes(ORG, lambda b: b"alingsas\n"),
        "alingsas/organisation.yml, rad 1: värdet 'alingsas' – förväntade en YAML-mappning med nycklarna slug, namn, namnd, "
        "kolada_id, ar, t.ex. slug: alingsas.",
    ),
    (
        "år utan mappning",
        replace(ORG, "2024: {tertial: 3}", "2024: 3"),
        "alingsas/organisation.yml, rad 9, nyckel 'ar.2024': värdet '3' – förväntade en mappning med rapportårets tertial "
        "eller rapportdatum, t.ex. 2024: {tertial: 3} eller 2025: {per: 2025-10-31}.",
    ),
    (
        "dubblerad nyckel",
        replace(ORG, "namnd: Socialnämnden\n", "namnd: Socialnämnden\nnamn: Alingsås\n"),
        "alingsas/organisation.yml, rad 5, nyckel 'namn': värdet 'namn' – förväntade varje nyckel bara en gång.",
    ),
    (
        "okänd nyckel",
        replace(ORG, "namnd: Socialnämnden\n", "namnd: Socialnämnden\nnamd: Socialnämnden\n"),
        "alingsas/organisation.yml, rad 5, nyckel 'namd': värdet 'namd' – förväntade bara nycklarna slug, namn, namnd, kolada_id, "
        "ar, vasentlig_avvikelse, rapporter.",
    ),
    (
        "kolada.yml med okvoterat kommun-id",
        replace("alingsas/kolada.yml", '"1440": Ale', "1440: Ale"),
        "alingsas/kolada.yml, rad 37, nyckel 'municipalities': värdet '1440' – förväntade ett kommun-id med fyra siffror, "
        't.ex. "1489", inom citattecken (annars kan inledande nollor försvinna).',
    ),
    (
        "kolada.yml med first_year true",
        replace("alingsas/kolada.yml", "first_year: 2018", "first_year: true"),
        "alingsas/kolada.yml, rad 32, nyckel 'first_year': värdet 'true' – förväntade ett årtal som heltal, t.ex. first_year: 2018.",
    ),
    (
        "kolada.yml med okänd riktning",
        replace("alingsas/kolada.yml", '"N33001": lagre', '"N33001": sämre'),
        "alingsas/kolada.yml, rad 77, nyckel 'battre.N33001': värdet 'sämre' – förväntade 'lagre' (lägre värde är bättre) eller "
        "'hogre' (högre värde är bättre).",
    ),
    (
        "källtext i Windows-1252",
        rewrite_bytes(KALLA_TXT, lambda b: b.decode("utf-8").encode("cp1252", errors="replace")),
        None,
    ),  # the line of the first non-UTF-8 byte depends on the text: checked below
]


@pytest.fixture
def scratch(tmp_path):
    """A scratch copy of data/ with Alingsås, the organisation whose files the tests below break."""
    return copy_data(tmp_path / "data", ["alingsas"])


@pytest.mark.parametrize("name, edit, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_reported_exactly(tmp_path, name, edit, expected):
    scratch = scratch_for(edit, tmp_path)
    edit(scratch)
    issues = [i for i in datasets.validate(scratch) if i.severity == "fel"]
    messages = [i.message() for i in issues]
    assert messages, f"{name}: nothing reported"
    if expected is not None:
        assert messages == [expected]
    for i in issues:
        assert i.file and i.expected and i.message().endswith(".")


@pytest.mark.parametrize("name, edit, expected", CASES, ids=[c[0] for c in CASES])
def test_cli_exits_non_zero_without_traceback_and_writes_nothing(tmp_path, monkeypatch, name, edit, expected):
    scratch = scratch_for(edit, tmp_path)
    edit(scratch)
    before = tree_digest(scratch)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(scratch))
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    if expected:
        assert expected in result.output
    assert tree_digest(scratch) == before


def test_duplicated_header_is_named(scratch):
    replace(
        VARDEN,
        "tabell,rad,post,summeras_i,roll,berakning,kolumn,varde",
        "tabell,rad,post,summeras_i,roll,berakning,kolumn,varde,rad",
    )(scratch)
    messages = [i.message() for i in datasets.validate(scratch)]
    assert messages[0] == (
        "alingsas/tabell_varden.csv, rad 1, kolumn 'rad': värdet 'rad' – förväntade "
        "varje kolumnnamn bara en gång i rubrikraden."
    )


def test_source_text_in_cp1252_is_refused(scratch):
    rewrite_bytes(KALLA_TXT, lambda b: b.decode("utf-8").encode("cp1252", errors="replace"))(scratch)
    [issue] = datasets.validate(scratch)
    assert issue.file == KALLA_TXT
    assert issue.value.startswith("byten 0x") and issue.value.endswith(", som inte är UTF-8") and issue.row > 0
    assert issue.expected.startswith("en textfil i UTF-8")


def test_40_digit_number_never_reaches_the_rounding():
    from rapportbok.core import fmt

    with pytest.raises(ArithmeticError):  # what validation now keeps away from the build
        fmt.number(1e40)
    assert fmt.number(999_999_999_999_999.0) == "999\u00a0999\u00a0999\u00a0999\u00a0999"


def test_nan_threshold_never_switches_warnings_off(tmp_path):
    from rapportbok.data import organisations as orgs

    data = copy_data(tmp_path / "data", ["alingsas"])
    p = data / ORG
    p.write_text(p.read_text(encoding="utf-8") + "vasentlig_avvikelse: {tkr: .nan, procent: .inf}\n", encoding="utf-8")
    org, issues = orgs.load("alingsas", data)
    assert org is None  # an organisation.yml with an error is not read: the build stops and says why
    assert {(i.column, i.value) for i in issues} == {
        ("vasentlig_avvikelse.tkr", ".nan"),
        ("vasentlig_avvikelse.procent", ".inf"),
    }


def test_orgs_public_functions_still_work():
    from rapportbok.data import organisations as orgs

    org = orgs.get("alingsas", ROOT / "data")
    assert (org.slug, org.name, org.namnd, org.kolada_id, org.years) == (
        "alingsas",
        "Alingsås kommun",
        "Socialnämnden",
        "1489",
        {2024: 3, 2025: 1},
    )


# --- Kolada: same origin, malformed and duplicate records, Retry-After, deadline (items 9-11) ----------

from rapportbok.data.kolada import KoladaClient, KoladaError, fetch_org  # noqa: E402
from tests.kolada_server import FakeKolada  # noqa: E402


@pytest.fixture
def fake():
    with FakeKolada() as server:  # 127.0.0.1 only
        yield server


def _client(fake, **kw):
    sleeps: list[float] = []
    kw.setdefault("timeout", 5)
    c = KoladaClient(base_url=fake.base_url, max_retries=3, backoff=0.5, sleep=sleeps.append, **kw)
    return c, sleeps


def _record(value, **over):
    rec = {
        "kpi": "N31001",
        "municipality": "1489",
        "period": 2023,
        "values": [{"gender": "T", "value": value, "count": 1, "status": None, "isdeleted": False}],
    }
    rec.update(over)
    return rec


def _page(*records, next_url=None):
    return {"values": list(records), "count": len(records), "next_url": next_url, "previous_url": None}


def test_next_url_to_another_host_is_not_followed(fake):
    c, _ = _client(fake)
    fake.answer_with(
        _page(_record(1.0), next_url="http://127.0.0.2:9/v3/data/kpi/N31001/municipality/1489?page=2"), match="/data/"
    )
    with pytest.raises(KoladaError, match="next_url till en annan adress") as exc:
        c.data(["N31001"], ["1489"])
    assert "127.0.0.2" in str(exc.value)
    assert len(fake.requests) == 1  # nothing was asked of the other host (it was never contacted)


@pytest.mark.parametrize(
    "value, words",
    [
        ("12,5", "värdet '12,5' – förväntade ett ändligt tal eller null"),
        (True, "värdet True – förväntade ett ändligt tal eller null"),
        ({"a": 1}, "värdet {'a': 1} – förväntade ett ändligt tal eller null"),
    ],
)
def test_malformed_values_are_named_by_kpi_municipality_and_period(fake, value, words):
    c, _ = _client(fake)
    fake.answer_with(_page(_record(value)), match="/data/")
    with pytest.raises(KoladaError) as exc:
        c.data(["N31001"], ["1489"])
    assert str(exc.value) == (
        "Kolada skickade en felaktig post (nyckeltal N31001, kommun 1489, år 2023): " + words + "."
    )


def test_overflowing_number_is_refused_not_stored_as_inf(fake):
    c, _ = _client(fake)
    fake.answer_with(
        b'{"values": [{"kpi": "N31001", "municipality": "1489", "period": 2023, '
        b'"values": [{"gender": "T", "value": 1e400}]}], "next_url": null}',
        match="/data/",
    )
    with pytest.raises(KoladaError, match="värdet inf – förväntade ett ändligt tal eller null"):
        c.data(["N31001"], ["1489"])


def test_infinity_constant_in_json_is_refused(fake):
    c, _ = _client(fake)
    fake.answer_with(
        b'{"values": [{"kpi": "N31001", "municipality": "1489", "period": 2023, '
        b'"values": [{"gender": "T", "value": Infinity}]}], "next_url": null}',
        match="/data/",
    )
    with pytest.raises(KoladaError, match="inte med giltig JSON"):
        c.data(["N31001"], ["1489"])


@pytest.mark.parametrize(
    "over, words",
    [
        ({"period": "tjugo"}, "året 'tjugo' – förväntade ett årtal som 2024"),
        ({"kpi": None}, "nyckeltalets id None – förväntade ett id som N31001"),
        ({"municipality": 1489}, "kommunens id 1489 – förväntade ett id som 1489 eller G2328"),
    ],
)
def test_malformed_records_are_named(fake, over, words):
    c, _ = _client(fake)
    fake.answer_with(_page(_record(1.0, **over)), match="/data/")
    with pytest.raises(KoladaError) as exc:
        c.data(["N31001"], ["1489"])
    assert words in str(exc.value) and "Traceback" not in str(exc.value)


def test_duplicate_keys_are_stored_once_or_refused(fake):
    c, _ = _client(fake)
    fake.answer_with(_page(_record(1.0), _record(1.0)), match="/data/")
    assert len(c.data(["N31001"], ["1489"])) == 1
    fake.answer_with(_page(_record(1.0), _record(2.0)), match="/data/")
    with pytest.raises(
        KoladaError, match="två olika värden för nyckeltal N31001, kommun 1489, år 2023, kön T: 1.0 och 2.0"
    ):
        c.data(["N31001"], ["1489"])


def test_retry_after_is_capped(fake):
    c, sleeps = _client(fake)
    fake.fail(429, times=2, retry_after=86400)
    c.kpis(["N31001"])
    assert sleeps == [60.0, 60.0]


def test_retry_after_beyond_the_deadline_gives_up_at_once(fake):
    c, sleeps = _client(fake, deadline=30)
    fake.fail(429, times=1, retry_after=45)
    with pytest.raises(KoladaError, match="tidsgränsen för hämtningen"):
        c.kpis(["N31001"])
    assert sleeps == []


def test_a_server_sending_one_byte_at_a_time_is_stopped_by_the_deadline(fake):
    c, _ = _client(fake, deadline=1.5, timeout=5)
    fake.add_value("N31001", "1489", 2023, 1.0)
    fake.dripping(0.2, match="/data/")
    # Dripping, the body would take minutes, each byte well inside the read timeout: only the overall
    # deadline stops it, and says so (no wall-clock assertion: the error is the proof).
    with pytest.raises(KoladaError, match="tog längre än 1.5 s och avbröts"):
        c.data(["N31001"], ["1489"])


def test_fetch_org_with_a_bad_record_writes_nothing(fake, tmp_path):
    org = tmp_path / "alingsas"
    org.mkdir()
    (org / "kolada.yml").write_text(
        'kpis: ["N31001"]\nfirst_year: 2023\nmunicipalities: {"1489": Alingsås}\n', encoding="utf-8"
    )
    fake.add_kpi("N31001", "Kostnad ekonomiskt bistånd, kr/inv")
    fake.answer_with(_page(_record("x")), match="/data/")
    c, _ = _client(fake)
    with pytest.raises(KoladaError):
        fetch_org(org, c)
    assert not (org / "kolada").exists()


def test_cli_kolada_fetch_reports_a_bad_record_without_traceback(fake, tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    fake.answer_with(_page(_record(float("nan"))), match="/data/", times=None)
    before = tree_digest(data)
    result = CliRunner().invoke(main, ["kolada", "fetch", "--org", "alingsas", "--base-url", fake.base_url])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "Hämtningen från Kolada misslyckades; inget har sparats." in result.output
    assert tree_digest(data) == before


# --- Excel import: formulas without results, bounded sheets, skip lists, existing CSV (items 9, 10, 12) ---

import errno  # noqa: E402

import openpyxl  # noqa: E402

from rapportbok.data import measure_workbook as excel
from rapportbok.data import workbook  # noqa: E402

SYNT = "SYNTETISK testvärde"
HAN_SOURCE = "haninge-delredovisning-2018"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scratch copy of data/ with Haninge, whose follow-up of measures the tests below import."""
    data = copy_data(tmp_path / "data", ["haninge"])
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    monkeypatch.chdir(tmp_path)
    return data


def _template(tmp_path) -> Path:
    result = CliRunner().invoke(main, ["mall", "--org", "haninge", "--ar", "2018", "--tertial", "3"])
    assert result.exit_code == 0, result.output
    return tmp_path / "uppfoljning_haninge_2018_T3.xlsx"


def _fill(path: Path, rows: dict[str, dict]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        for name, value in rows.get(row[0].value, {}).items():
            row[header.index(name)].value = value
    wb.save(path)


def _filled(**over):
    return {"faktisk_effekt": 100, "status_text": SYNT, "kalla": HAN_SOURCE, "avsnitt": "SYNTETISK avsnitt", **over}


def test_formula_without_saved_result_is_refused_with_its_cell(project, tmp_path):
    path = _template(tmp_path)
    _fill(path, {"HAN-01": _filled(faktisk_effekt="=100*3")})  # openpyxl saves no cached result
    before = tree_digest(project)
    result = CliRunner().invoke(main, ["import", str(path), "--org", "haninge"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (
        "uppfoljning_haninge_2018_T3.xlsx, rad 2, kolumn 'faktisk_effekt (cell C2)': värdet '=100*3' – förväntade "
        + workbook.FORMULA_HELP
        + "."
    ) in result.output
    assert tree_digest(project) == before


def test_sheet_with_too_many_rows_is_refused(project, tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_ROWS", 40)
    path = _template(tmp_path)
    wb = openpyxl.load_workbook(path)
    for _ in range(60):
        wb.worksheets[0].append(["HAN-01", None, None, "tkr"])
    wb.save(path)
    result = CliRunner().invoke(main, ["import", str(path), "--org", "haninge"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (
        "uppfoljning_haninge_2018_T3.xlsx, rad 41: en tom cell – förväntade högst 40 ifyllda rader på bladet"
        in result.output
    )


def test_sheet_with_content_far_to_the_right_is_refused(project, tmp_path):
    path = _template(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.worksheets[0].cell(row=3, column=500, value="x")
    wb.save(path)
    result = CliRunner().invoke(main, ["import", str(path), "--org", "haninge"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "rad 3, kolumn 'SF': värdet 'x' – förväntade högst 100 kolumner på bladet" in result.output


def test_a_big_padded_workbook_is_read_streaming(tmp_path, monkeypatch):
    """A sheet over the row limit is refused at the first row too many, read one row at a time: the 100 000 rows
    padded below it (as its dimension says; under a MB zipped) are never loaded. Loaded whole, as a workbook opened
    without read_only is, they take some 80 MB: memory, not the clock, shows it."""
    import tracemalloc
    import zipfile

    monkeypatch.setattr(workbook, "MAX_ROWS", 1_000)  # the real 10 000 rows only cost time here
    path = tmp_path / "stor.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["post", "belopp"])
    for i in range(workbook.MAX_ROWS):  # one filled row more than allowed, with the header
        ws.append([f"rad {i}", i])
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        items = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    first, last = workbook.MAX_ROWS + 2, workbook.MAX_ROWS + 100_001
    padding = "".join(f'<row r="{r}"><c r="A{r}" t="n"><v>{r}</v></c></row>' for r in range(first, last + 1))
    xml = items[sheet].replace(b"<sheetData>", f'<dimension ref="A1:B{last}"/><sheetData>'.encode(), 1)
    items[sheet] = xml.replace(b"</sheetData>", padding.encode() + b"</sheetData>", 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in items.items():
            z.writestr(name, content)
    tracemalloc.start()
    rows, issues = workbook.read_sheet(path, "stor.xlsx")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert rows is None and [(i.row, i.expected.split(" (")[0]) for i in issues] == [
        (workbook.MAX_ROWS + 1, "högst 1 000 ifyllda rader på bladet")
    ]
    assert peak < 25 * 2**20  # streamed: some 3 MB


def test_long_skip_list_is_summarised():
    r = excel.ImportResult(
        "haninge/uppfoljning_atgarder.csv",
        added=["HAN-01"],
        skipped=[f"HAN-01 (rad {i})" for i in range(5, 417)],
        skipped_rows=list(range(5, 417)),
    )
    assert r.summary() == (
        "Importerade 1 rader till haninge/uppfoljning_atgarder.csv.\n412 ej ifyllda rader hoppades över (rad 5–416)."
    )
    assert excel._ranges([3, 4, 5, 9, 11, 12]) == "rad 3–5, 9, 11–12"


@pytest.mark.parametrize("encoding, delimiter", [("cp1252", ";"), ("utf-8-sig", ";"), ("cp1252", ",")])
def test_import_into_an_existing_excel_saved_csv(project, tmp_path, encoding, delimiter):
    import csv
    import io

    target = project / "haninge" / "uppfoljning_atgarder.csv"
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    target.write_bytes(buf.getvalue().encode(encoding))
    assert not [i for i in datasets.validate(project) if i.severity == "fel"]
    path = _template(tmp_path)
    _fill(path, {"HAN-05": _filled(per_datum=None)})
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "HAN-05":
            row[1].value = "2018-12-31"
    wb.save(path)
    result = CliRunner().invoke(main, ["import", str(path), "--org", "haninge"])
    assert result.exit_code == 0, result.output
    assert "Importerade 1 rader" in result.output
    text = target.read_text(encoding="utf-8")  # rewritten as UTF-8 with commas
    back = list(csv.reader(io.StringIO(text)))
    assert back[: len(rows)] == rows and back[-1][0] == "HAN-05"
    assert not [i for i in datasets.validate(project) if i.severity == "fel"]


# --- file system: impossible paths, read-only folders, a full disk (item 10) ---------------------


def test_mall_into_an_impossible_path(project, tmp_path):
    blocker = tmp_path / "fil.txt"
    blocker.write_text("x")
    result = CliRunner().invoke(
        main,
        [
            "mall",
            "--org",
            "haninge",
            "--ar",
            "2018",
            "--tertial",
            "3",
            "--ut",
            str(blocker / "undermapp" / "mall.xlsx"),
        ],
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Fel: kunde inte skriva mallen" in result.output
    assert "en del av sökvägen är en fil, inte en mapp" in result.output or "det finns redan en fil" in result.output


def test_mall_on_a_full_disk(project, tmp_path, monkeypatch):
    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "mall.xlsx"))

    monkeypatch.setattr(openpyxl.Workbook, "save", full)
    result = CliRunner().invoke(
        main, ["mall", "--org", "haninge", "--ar", "2018", "--tertial", "3", "--ut", str(tmp_path / "mall.xlsx")]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "disken är full" in result.output
    assert not (tmp_path / "mall.xlsx").exists()


@pytest.mark.parametrize(
    "code, words",
    [
        (errno.ENOSPC, "disken är full; frigör utrymme och försök igen"),
        (errno.EACCES, "behörighet saknas att skriva eller läsa där (mappen eller filen är skrivskyddad)"),
        (errno.EROFS, "filsystemet är skrivskyddat"),
    ],
)
def test_build_on_a_full_disk_or_read_only_book(monkeypatch, code, words):
    from rapportbok.publish import build as builder
    from rapportbok.publish import stamp

    def fail(**kw):
        raise OSError(code, "simulated", "/projekt/book/alingsas/2025/budget.ipynb")

    monkeypatch.setattr(stamp, "unchanged", lambda *a, **k: None)
    monkeypatch.setattr(builder, "build", fail)
    result = CliRunner().invoke(main, ["build", "--workers", "1"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "Look above" not in result.output
    assert result.output.strip().endswith(f"{words} (/projekt/book/alingsas/2025/budget.ipynb).")
    assert "Bygget avbröts; den förra boken och webbplatsen är orörda." in result.output


def test_site_build_on_a_full_disk_says_so(monkeypatch, tmp_path):
    import subprocess

    from rapportbok.publish import build as builder

    out = "Running Sphinx\nOSError: [Errno 28] No space left on device\nLook above for the cause of the error."
    monkeypatch.setattr(builder, "_run_child", lambda *a, **k: subprocess.CompletedProcess(a, 1, out, ""))
    with pytest.raises(builder.BuildError) as exc:
        builder.build_site(tmp_path)
    assert str(exc.value) == "Webbplatsen kunde inte byggas: disken är full. Frigör utrymme och kör bygget igen."


def test_import_on_a_full_disk_leaves_data_unchanged(project, tmp_path, monkeypatch):
    import os

    path = _template(tmp_path)
    _fill(path, {"HAN-05": _filled()})
    before = tree_digest(project)
    real_replace = os.replace

    def full(src, dst, *a, **k):  # the new file cannot be put in place (the journal then puts the old one back)
        if (
            str(dst).endswith("uppfoljning_atgarder.csv")
            and "/.staging-" in str(src)
            and "/.staging-old" not in str(src)
        ):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", full)
    result = CliRunner().invoke(main, ["import", str(path), "--org", "haninge", "--ersatt"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Importen av uppfoljning_haninge_2018_T3.xlsx avbröts; data/ är oförändrad. disken är full" in result.output
    assert tree_digest(project) == before


def test_yaml_alias_bomb_is_read_without_expanding_it(scratch):
    import tracemalloc

    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    p = scratch / ORG
    p.write_text(
        p.read_text(encoding="utf-8").replace("namn: Alingsås kommun\n", "\n".join(lines) + "\nnamn: *a9\n"),
        encoding="utf-8",
    )
    tracemalloc.start()
    messages = [i.message() for i in datasets.validate(scratch)]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 200 * 2**20  # the 9**10 aliases were never expanded (memory, not the clock, shows it)
    # An alias is refused where it is used, before anything is validated (issue #27, item 20).
    assert any("nyckel 'namn'" in m and "'ett YAML-alias'" in m and "ankare och alias" in m for m in messages)


def test_an_endless_answer_is_cut_off(fake, monkeypatch):
    from rapportbok.data import kolada

    monkeypatch.setattr(kolada, "MAX_BODY", 1000)
    c, _ = _client(fake)
    fake.answer_with(_page(*[_record(float(i), period=2000 + i) for i in range(40)]), match="/data/")
    with pytest.raises(KoladaError, match="mer än 0 MB"):
        c.data(["N31001"], ["1489"])


@pytest.mark.parametrize(
    "next_url",
    ["https://api.kolada.se/v3/data?page=2", "http://localhost:1/v3/data?page=2", "ftp://127.0.0.1/v3/data?page=2"],
)
def test_next_url_must_keep_scheme_host_and_port(fake, next_url):
    c, _ = _client(fake)
    fake.answer_with(_page(_record(1.0), next_url=next_url), match="/data/")
    with pytest.raises(KoladaError, match="next_url till en annan adress"):
        c.data(["N31001"], ["1489"])
    assert len(fake.requests) == 1


def test_cli_kolada_fetch_with_kolada_yml_in_cp1252(tmp_path, monkeypatch):
    data = copy_data(tmp_path / "data", ["alingsas"])
    monkeypatch.setenv("RAPPORTBOK_DATA", str(data))
    p = data / "alingsas" / "kolada.yml"
    p.write_bytes(p.read_text(encoding="utf-8").encode("cp1252"))
    result = CliRunner().invoke(main, ["kolada", "fetch", "--org", "alingsas", "--base-url", "http://127.0.0.1:9/v3/"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Fel i Kolada-konfigurationen: alingsas/kolada.yml, rad " in result.output
    assert "förväntade en textfil i UTF-8" in result.output


# --- end to end: the real command on a copy of the project -------------------------------------------


@pytest.mark.parametrize(
    "edit, words",
    [
        (
            replace(VARDEN, ",31417\n", ",1234567890123456789012345678901234567890\n"),
            "kolumn 'varde': värdet '1234567890123456789012345678901234567890' – förväntade ett tal mindre än",
        ),
        (replace(ORG, "2024: {tertial: 3}", "2024: 3"), "rad 9, nyckel 'ar.2024': värdet '3'"),
        (
            replace(FOLLOW, "HAN-02,2018-07-31", "HAN-01 ,2018-07-31"),
            "kolumn 'atgard_id+per_datum': värdet 'HAN-01 / 2018-07-31'",
        ),
    ],
    ids=["40-siffror", "ar-utan-mappning", "dubblerad-uppfoljning"],
)
def test_build_stops_with_the_message_and_leaves_the_book(tmp_path, edit, words):
    import subprocess
    import sys

    proj = tmp_path / "proj"
    proj.mkdir()
    for name in ("_config.yml", "_static", "_toc.yml", "requirements.txt", "data", "notebooks", "book"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, proj / name)
    edit(proj / "data")
    before = tree_digest(proj)
    proc = subprocess.run(
        [sys.executable, "-m", "rapportbok", "build", "--no-site", "--workers", "1"],
        cwd=proj,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "1 fel i indata. Inget har byggts om; den förra boken och webbplatsen är orörda." in proc.stderr
    assert words in proc.stderr
    assert tree_digest(proj) == before


def test_a_notebook_stopped_by_a_full_disk_says_so(monkeypatch):
    from rapportbok.publish import build as builder
    from rapportbok.publish import stamp

    def fail(**kw):
        raise builder.BuildError(
            "Notebooken budget.ipynb för alingsas 2025 stoppade, cell 3: OSError: [Errno 28] No space left on device"
        )

    monkeypatch.setattr(stamp, "unchanged", lambda *a, **k: None)
    monkeypatch.setattr(builder, "build", fail)
    result = CliRunner().invoke(main, ["build", "--workers", "1"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().endswith("Disken är full; frigör utrymme och kör bygget igen.")
