"""Bad input, each with the exact message an analyst gets (file, row, column, value, expected).

Every case starts from a scratch copy of the real data/ and breaks one thing, the way a file
that went through Excel breaks. `rapportbok validate` must report exactly that problem.
"""

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_data, organisation_folders

from rapportbok.cli import main
from rapportbok.data.stated_tables import MEASURES
from rapportbok.publish.validation import validate

ROOT = Path(__file__).resolve().parents[1]
VARDEN = "alingsas/tabell_varden.csv"
KOLUMNER = "alingsas/tabell_kolumner.csv"
TABELLER = "alingsas/tabeller.csv"
NUMBER = "ett tal som i källan, t.ex. 1234 eller −1 234,5"
KB = "alingsas/kommunbidrag_forandring.csv"
UPPG = "linkoping/uppgifter.csv"
FOLLOW = "haninge/uppfoljning_atgarder.csv"
ORG = "alingsas/organisation.yml"


def _breaks(edit, path: str):
    """``edit`` marked with the organisation whose file it breaks (none for the sources: every organisation cites
    them), for :func:`scratch_for`."""
    top = path.split("/")[0]
    edit.orgs = (top,) if top in organisation_folders() else None
    return edit


def replace(path, old, new, count=1):
    def edit(data: Path):
        p = data / path
        text = p.read_text(encoding="utf-8")
        assert old in text, (path, old)
        p.write_text(text.replace(old, new, count), encoding="utf-8")

    return _breaks(edit, path)


def rewrite_bytes(path, fn):
    def edit(data: Path):
        p = data / path
        p.write_bytes(fn(p.read_bytes()))

    return _breaks(edit, path)


def append(path, text):
    def edit(data: Path):
        p = data / path
        p.write_text(p.read_text(encoding="utf-8") + text, encoding="utf-8")

    return _breaks(edit, path)


def scratch_for(edit, tmp_path: Path) -> Path:
    """A scratch copy of data/ with only the organisation whose file ``edit`` breaks (every one when it breaks
    something else): the others are validated on their own and cannot change what is said about it."""
    return copy_data(tmp_path / "data", getattr(edit, "orgs", None))


