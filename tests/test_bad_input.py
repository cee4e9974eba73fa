"""Bad input, each with the exact message an analyst gets (file, row, column, value, expected).

Every case starts from a scratch copy of the real data/ and breaks one thing, the way a file
that went through Excel breaks. `rapportbok validate` must report exactly that problem.
"""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import old_budget_format

from rapportbok.analysis import consistency
from rapportbok.cli import main

ROOT = Path(__file__).resolve().parents[1]
RAMAR = "alingsas/budget_ramar.csv"
KB = "alingsas/kommunbidrag_forandring.csv"
UPPG = "linkoping/uppgifter.csv"
FOLLOW = "haninge/uppfoljning_atgarder.csv"
ORG = "alingsas/organisation.yml"


def replace(path, old, new, count=1):
    def edit(data: Path):
        p = data / path
        text = p.read_text(encoding="utf-8")
        assert old in text, (path, old)
        p.write_text(text.replace(old, new, count), encoding="utf-8")

    return edit


def rewrite_bytes(path, fn):
    def edit(data: Path):
        p = data / path
        p.write_bytes(fn(p.read_bytes()))

    return edit


CASES = [
    # --- numbers as Excel and people write them ---
    (
        "tal med enhet",
        replace(RAMAR, ",31417,", ",31 417 kr,"),
        "alingsas/budget_ramar.csv, rad 2, kolumn 'belopp_tkr': värdet '31 417 kr' – förväntade ett tal, t.ex. 1234 eller −1 234,5.",
    ),
    (
        "blandade avgränsare",
        replace(RAMAR, ",32336,", ',"32.336,5",'),
        "alingsas/budget_ramar.csv, rad 3, kolumn 'belopp_tkr': värdet '32.336,5' – förväntade ett tal, t.ex. 1234 eller −1 234,5.",
    ),
    (
        "engelska tusental",
        replace(RAMAR, ",33000,", ',"33,000.0",'),
        "alingsas/budget_ramar.csv, rad 4, kolumn 'belopp_tkr': värdet '33,000.0' – förväntade ett tal, t.ex. 1234 eller −1 234,5.",
    ),
    (
        "tom beloppscell",
        replace(RAMAR, ",33950,", ",,"),
        "alingsas/budget_ramar.csv, rad 5, kolumn 'belopp_tkr': en tom cell – förväntade ett tal, t.ex. 1234 eller −1 234,5.",
    ),
    (
        "text i stället för tal",
        replace(RAMAR, ",-158695,", ",saknas,"),
        "alingsas/budget_ramar.csv, rad 6, kolumn 'belopp_tkr': värdet 'saknas' – förväntade ett tal, t.ex. 1234 eller −1 234,5.",
    ),
    (
        "decimalkomma i kommaseparerad fil utan citattecken",
        replace(RAMAR, ",-161198,", ",-161198,5,"),
        "alingsas/budget_ramar.csv, rad 7: värdet '2,Personalkostnader,Verksamhetens kostnader,2025,Budget,-161198,5,alingsas-budget-2025,"
        "Nämndens budget – Ekonomiska ramar, tabell \"Belopp i tkr\"' – förväntade 8 fält avgränsade med ',', fann 9.",
    ),
    (
        "dubbla minustecken",
        replace(RAMAR, ",-166508,", ",--166508,"),
        "alingsas/budget_ramar.csv, rad 8, kolumn 'belopp_tkr': värdet '--166508' – förväntade ett tal, t.ex. 1234 eller −1 234,5.",
    ),
    # --- years, choices, keys ---
    (
        "tvåsiffrigt år",
        replace(RAMAR, "Verksamhetens nettokostnader,2024,", "Verksamhetens nettokostnader,24,"),
        "alingsas/budget_ramar.csv, rad 2, kolumn 'ar': värdet '24' – förväntade ett årtal med fyra siffror, t.ex. 2025.",
    ),
    (
        "okänd version",
        replace(RAMAR, ",2026,Plan,33000", ",2026,Prognoss,33000"),
        "alingsas/budget_ramar.csv, rad 4, kolumn 'version': värdet 'Prognoss' – förväntade ett av: Budget, Plan, Utfall, Prognos.",
    ),
    (
        "negativt radnummer",
        replace(
            RAMAR,
            "1,Verksamhetens intäkter,Verksamhetens nettokostnader,2024",
            "-1,Verksamhetens intäkter,Verksamhetens nettokostnader,2024",
        ),
        "alingsas/budget_ramar.csv, rad 2, kolumn 'rad': värdet '-1' – förväntade ett heltal från 1 (radens ordning "
        "i källans tabell).",
    ),
    (
        "radnummer med decimal",
        replace(
            RAMAR,
            "1,Verksamhetens intäkter,Verksamhetens nettokostnader,2025",
            "1.5,Verksamhetens intäkter,Verksamhetens nettokostnader,2025",
        ),
        "alingsas/budget_ramar.csv, rad 3, kolumn 'rad': värdet '1.5' – förväntade ett heltal, t.ex. 3.",
    ),
    (
        "dubblerad rad",
        replace(
            RAMAR,
            "2,Personalkostnader,Verksamhetens kostnader,2025",
            "2,Personalkostnader,Verksamhetens kostnader,2024",
        ),
        "alingsas/budget_ramar.csv, rad 7, kolumn 'rad+ar': värdet '2 / 2024' – förväntade en unik kombination av rad, ar (raden finns redan).",
    ),
    (
        "okänd överordnad post",
        replace(RAMAR, "Lokalhyror,Verksamhetens kostnader,2024", "Lokalhyror,Verksamhetens kostnad,2024"),
        None,
    ),
    (
        "samma radnummer olika poster",
        replace(RAMAR, "3,Lokalhyror,Verksamhetens kostnader,2025", "3,Lokalhyra,Verksamhetens kostnader,2025"),
        "alingsas/budget_ramar.csv, rad 11, kolumn 'post': värdet 'Lokalhyra' – förväntade 'Lokalhyror' som på rad 3 de andra åren (samma post och summeras_i alla år).",
    ),
    (
        "tom post",
        replace(RAMAR, "4,Köp av tjänster,Verksamhetens kostnader,2024", "4,,Verksamhetens kostnader,2024"),
        "alingsas/budget_ramar.csv, rad 14, kolumn 'post': en tom cell – förväntade en ifylld cell (text).",
    ),
    # --- sources ---
    (
        "okänd källa",
        replace(RAMAR, "2027,Plan,33950,alingsas-budget-2025", "2027,Plan,33950,budget-2025"),
        "alingsas/budget_ramar.csv, rad 5, kolumn 'kalla': värdet 'budget-2025' – förväntade ett id ur data/kallor.csv: alingsas-budget-2025, alingsas-genomlysning-2024, alingsas-handlingsplan-2024, haninge-delredovisning-2018, kolada, linkoping-atgardsplan-2024.",
    ),
    (
        "källfil saknas",
        replace("kallor.csv", "kallor/alingsas-sn-budget-2025-2027.txt", "kallor/budget.txt"),
        "kallor.csv, kolumn 'fil': värdet 'kallor/budget.txt' – förväntade en fil under data/ för källan alingsas-budget-2025.",
    ),
    # --- columns and structure ---
    (
        "saknad kolumn",
        replace(
            RAMAR,
            "rad,post,summeras_i,ar,version,belopp_tkr,kalla,avsnitt",
            "rad,post,summeras_i,ar,version,belopp,kalla,avsnitt",
        ),
        None,
    ),  # two issues: checked below
    (
        "tom fil",
        rewrite_bytes(KB, lambda b: b""),
        "alingsas/kommunbidrag_forandring.csv: en tom cell – förväntade en rubrikrad med kolumnerna ar, komponent, belopp_mnkr, procent, kalla, avsnitt, citat.",
    ),
    (
        "okänd komponent",
        replace(KB, "2025,volym,0.7", "2025,befolkning,0.7"),
        "alingsas/kommunbidrag_forandring.csv, rad 5, kolumn 'komponent': värdet 'befolkning' – förväntade ett av: total, satsning, index, volym, övrigt.",
    ),
    (
        "procent med procenttecken",
        replace(KB, "2026,index,6.4,2.5", "2026,index,6.4,2.5 %"),
        "alingsas/kommunbidrag_forandring.csv, rad 6, kolumn 'procent': värdet '2.5 %' – förväntade ett tal, t.ex. 1234 eller −1 234,5.",
    ),
    (
        "dubblerad komponent",
        replace(KB, "2027,volym,0.9", "2027,index,0.9"),
        "alingsas/kommunbidrag_forandring.csv, rad 9, kolumn 'ar+komponent': värdet '2027 / index' – förväntade en unik kombination av ar, komponent (raden finns redan).",
    ),
    (
        "tomt citat",
        replace(KB, '"samt en volymuppräknings om 0,7 mnkr utifrån den förväntade befolkningstillväxten."', '""'),
        "alingsas/kommunbidrag_forandring.csv, rad 5, kolumn 'citat': en tom cell – förväntade en ifylld cell (text).",
    ),
    ("uppgift utan värde", replace(UPPG, ",-53,", ",,"), None),
    (
        "dubblerat id",
        replace(UPPG, "linkoping-underskott-leanlink-2023", "linkoping-underskott-son-2023"),
        "linkoping/uppgifter.csv, rad 3, kolumn 'id': värdet 'linkoping-underskott-son-2023' – förväntade en unik kombination av id (raden finns redan).",
    ),
    # --- organisation file ---
    (
        "tertial 4",
        replace(ORG, "2025: {tertial: 1}", "2025: {tertial: 4}"),
        "alingsas/organisation.yml, rad 10, nyckel 'ar.2025.tertial': värdet '4' – förväntade tertial 1, 2 eller 3 (3 = helår), "
        "eller per: rapportdatum (ett månadsslut, t.ex. per: 2025-10-31).",
    ),
    (
        "kommunkod utan citattecken",
        replace(ORG, 'kolada_id: "1489"', "kolada_id: 489"),
        "alingsas/organisation.yml, rad 5, nyckel 'kolada_id': värdet '489' – förväntade Koladas kommunkod med fyra siffror inom citattecken, t.ex. \"1489\".",
    ),
    (
        "fel slug",
        replace(ORG, "slug: alingsas", "slug: Alingsås"),
        "alingsas/organisation.yml, rad 2, nyckel 'slug': värdet 'Alingsås' – förväntade 'alingsas', samma namn som mappen (små bokstäver a–z, siffror, bindestreck).",
    ),
    (
        "saknad nyckel",
        replace(ORG, "namnd: Socialnämnden\n", ""),
        "alingsas/organisation.yml, nyckel 'namnd': inget värde – förväntade nyckeln 'namnd', som saknas i filen.",
    ),
    (
        "tvåsiffrigt rapportår",
        replace(ORG, "  2024: {tertial: 3}", "  24: {tertial: 3}"),
        "alingsas/organisation.yml, rad 9, nyckel 'ar': värdet '24' – förväntade ett årtal med fyra siffror.",
    ),
    ("trasig yaml", replace(ORG, "ar:\n", "ar: [\n"), None),
    # --- follow-ups of measures ---
    ("uppföljning av okänd åtgärd", replace(FOLLOW, "HAN-02,2018-07-31", "HAN-99,2018-07-31"), None),
    ("uppföljning med datum utanför planen", replace(FOLLOW, "HAN-02,2018-07-31", "HAN-02,2021-07-31"), None),
    (
        "uppföljning med text som effekt",
        replace(FOLLOW, "HAN-02,2018-07-31,750,", "HAN-02,2018-07-31,750 tkr,"),
        "haninge/uppfoljning_atgarder.csv, rad 3, kolumn 'faktisk_effekt': värdet '750 tkr' – förväntade ett tal, t.ex. 1234 eller −1 234,5.",
    ),
    (
        "mapp utan organisationsfil",
        lambda data: (data / "nacka").mkdir(),
        "nacka/: en tom cell – förväntade en fil organisation.yml i varje organisationsmapp.",
    ),
]


