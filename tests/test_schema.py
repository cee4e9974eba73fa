import pytest

from rapportbok.data.schema import Col, TableSpec, parse_number, read_table

SPEC = TableSpec(
    "t.csv",
    "Test",
    (
        Col("rad", "int", sign="+"),
        Col("post"),
        Col("ar", "year"),
        Col("enhet", "choice", choices=("tkr", "mnkr")),
        Col("belopp", "number"),
        Col("datum", "date", required=False),
    ),
    key=("rad", "ar"),
)


@pytest.mark.parametrize(
    "text, value",
    [
        ("1234", 1234.0),
        ("1 234", 1234.0),
        ("1\u00a0234,5", 1234.5),
        ("\u2212245 082", -245082.0),
        ("-1,5", -1.5),
        ("1,5", 1.5),
        ("1.5", 1.5),
        ("0", 0.0),
    ],
)
def test_parse_number_accepts_swedish_forms(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["1.234,5", "1,234.5", "12 34", "abc", "1,5 tkr", "--1"])
def test_parse_number_rejects_ambiguous(text):
    assert parse_number(text) is None


def _write(tmp_path, text, encoding="utf-8"):
    p = tmp_path / "t.csv"
    p.write_bytes(text.encode(encoding))
    return p


def test_reads_semicolon_decimal_comma_cp1252(tmp_path):
    p = _write(tmp_path, "rad;post;ar;enhet;belopp;datum\n1;Köp av tjänster;2025;tkr;\u201363 743,5;\n", "cp1252")
    df, issues = read_table(p, SPEC, "t.csv")
    assert issues == []
    assert df.loc[2, "belopp"] == -63743.5
    assert df.loc[2, "post"] == "Köp av tjänster"


def test_reads_utf8_bom(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes(b"\xef\xbb\xbf" + b"rad,post,ar,enhet,belopp,datum\n1,A,2025,tkr,5,2025-04-30\n")
    df, issues = read_table(p, SPEC, "t.csv")
    assert issues == [] and str(df.loc[2, "datum"]) == "2025-04-30"


def test_every_problem_reported_with_row_column_value_expected(tmp_path):
    p = _write(
        tmp_path,
        "rad,post,ar,enhet,belopp,datum\n1,A,2025,tkr,12x,\n-2,,25,kr,5,2025-13-01\n1,B,2025,tkr,3,\n",
    )
    df, issues = read_table(p, SPEC, "t.csv")
    assert df is None
    msgs = [i.message() for i in issues]
    assert "t.csv, rad 2, kolumn 'belopp': värdet '12x' – förväntade ett tal, t.ex. 1234 eller −1 234,5." in msgs
    assert "t.csv, rad 3, kolumn 'post': en tom cell – förväntade en ifylld cell (text)." in msgs
    assert "t.csv, rad 3, kolumn 'ar': värdet '25' – förväntade ett årtal med fyra siffror, t.ex. 2025." in msgs
    assert "t.csv, rad 3, kolumn 'enhet': värdet 'kr' – förväntade ett av: tkr, mnkr." in msgs
    assert "t.csv, rad 3, kolumn 'rad': värdet '-2' – förväntade ett tal som inte är negativt." in msgs
    assert (
        "t.csv, rad 3, kolumn 'datum': värdet '2025-13-01' – förväntade ett datum som ÅÅÅÅ-MM-DD, t.ex. 2025-04-30."
        in msgs
    )
    assert any(i.row == 4 and i.column == "rad+ar" for i in issues)  # duplicate key


def test_missing_and_unknown_columns(tmp_path):
    p = _write(tmp_path, "rad,post,ar,enhet,belopp,kommentar\n1,A,2025,tkr,5,x\n")
    _, issues = read_table(p, SPEC, "t.csv")
    msgs = [i.message() for i in issues]
    assert any("kolumn 'datum'" in m and "kolumnen 'datum' i rubrikraden" in m for m in msgs)
    assert any("kolumn 'kommentar'" in m and "bara kända kolumner" in m for m in msgs)


def test_wrong_field_count_is_reported(tmp_path):
    # A decimal comma in a comma-separated file without quotes splits the value: never misread it.
    p = _write(tmp_path, "rad,post,ar,enhet,belopp,datum\n1,A,2025,tkr,1,5,\n")
    _, issues = read_table(p, SPEC, "t.csv")
    assert len(issues) == 1 and issues[0].row == 2 and "6 fält" in issues[0].expected


def test_missing_file(tmp_path):
    _, issues = read_table(tmp_path / "nej.csv", SPEC, "nej.csv")
    assert issues[0].expected == "att filen finns"