CASES = [
    # --- numbers as Excel and people write them ---
    (
        "tal med enhet",
        replace(VARDEN, ",31417\n", ",31 417 kr\n"),
        "alingsas/tabell_varden.csv, rad 2, kolumn 'varde': värdet '31 417 kr' – förväntade " + NUMBER + ".",
    ),
    (
        "blandade avgränsare",
        replace(VARDEN, ",32336\n", ',"32.336,5"\n'),
        "alingsas/tabell_varden.csv, rad 3, kolumn 'varde': värdet '32.336,5' – förväntade " + NUMBER + ".",
    ),
    (
        "engelska tusental",
        replace(VARDEN, ",33000\n", ',"33,000.0"\n'),
        "alingsas/tabell_varden.csv, rad 4, kolumn 'varde': värdet '33,000.0' – förväntade " + NUMBER + ".",
    ),
    (
        "tomt år",
        replace(KOLUMNER, "ramar,budget2024,budget,2024,", "ramar,budget2024,budget,,"),
        "alingsas/tabell_kolumner.csv, rad 2, kolumn 'ar': en tom cell – förväntade ett årtal med fyra siffror, t.ex. 2025.",
    ),
    (
        "text i stället för tal",
        replace(VARDEN, ",-158695\n", ",saknas\n"),
        "alingsas/tabell_varden.csv, rad 6, kolumn 'varde': värdet 'saknas' – förväntade " + NUMBER + ".",
    ),
    (
        "decimalkomma i kommaseparerad fil utan citattecken",
        replace(VARDEN, ",-161198\n", ",-161198,5\n"),
        "alingsas/tabell_varden.csv, rad 7: värdet 'ramar,2,Personalkostnader,6,post,,budget2025,-161198,5' – "
        "förväntade 8 fält avgränsade med ',', fann 9.",
    ),
    (
        "dubbla minustecken",
        replace(VARDEN, ",-166508\n", ",--166508\n"),
        "alingsas/tabell_varden.csv, rad 8, kolumn 'varde': värdet '--166508' – förväntade " + NUMBER + ".",
    ),
    # --- years, choices, keys ---
    (
        "tvåsiffrigt år",
        replace(KOLUMNER, "ramar,budget2025,budget,2025,", "ramar,budget2025,budget,25,"),
        "alingsas/tabell_kolumner.csv, rad 3, kolumn 'ar': värdet '25' – förväntade ett årtal med fyra siffror, t.ex. 2025.",
    ),
    (
        "okänt mått",
        replace(KOLUMNER, "ramar,plan2026,plan,2026", "ramar,plan2026,plna,2026"),
        "alingsas/tabell_kolumner.csv, rad 4, kolumn 'matt': värdet 'plna' – förväntade ett av: "
        + ", ".join(MEASURES)
        + ".",
    ),
    (
        "negativt radnummer",
        replace(
            VARDEN,
            "ramar,1,Verksamhetens intäkter,7,post,,budget2024",
            "ramar,-1,Verksamhetens intäkter,7,post,,budget2024",
        ),
        "alingsas/tabell_varden.csv, rad 2, kolumn 'rad': värdet '-1' – förväntade ett heltal från 1 (radens nummer i källans tabell, uppifrån).",
    ),
    (
        "radnummer med decimal",
        replace(
            VARDEN,
            "ramar,1,Verksamhetens intäkter,7,post,,budget2025",
            "ramar,1.5,Verksamhetens intäkter,7,post,,budget2025",
        ),
        "alingsas/tabell_varden.csv, rad 3, kolumn 'rad': värdet '1.5' – förväntade ett heltal, t.ex. 3.",
    ),
    (
        "dubblerad rad",
        replace(VARDEN, "ramar,2,Personalkostnader,6,post,,budget2025", "ramar,2,Personalkostnader,6,post,,budget2024"),
        "alingsas/tabell_varden.csv, rad 7, kolumn 'tabell+rad+kolumn': värdet 'ramar / 2 / budget2024' – förväntade "
        "en unik kombination av tabell, rad, kolumn (raden finns redan).",
    ),
    (
        "okänd överordnad rad",
        replace(VARDEN, "ramar,3,Lokalhyror,6,post,,budget2024", "ramar,3,Lokalhyror,66,post,,budget2024"),
        None,
    ),
    (
        "samma radnummer olika poster",
        replace(VARDEN, "ramar,3,Lokalhyror,6,post,,budget2025", "ramar,3,Lokalhyra,6,post,,budget2025"),
        "alingsas/tabell_varden.csv, rad 11, kolumn 'post': värdet 'Lokalhyra' – förväntade 'Lokalhyror' som på rad 10 "
        "(samma tabell och rad ska ha samma post, summeras_i, roll och berakning).",
    ),
    (
        "tom post",
        replace(VARDEN, "ramar,4,Köp av tjänster,6,post,,budget2024", "ramar,4,,6,post,,budget2024"),
        "alingsas/tabell_varden.csv, rad 14, kolumn 'post': en tom cell – förväntade en ifylld cell (text).",
    ),
    # --- sources ---
    (
        "okänd källa",
        replace(
            TABELLER,
            "ramar,Ekonomiska ramar,budget,2024-12-10,tkr,0,alingsas-budget-2025",
            "ramar,Ekonomiska ramar,budget,2024-12-10,tkr,0,budget-2025",
        ),
        "alingsas/tabeller.csv, rad 2, kolumn 'kalla': värdet 'budget-2025' – förväntade ett id ur data/kallor.csv: alingsas-budget-2025, alingsas-genomlysning-2024, alingsas-handlingsplan-2024, haninge-delredovisning-2018, kolada, linkoping-atgardsplan-2024.",
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
            VARDEN,
            "tabell,rad,post,summeras_i,roll,berakning,kolumn,varde",
            "tabell,rad,post,summeras_i,roll,berakning,kolumn,belopp",
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
    """A scratch copy of data/ with Alingsås, the organisation whose files the tests below break."""
    return copy_data(tmp_path / "data", ["alingsas"])


def test_real_data_is_clean():
    assert [i.message() for i in validate(ROOT / "data") if i.severity == "fel"] == []


def test_there_are_at_least_30_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name, edit, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_reported_exactly(tmp_path, name, edit, expected):
    scratch = scratch_for(edit, tmp_path)
    edit(scratch)
    issues = [i for i in validate(scratch) if i.severity == "fel"]
    messages = [i.message() for i in issues]
    assert messages, f"{name}: nothing reported"
    if expected is not None:
        assert messages == [expected]
    else:
        for i in issues:  # cases whose exact wording lives in other tests: still file/row/column/value/expected
            assert i.file and i.expected and i.message().endswith(".")


def test_unknown_parent_is_reported_on_its_row(scratch):
    replace(VARDEN, "ramar,3,Lokalhyror,6,post,,budget2024", "ramar,3,Lokalhyror,66,post,,budget2024")(scratch)
    assert [i.message() for i in validate(scratch) if i.severity == "fel"] == [
        "alingsas/tabell_varden.csv, rad 10, kolumn 'summeras_i': värdet '66' – förväntade numret på en annan rad i "
        "tabellen ramar.",
        "alingsas/tabell_varden.csv, rad 11, kolumn 'summeras_i': värdet '6' – förväntade '66' som på rad 10 (samma "
        "tabell och rad ska ha samma post, summeras_i, roll och berakning).",
        "alingsas/tabell_varden.csv, rad 12, kolumn 'summeras_i': värdet '6' – förväntade '66' som på rad 10 (samma "
        "tabell och rad ska ha samma post, summeras_i, roll och berakning).",
        "alingsas/tabell_varden.csv, rad 13, kolumn 'summeras_i': värdet '6' – förväntade '66' som på rad 10 (samma "
        "tabell och rad ska ha samma post, summeras_i, roll och berakning).",
    ]


def test_missing_column_names_both_sides(scratch):
    replace(
        VARDEN,
        "tabell,rad,post,summeras_i,roll,berakning,kolumn,varde",
        "tabell,rad,post,summeras_i,roll,berakning,kolumn,belopp",
    )(scratch)
    assert [i.message() for i in validate(scratch)] == [
        "alingsas/tabell_varden.csv, rad 1, kolumn 'belopp': värdet 'belopp' – förväntade bara kända kolumner: "
        "tabell, rad, post, summeras_i, roll, berakning, kolumn, varde.",
        "alingsas/tabell_varden.csv, rad 1, kolumn 'varde': en tom cell – förväntade kolumnen 'varde' i rubrikraden.",
    ]


def test_an_old_budget_file_says_how_to_enter_it_instead(scratch):
    (scratch / "alingsas" / "budget_ramar.csv").write_text("rad,post\n", encoding="utf-8")
    (scratch / "alingsas" / "budgetuppfoljning.csv").write_text("ar,per_datum\n", encoding="utf-8")
    assert [i.message() for i in validate(scratch) if i.severity == "fel"] == [
        "alingsas/budget_ramar.csv: värdet 'en fil i ett format som boken inte längre läser' – förväntade budgeten "
        "som tabeller, så som rapporten anger dem (tabeller.csv, tabell_kolumner.csv och tabell_varden.csv): skriv "
        "en mall med `rapportbok mall --org alingsas --ar ÅÅÅÅ --per ÅÅÅÅ-MM-DD --tabeller budget`, för in källans "
        "tabell i den och läs in den med `rapportbok importera`; ta sedan bort budget_ramar.csv.",
        "alingsas/budgetuppfoljning.csv: värdet 'en fil i ett format som boken inte längre läser' – förväntade "
        "budgetuppföljningen som tabeller, så som rapporten anger dem (tabeller.csv, tabell_kolumner.csv och "
        "tabell_varden.csv): skriv en mall med `rapportbok mall --org alingsas --ar ÅÅÅÅ --per ÅÅÅÅ-MM-DD "
        "--tabeller månadsrapport`, för in källans tabell i den och läs in den med `rapportbok importera`; ta "
        "sedan bort budgetuppfoljning.csv.",
    ]


def test_begrepp_in_organisation_yml_says_where_it_belongs_now(scratch):
    with open(scratch / ORG, "a", encoding="utf-8") as f:
        f.write("begrepp:\n  nettokostnad: {tabell: ramar, rad: 7}\n")
    assert [i.message() for i in validate(scratch) if i.severity == "fel"] == [
        "alingsas/organisation.yml, rad 12, nyckel 'begrepp': värdet '{nettokostnad: …}' – förväntade begrepp står "
        "inte längre i organisation.yml utan per tabell, i tabell_begrepp.csv (kolumnerna tabell, rad, begrepp; "
        "t.ex. ramar,7,nettokostnad): flytta varje rad dit och ta bort begrepp här."
    ]


def test_all_problems_of_a_run_together(scratch):
    replace(VARDEN, ",31417\n", ",x\n")(scratch)
    replace(KB, "2025,volym,0.7", "2025,befolkning,0.7")(scratch)
    replace(ORG, "2025: {tertial: 1}", "2025: {tertial: 4}")(scratch)
    files = {i.file for i in validate(scratch)}
    assert {"alingsas/organisation.yml"} <= files or {
        "alingsas/tabell_varden.csv",
        "alingsas/kommunbidrag_forandring.csv",
    } <= files


def test_cli_validate_exits_non_zero_with_swedish_report(scratch, monkeypatch):
    replace(VARDEN, ",31417\n", ",31 417 kr\n")(scratch)
    monkeypatch.setenv("RAPPORTBOK_DATA", str(scratch))
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1
    assert "1 fel i indata. Inget har byggts om; den förra boken och webbplatsen är orörda." in result.output
    assert "kolumn 'varde': värdet '31 417 kr'" in result.output