@pytest.fixture
def scratch(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    return old_budget_format(data)  # the cases break the old budget files, which other organisations still use


def test_real_data_is_clean():
    assert [i.message() for i in consistency.validate(ROOT / "data") if i.severity == "fel"] == []


def test_there_are_at_least_30_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name, edit, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_reported_exactly(scratch, name, edit, expected):
    edit(scratch)
    issues = [i for i in consistency.validate(scratch) if i.severity == "fel"]
    messages = [i.message() for i in issues]
    assert messages, f"{name}: nothing reported"
    if expected is not None:
        assert messages == [expected]
    else:
        for i in issues:  # cases whose exact wording lives in other tests: still file/row/column/value/expected
            assert i.file and i.expected and i.message().endswith(".")


def test_unknown_parent_is_reported_on_its_row(scratch):
    replace(RAMAR, "Lokalhyror,Verksamhetens kostnader,2024", "Lokalhyror,Verksamhetens kostnad,2024")(scratch)
    assert [i.message() for i in consistency.validate(scratch)] == [
        "alingsas/budget_ramar.csv, rad 10, kolumn 'summeras_i': värdet 'Verksamhetens kostnad' – förväntade "
        "'Verksamhetens kostnader' som på rad 3 de andra åren (samma post och summeras_i alla år).",
        "alingsas/budget_ramar.csv, rad 10, kolumn 'summeras_i': värdet 'Verksamhetens kostnad' – förväntade namnet på en post i samma fil.",
    ]


def test_missing_column_names_both_sides(scratch):
    replace(
        RAMAR,
        "rad,post,summeras_i,ar,version,belopp_tkr,kalla,avsnitt",
        "rad,post,summeras_i,ar,version,belopp,kalla,avsnitt",
    )(scratch)
    assert [i.message() for i in consistency.validate(scratch)] == [
        "alingsas/budget_ramar.csv, rad 1, kolumn 'belopp': värdet 'belopp' – förväntade bara kända kolumner: rad, post, summeras_i, ar, version, belopp_tkr, kalla, avsnitt.",
        "alingsas/budget_ramar.csv, rad 1, kolumn 'belopp_tkr': en tom cell – förväntade kolumnen 'belopp_tkr' i rubrikraden.",
    ]


def test_all_problems_of_a_run_together(scratch):
    replace(RAMAR, ",31417,", ",x,")(scratch)
    replace(KB, "2025,volym,0.7", "2025,befolkning,0.7")(scratch)
    replace(ORG, "2025: {tertial: 1}", "2025: {tertial: 4}")(scratch)
    files = {i.file for i in consistency.validate(scratch)}
    assert {"alingsas/organisation.yml"} <= files or {
        "alingsas/budget_ramar.csv",
        "alingsas/kommunbidrag_forandring.csv",
    } <= files


def test_cli_validate_exits_non_zero_with_swedish_report(scratch, monkeypatch):
    replace(RAMAR, ",31417,", ",31 417 kr,")(scratch)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(scratch))
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1
    assert "1 fel i indata. Inget har byggts om; den förra boken och webbplatsen är orörda." in result.output
    assert "kolumn 'belopp_tkr': värdet '31 417 kr'" in result.output
