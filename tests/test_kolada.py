"""Tests for rapportbok.data.kolada against a local fake Kolada v3 server.

No real network is used: every client points at tests/kolada_server.py on
127.0.0.1, and ``sleep`` is injected so retries do not actually wait.
All numbers are synthetic.

Run: cd /work/main && PYTHONPATH=/work/main .venv/bin/python -m pytest tests/test_kolada.py -q
"""

from __future__ import annotations

import datetime as dt
import math
import socket
from pathlib import Path

import pandas as pd
import pytest
import yaml

from rapportbok.data.kolada import (
    OWN_PROCESSING_LABEL,
    FetchReport,
    KoladaClient,
    KoladaConfigError,
    KoladaError,
    chunked,
    fetch_org,
    group_members,
    load_config,
    load_stored,
    own_group_mean,
    parse_config,
)
from tests.kolada_server import FakeKolada


class SleepRecorder:
    """Injected instead of time.sleep: records the requested waits."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def fake():
    with FakeKolada() as server:
        yield server


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def client(fake: FakeKolada, sleeps: SleepRecorder) -> KoladaClient:
    return KoladaClient(base_url=fake.base_url, timeout=5, max_retries=3, backoff=0.5, sleep=sleeps)


# ---------------------------------------------------------------------------
# Paging, chunking, parsing
# ---------------------------------------------------------------------------


def test_paged_follows_next_url_and_collects_all_pages(fake, client):
    fake.page_size = 2
    for year in range(2018, 2025):  # 7 synthetic records -> 4 pages of at most 2
        fake.add_value("N31001", "1489", year, 1000.0 + year)
    values = client.paged("data/kpi/N31001/municipality/1489", {"per_page": 5000})
    assert [v["period"] for v in values] == list(range(2018, 2025))
    data_reqs = [r for r in fake.requests if r.startswith("/v3/data/")]
    assert len(data_reqs) == 4
    assert "page=4" in data_reqs[-1]
    # the client logged every page it fetched, with absolute URLs
    assert len(client.request_log) == 4
    assert all(u.startswith(fake.origin) for u in client.request_log)


def test_root_relative_next_url_is_resolved_against_the_page(fake, client):
    """A server may send next_url as a path ("/v3/data/...?page=2"): it is the server's path, not base_url's."""
    fake.page_size = 2
    fake.relative_links = True
    for year in range(2018, 2023):
        fake.add_value("N31001", "1489", year, float(year))
    values = client.paged("data/kpi/N31001/municipality/1489", {"per_page": 5000})
    assert [v["period"] for v in values] == list(range(2018, 2023))
    data_reqs = [r for r in fake.requests if r.startswith("/v3/data/")]
    assert len(data_reqs) == 3 and not any("/v3/v3/" in r for r in fake.requests)
    assert all(u.startswith(fake.origin + "/v3/data/") for u in client.request_log)


def test_data_follows_paging(fake, client):
    fake.page_size = 3
    for year in range(2018, 2026):
        fake.add_value("N31001", "1489", year, float(year))
    df = client.data(["N31001"], ["1489"])
    assert len(df) == 8
    assert df["period"].tolist() == list(range(2018, 2026))


def test_chunked_helper():
    ids = [f"{i:04d}" for i in range(30)]
    parts = chunked(ids)
    assert [len(p) for p in parts] == [25, 5]
    assert sum(parts, []) == ids
    assert chunked([]) == []


def test_data_splits_30_municipalities_into_25_plus_5(fake, client):
    ids = [f"{1400 + i:04d}" for i in range(30)]
    for i, mid in enumerate(ids):
        fake.add_value("N31001", mid, 2023, float(i))
    df = client.data(["N31001"], ids, years=[2023])
    paths = fake.data_requests()
    assert len(paths) == 2
    seg_sizes = [len(p.split("/municipality/")[1].split("/")[0].split(",")) for p in paths]
    assert seg_sizes == [25, 5]
    assert all(p.endswith("/year/2023") for p in paths)
    assert len(df) == 30
    assert sorted(df["municipality"]) == sorted(ids)


def test_data_chunks_kpis_and_years_too(fake, client):
    kpis = [f"N{i:05d}" for i in range(27)]
    years = list(range(1990, 2020))  # 30 years
    client.data(kpis, ["1489"], years=years)
    paths = fake.data_requests()
    assert len(paths) == 4  # 2 kpi chunks x 1 municipality chunk x 2 year chunks
    for p in paths:
        for seg in p.split("/")[4::2]:
            assert len(seg.split(",")) <= 25


def test_from_date_and_per_page_are_sent(fake, client):
    client.data(["N31001"], ["1489"], from_date=dt.date(2025, 1, 31))
    (req,) = [r for r in fake.requests if r.startswith("/v3/data/")]
    assert "from_date=2025-01-31" in req
    assert "per_page=5000" in req


def test_null_value_kept_as_nan_deleted_dropped_genders_kept(fake, client):
    fake.add_value("N31814", "1489", 2023, 40.5, gender="T", count=1, status=None)
    fake.add_value("N31814", "1489", 2023, 38.0, gender="K")
    fake.add_value("N31814", "1489", 2023, None, gender="M", status="Saknas")
    fake.add_value("N31814", "1489", 2022, 99.9, gender="T", isdeleted=True)
    fake.add_value("N31814", "1489", 2022, 41.0, gender="X")  # unknown gender code: dropped
    df = client.data(["N31814"], ["1489"])
    assert list(df.columns) == ["kpi", "municipality", "period", "gender", "value", "count", "status"]
    assert df["period"].dtype == "int64"
    assert df["value"].dtype == "float64"
    assert sorted(df["gender"]) == ["K", "M", "T"]
    assert (df["period"] == 2023).all()  # both 2022 rows dropped (deleted / unknown gender)
    m = df[df["gender"] == "M"].iloc[0]
    assert math.isnan(m["value"])
    assert m["status"] == "Saknas"
    assert df[df["gender"] == "T"]["value"].item() == 40.5


def test_empty_answer_gives_empty_frame_with_columns(fake, client):
    df = client.data(["N31001"], ["1489"], years=[2020])
    assert df.empty
    assert list(df.columns) == ["kpi", "municipality", "period", "gender", "value", "count", "status"]


def test_group_id_works_as_municipality(fake, client):
    fake.add_value("N31001", "G2328", 2023, 1500.0, count=290)
    df = client.data(["N31001"], ["G2328", "1489"])
    assert df["municipality"].tolist() == ["G2328"]
    assert df["count"].tolist() == [290]


# ---------------------------------------------------------------------------
# Errors and retries
# ---------------------------------------------------------------------------


def test_422_surfaces_as_kolada_error_with_url(fake, client, sleeps):
    ids = ",".join(f"{i:04d}" for i in range(26))
    with pytest.raises(KoladaError) as exc:
        client.get_json(f"data/kpi/N31001/municipality/{ids}")
    err = exc.value
    assert err.status == 422
    assert err.url.startswith(fake.base_url + "data/kpi/N31001/municipality/0000,")
    assert err.url in str(err)
    assert "HTTP 422" in str(err)
    assert "25 id" in str(err)  # Swedish hint
    assert sleeps.calls == []  # not retried
    assert len(fake.requests) == 1


def test_404_is_not_retried(fake, client, sleeps):
    with pytest.raises(KoladaError) as exc:
        client.get_json("no_such_endpoint")
    assert exc.value.status == 404
    assert "hittades inte" in str(exc.value)
    assert sleeps.calls == []


def test_429_honours_retry_after(fake, client, sleeps):
    fake.add_kpi("N31001", "Kostnad ekonomiskt bistånd, kr/inv")
    fake.fail(429, times=2, retry_after=7)
    meta = client.kpis(["N31001"])
    assert [m["id"] for m in meta] == ["N31001"]
    assert sleeps.calls == [7.0, 7.0]  # Retry-After, not the 0.5/1.0 back-off
    assert len(fake.requests) == 3


def test_429_without_retry_after_uses_exponential_backoff(fake, client, sleeps):
    fake.fail(429, times=3)
    client.get_json("kpi")
    assert sleeps.calls == [0.5, 1.0, 2.0]


def test_500_then_success(fake, client, sleeps):
    fake.add_value("N31001", "1489", 2023, 1234.0)
    fake.fail(500, times=1, match="/data/")
    df = client.data(["N31001"], ["1489"])
    assert df["value"].tolist() == [1234.0]
    assert sleeps.calls == [0.5]
    assert len(fake.data_requests()) == 2


def test_503_on_second_page_is_retried(fake, client, sleeps):
    fake.page_size = 1
    fake.add_value("N31001", "1489", 2022, 1.0)
    fake.add_value("N31001", "1489", 2023, 2.0)
    rule = fake.fail(503, times=0)  # armed after the first page
    first = client.get_json("data/kpi/N31001/municipality/1489")
    rule.times = 1
    second = client.get_json(first["next_url"])
    assert [v["period"] for v in second["values"]] == [2023]
    assert sleeps.calls == [0.5]


def test_gives_up_after_max_retries_on_permanent_500(fake, client, sleeps):
    fake.fail(500, times=None)
    with pytest.raises(KoladaError) as exc:
        client.get_json("kpi/N31001")
    assert exc.value.status == 500
    assert "Gav upp" in str(exc.value)
    assert "4 försök" in str(exc.value)
    assert fake.base_url + "kpi/N31001" in str(exc.value)
    assert len(fake.requests) == 4  # 1 + max_retries
    assert sleeps.calls == [0.5, 1.0, 2.0]


def test_connection_error_is_retried_then_raises(sleeps):
    with socket.socket() as s:  # find a free port, then close it: nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = KoladaClient(base_url=f"http://127.0.0.1:{port}/v3/", max_retries=2, backoff=1.0, sleep=sleeps, timeout=2)
    with pytest.raises(KoladaError) as exc:
        c.get_json("kpi")
    assert "anslutningsfel" in str(exc.value)
    assert sleeps.calls == [1.0, 2.0]


def test_timeout_is_retried(fake, sleeps):
    fake.add_kpi("N31001", "synthetic title")
    fake.slow(0.6, times=1)
    c = KoladaClient(base_url=fake.base_url, timeout=0.15, max_retries=2, backoff=0.25, sleep=sleeps)
    meta = c.kpis(["N31001"])
    assert meta[0]["title"] == "synthetic title"
    assert sleeps.calls == [0.25]


def test_metadata_endpoints(fake, client):
    fake.add_kpi("N31001", "Kostnad ekonomiskt bistånd, kr/inv")
    fake.add_municipality("1489", "Alingsås")
    fake.add_municipality("0683", "Värnamo")
    fake.add_group("G36450", "Liknande kommuner IFO, Alingsås, 2024", [("0683", "Värnamo"), ("1440", "Ale")])
    assert [k["title"] for k in client.kpis(["N31001"])] == ["Kostnad ekonomiskt bistånd, kr/inv"]
    assert {m["id"] for m in client.municipalities(["1489", "0683"])} == {"1489", "0683"}
    assert len(client.municipalities()) == 2
    (group,) = client.municipality_groups(["G36450"])
    # v3's field names: members as member_id/member_title, is_divided_by_gender a boolean.
    assert group_members(group) == [("0683", "Värnamo"), ("1440", "Ale")]
    assert client.kpis(["N31001"])[0]["is_divided_by_gender"] is False
    assert client.kpis(["N99999"]) == []


def test_group_members_refuses_other_field_names():
    with pytest.raises(KoladaError, match="member_id"):
        group_members({"id": "G1", "members": [{"id": "1440", "title": "Ale"}]})  # the pre-v3 shape
    with pytest.raises(KoladaError, match="members"):
        group_members({"id": "G1"})


def test_a_kpi_answering_404_is_missing_not_an_aborted_fetch(fake, client):
    fake.add_kpi("N31001", "Syntetisk titel")
    fake.add_kpi("N99998", "Borttagen (syntetisk)")
    fake.add_value("N31001", "1489", 2023, 1001.0)
    fake.add_value("N99998", "1489", 2023, 5.0)
    fake.remove_kpi("N99998")  # Kolada removed it: every request naming it answers 404
    assert [k["id"] for k in client.kpis(["N31001", "N99998"])] == ["N31001"]
    df = client.data(["N31001", "N99998"], ["1489"], years=[2023])
    assert df[["kpi", "value"]].values.tolist() == [["N31001", 1001.0]]
    assert client.not_found_kpis == ["N99998"]
    # The chunk was asked again KPI by KPI after the 404.
    assert fake.data_requests()[-2:] == [
        "/v3/data/kpi/N31001/municipality/1489/year/2023",
        "/v3/data/kpi/N99998/municipality/1489/year/2023",
    ]


def test_404_for_every_kpi_is_a_wrong_address_not_missing_kpis(fake, client, tmp_path):
    fake.add_value("N31001", "1489", 2023, 1.0)
    fake.fail(404, times=None, match="/data/")  # e.g. a wrong --api-adress: everything answers 404
    with pytest.raises(KoladaError, match="HTTP 404.*alla nyckeltal.*Kontrollera API-adressen"):
        client.data(["N31001", "N31814"], ["1489"], years=[2023])
    org = tmp_path / "org"
    write_config(org, GOOD_CONFIG)
    with pytest.raises(KoladaError):
        fetch_org(org, client, now=dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
    assert not (org / "kolada").exists()  # nothing stored


def test_other_client_errors_still_abort(fake, client):
    fake.add_value("N31001", "1489", 2023, 1.0)
    fake.fail(403, times=None, match="/data/")
    with pytest.raises(KoladaError, match="HTTP 403"):
        client.data(["N31001"], ["1489"], years=[2023])


# ---------------------------------------------------------------------------
# Own processing
# ---------------------------------------------------------------------------


def test_own_group_mean_on_synthetic_numbers():
    # Synthetic numbers, not real Kolada data.
    df = pd.DataFrame(
        [
            ("N31001", "0001", 2023, "T", 10.0, 1, None),
            ("N31001", "0002", 2023, "T", 20.0, 1, None),
            ("N31001", "0003", 2023, "T", float("nan"), 1, None),  # member without value
            ("N31001", "0009", 2023, "T", 1000.0, 1, None),  # not a member
            ("N31001", "0001", 2024, "T", 5.0, 1, None),
            ("N31001", "0001", 2023, "K", 8.0, 1, None),
            ("N31001", "0002", 2023, "K", 12.0, 1, None),
            ("N31807", "0003", 2023, "T", float("nan"), 1, None),  # nobody has a value
        ],
        columns=["kpi", "municipality", "period", "gender", "value", "count", "status"],
    )
    out = own_group_mean(df, ["0001", "0002", "0003"])
    assert list(out.columns) == ["kpi", "period", "gender", "value", "n_members"]
    rows = {(r.kpi, r.period, r.gender): (r.value, r.n_members) for r in out.itertuples()}
    assert rows[("N31001", 2023, "T")] == (15.0, 2)  # (10 + 20) / 2, unweighted; 0009 excluded
    assert rows[("N31001", 2024, "T")] == (5.0, 1)
    assert rows[("N31001", 2023, "K")] == (10.0, 2)
    value, n = rows[("N31807", 2023, "T")]
    assert math.isnan(value) and n == 0
    assert out.attrs["source"] == OWN_PROCESSING_LABEL


def test_own_group_mean_without_members_in_data():
    df = pd.DataFrame(
        [("N31001", "0001", 2023, "T", 1.0, 1, None)],
        columns=["kpi", "municipality", "period", "gender", "value", "count", "status"],
    )
    out = own_group_mean(df, ["0002"])
    assert out.empty
    assert list(out.columns) == ["kpi", "period", "gender", "value", "n_members"]


# ---------------------------------------------------------------------------
# Config
# ---------------------------------------------------------------------------

GOOD_CONFIG = {
    "kpis": ["N31001", "N31814"],
    "first_year": 2022,
    "municipalities": {"1489": "Alingsås", "1440": "Ale"},
    "groups": {"G2328": "Alla kommuner (ovägt medel)"},
    "own_groups": {"Egen testgrupp": ["0683", "1440"]},
}


def write_config(org_dir: Path, cfg: dict) -> None:
    org_dir.mkdir(parents=True, exist_ok=True)
    (org_dir / "kolada.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_config_rejects_missing_kpis(tmp_path):
    cfg = {k: v for k, v in GOOD_CONFIG.items() if k != "kpis"}
    write_config(tmp_path, cfg)
    with pytest.raises(KoladaConfigError) as exc:
        load_config(tmp_path)
    msg = str(exc.value)
    assert "nyckel 'kpis'" in msg and "saknas i filen" in msg
    assert "kolada.yml" in msg


def test_config_rejects_unquoted_ids_and_bad_values():
    with pytest.raises(KoladaConfigError, match="citattecken"):
        parse_config({**GOOD_CONFIG, "municipalities": {1489: "Alingsås"}})
    with pytest.raises(KoladaConfigError, match="first_year"):
        parse_config({**GOOD_CONFIG, "first_year": "2018"})
    with pytest.raises(KoladaConfigError, match="icke-tom lista"):
        parse_config({**GOOD_CONFIG, "kpis": []})
    with pytest.raises(KoladaConfigError, match="okända nycklar"):
        parse_config({**GOOD_CONFIG, "kpi": ["N31001"]})
    with pytest.raises(KoladaConfigError, match="saknas"):
        load_config(Path("/nonexistent/org"))


def test_config_is_parsed_once_per_content(tmp_path, monkeypatch):
    """Issue #16: kolada.yml is read some 20 times per organisation (its input's hash, the Genomlysning);
    it is parsed once per path and content, a changed file is parsed again, a broken one never kept,
    and every caller gets its own copy. SYNTHETIC configuration."""
    from rapportbok.data import config, kolada

    calls = []
    real = config.read_kolada
    monkeypatch.setattr(config, "read_kolada", lambda *a, **k: (calls.append(a[0]), real(*a, **k))[1])
    write_config(tmp_path, GOOD_CONFIG)
    first, second = load_config(tmp_path), load_config(tmp_path)
    assert first == second and len(calls) == 1
    first.kpis.append("N99999")
    assert "N99999" not in load_config(tmp_path).kpis and len(calls) == 1
    write_config(tmp_path, {**GOOD_CONFIG, "first_year": GOOD_CONFIG["first_year"] + 1})
    assert load_config(tmp_path).first_year == GOOD_CONFIG["first_year"] + 1 and len(calls) == 2
    write_config(tmp_path, {k: v for k, v in GOOD_CONFIG.items() if k != "kpis"})
    for _ in range(2):
        with pytest.raises(KoladaConfigError):
            load_config(tmp_path)
    assert len(calls) == 4
    assert "rapportbok.data.kolada" in __import__("rapportbok.core.state", fromlist=["registered"]).registered()
    assert len(kolada._CONFIGS) <= kolada._CONFIGS_SIZE


def test_alingsas_config_is_valid():
    org_dir = Path(__file__).resolve().parents[1] / "data" / "alingsas"
    cfg = load_config(org_dir)
    assert cfg.first_year == 2018
    assert len(cfg.kpis) == 15 and {"N01951", "N33802"} <= set(cfg.kpis)
    assert cfg.municipalities == {"1489": "Alingsås", "1440": "Ale", "1482": "Kungälv"}
    assert list(cfg.groups) == ["G2328", "G36450", "G175906", "G216096"]
    assert cfg.groups["G2328"] == "Alla kommuner (ovägt medel)"
    ifo = cfg.own_groups["Liknande kommuner IFO enligt genomlysningen 2024"]
    assert "0683" in ifo and len(ifo) == 7
    assert len(cfg.own_groups["Liknande kommuner ekonomiskt bistånd enligt genomlysningen 2024"]) == 7


# ---------------------------------------------------------------------------
# fetch_org / load_stored
# ---------------------------------------------------------------------------


def seed_org_data(fake: FakeKolada) -> None:
    # Synthetic values only.
    fake.add_kpi("N31001", "Kostnad ekonomiskt bistånd, kr/inv")
    fake.add_kpi("N31814", "Långvarigt ekonomiskt bistånd, andel (%)")
    for mid, base in [("1489", 1000.0), ("1440", 1100.0), ("0683", 900.0)]:
        for year in (2022, 2023, 2024):
            fake.add_value("N31001", mid, year, base + year - 2022)
    fake.add_value("N31001", "G2328", 2023, 1500.5, count=290)
    fake.add_value("N31814", "1489", 2023, 40.0, gender="T")
    fake.add_value("N31814", "1489", 2023, 42.0, gender="K")
    fake.add_value("N31814", "1489", 2023, None, gender="M")
    fake.add_value("N31814", "1489", 2021, 30.0)  # before first_year: not requested


def test_fetch_org_writes_files_and_second_fetch_reports_revision(fake, client, tmp_path):
    org = tmp_path / "alingsas"
    write_config(org, GOOD_CONFIG)
    seed_org_data(fake)
    now1 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)

    assert load_stored(org) == (None, None)
    report = fetch_org(org, client, now=now1)
    assert isinstance(report, FetchReport)
    assert not report.had_previous
    assert report.years == [2022, 2023, 2024, 2025]
    assert report.n_values == 9 + 1 + 3
    assert "Ingen tidigare hämtning" in report.summary()

    # The national store: one folder per KPI beside the organisations (data/kolada/<KPI>/).
    store = tmp_path / "kolada"
    assert not (org / "kolada").exists()
    assert sorted(p.name for p in store.iterdir()) == ["N31001", "N31814"]
    csv_path = store / "N31001" / "varden.csv"
    text = csv_path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "kpi,kommun_id,period,kon,varde,antal,status"
    assert "N31001,0683,2022,T,900.0,1," in lines  # leading zero kept, decimal point
    assert {ln.split(",")[0] for ln in lines[1:]} == {"N31001"}
    assert "N31814,1489,2023,M,,1," in (store / "N31814" / "varden.csv").read_text(encoding="utf-8").splitlines()
    assert lines[1:] == sorted(lines[1:], key=lambda s: tuple(s.split(",")[:4]))
    assert not any(p.name.endswith(".tmp") for p in (store / "N31001").iterdir())

    meta = yaml.safe_load((store / "N31001" / "hamtning.yml").read_text(encoding="utf-8"))
    assert meta["kpi"] == "N31001" and meta["fetched_at"] == "2025-03-01T12:00:00+00:00"
    assert meta["base_url"] == fake.base_url
    assert meta["title"] == "Kostnad ekonomiskt bistånd, kr/inv"
    assert meta["ids"] == ["1489", "1440", "G2328", "0683"] and meta["years"] == [2022, 2023, 2024, 2025]
    assert meta["n_values"] == 9 + 1
    assert all(u.startswith(fake.origin) for u in meta["requests"])
    assert any(
        "/data/kpi/N31001,N31814/municipality/1489,1440,G2328,0683/year/2022,2023,2024,2025" in u
        for u in meta["requests"]
    )

    df, stored_meta = load_stored(org)
    assert stored_meta["fetched_at"] == meta["fetched_at"]
    assert df["municipality"].tolist().count("0683") == 3
    assert math.isnan(df[(df["kpi"] == "N31814") & (df["gender"] == "M")]["value"].item())
    assert 2021 not in set(df["period"])

    # Kolada revises one value, adds one and removes one (synthetic).
    fake.set_value("N31001", "1489", 2023, 1001.5)
    fake.add_value("N31001", "1489", 2025, 1003.0)
    fake.remove_value("N31001", "1440", 2022)
    now2 = dt.datetime(2025, 4, 1, 8, 30, tzinfo=dt.UTC)
    report2 = fetch_org(org, client, now=now2)
    assert report2.had_previous
    assert report2.previous_fetched_at == "2025-03-01T12:00:00+00:00"
    assert len(report2.revised) == 1
    rev = report2.revised.iloc[0]
    assert (rev["kpi"], rev["kommun_id"], rev["period"], rev["kon"]) == ("N31001", "1489", 2023, "T")
    assert (rev["tidigare"], rev["nytt"]) == (1001.0, 1001.5)
    assert report2.added[["kommun_id", "period"]].values.tolist() == [["1489", 2025]]
    assert report2.removed[["kommun_id", "period"]].values.tolist() == [["1440", 2022]]
    summary = report2.summary()
    assert "1 reviderade värden, 1 nya och 1 borttagna" in summary
    assert "N31001 1489 2023 T: 1001 → 1001.5" in summary

    df2, meta2 = load_stored(org)
    assert meta2["fetched_at"] == "2025-04-01T08:30:00+00:00"
    assert (
        df2[(df2["municipality"] == "1489") & (df2["period"] == 2023) & (df2["kpi"] == "N31001")]["value"].item()
        == 1001.5
    )


def test_fetch_org_unchanged_second_fetch_and_missing_kpi(fake, client, tmp_path):
    org = tmp_path / "org"
    write_config(org, {**GOOD_CONFIG, "kpis": ["N31001", "N99999"]})
    seed_org_data(fake)
    now = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    first = fetch_org(org, client, now=now)
    assert first.missing_kpis == ["N99999"]
    assert "N99999" in first.summary()
    before = (tmp_path / "kolada" / "N31001" / "varden.csv").read_bytes()
    second = fetch_org(org, client, now=now)
    assert (tmp_path / "kolada" / "N31001" / "varden.csv").read_bytes() == before  # deterministic
    assert len(second.revised) == len(second.added) == len(second.removed) == 0
    assert "0 reviderade värden, 0 nya och 0 borttagna" in second.summary()


def test_fetch_org_records_a_removed_kpi_as_missing(fake, client, tmp_path):
    org = tmp_path / "org"
    write_config(org, {**GOOD_CONFIG, "kpis": ["N31001", "N99998"]})
    seed_org_data(fake)
    fake.add_value("N99998", "1489", 2023, 5.0)
    fake.remove_kpi("N99998")  # answers 404 for data and metadata
    report = fetch_org(org, client, now=dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
    assert report.missing_kpis == ["N99998"]
    assert "N99998" in report.summary() and "finns inte (längre) i Kolada" in report.summary()
    df, meta = load_stored(org)
    assert meta["missing_kpis"] == ["N99998"] and meta["kpi_titles"]["N99998"] is None
    assert set(df["kpi"]) == {"N31001"}


def test_own_group_mean_on_stored_values(fake, client, tmp_path):
    org = tmp_path / "org"
    write_config(org, GOOD_CONFIG)
    seed_org_data(fake)
    fetch_org(org, client, now=dt.datetime(2024, 12, 31, tzinfo=dt.UTC))
    df, _ = load_stored(org)
    cfg = load_config(org)
    out = own_group_mean(df, cfg.own_groups["Egen testgrupp"])
    row = out[(out["kpi"] == "N31001") & (out["period"] == 2023) & (out["gender"] == "T")].iloc[0]
    assert row["value"] == pytest.approx((901.0 + 1101.0) / 2)  # synthetic 0683 and 1440
    assert row["n_members"] == 2


# ---------------------------------------------------------------------------
# The national store: shared KPIs, old per-organisation stores (read, then moved)
# ---------------------------------------------------------------------------


def test_two_organisations_share_a_kpi_folder_and_another_orgs_kpi_leaves_the_first_untouched(fake, client, tmp_path):
    """SYNTETISKA värden. A KPI is one folder for all; fetching it for a second organisation keeps the first
    one's comparisons (one fetch, one date); a KPI only the second one reads does not touch the first one's files."""
    from rapportbok.data import kolada

    seed_org_data(fake)
    fake.add_kpi("N00002", "Syntetiskt nyckeltal")
    fake.add_value("N00002", "0180", 2023, 7.0)
    a, b = tmp_path / "a", tmp_path / "b"
    write_config(a, {**GOOD_CONFIG, "kpis": ["N31001"]})
    write_config(b, {"kpis": ["N31001", "N00002"], "first_year": 2023, "municipalities": {"0180": "Stockholm"}})
    kolada.fetch_org(a, client, now=dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
    before_a, _ = kolada.load_stored(a)
    report = kolada.fetch_org(b, client, now=dt.datetime(2024, 7, 1, tzinfo=dt.UTC))
    assert report.n_values == 1 and report.kpis_without_values == ["N31001"]  # 0180 has no N31001 values here
    meta = kolada.read_kpi(tmp_path, "N31001")[1]
    assert meta["fetched_at"] == "2024-07-01T00:00:00+00:00"
    assert meta["ids"] == ["0180", "1489", "1440", "G2328", "0683"]  # b's own, then what the folder held
    after_a, meta_a = kolada.load_stored(a)
    assert after_a.equals(before_a) and meta_a["fetched_at"] == "2024-07-01T00:00:00+00:00"
    assert set(after_a["municipality"]) <= set(kolada.load_config(a).all_ids())
    files_a = {p: p.read_bytes() for p in kolada.store_files(a)}
    assert sorted(p.parent.name for p in files_a) == ["N31001", "N31001"]
    write_config(b, {"kpis": ["N00002"], "first_year": 2023, "municipalities": {"0180": "Stockholm"}})
    kolada.fetch_org(b, client, now=dt.datetime(2024, 8, 1, tzinfo=dt.UTC))
    assert {p: p.read_bytes() for p in kolada.store_files(a)} == files_a  # a's notebooks need not run again


def _old_store(org: Path, fetched_at: str, rows: list[str], cfg: dict) -> None:
    """An organisation's own store as `kolada hamta` wrote it before the national store (SYNTETISKA värden)."""
    write_config(org, cfg)
    (org / "kolada").mkdir()
    (org / "kolada" / "varden.csv").write_text(
        "kpi,kommun_id,period,kon,varde,antal,status\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    meta = {
        "fetched_at": fetched_at,
        "source": "Källa: Kolada",
        "base_url": "http://127.0.0.1:9/v3/",
        "years": [2023, 2024],
        "requests": [f"http://127.0.0.1:9/v3/data/kpi/{','.join(cfg['kpis'])}/x"],
        "kpi_titles": {k: f"Titel {k}" for k in cfg["kpis"]},
        "missing_kpis": [],
        "config": cfg,
    }
    (org / "kolada" / "hamtning.yml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")


def test_an_old_store_is_still_read_with_a_warning_and_moved_by_kolada_flytta(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from rapportbok.cli import main
    from rapportbok.data import datasets, kolada

    cfg = {"kpis": ["N31001"], "first_year": 2023, "municipalities": {"1489": "Alingsås"}, "groups": {"G2328": "Alla"}}
    org = tmp_path / "data" / "alingsas"
    _old_store(
        org,
        "2025-01-02T03:04:05+00:00",
        ["N31001,1489,2023,T,1000.0,1,", "N31001,1489,2024,T,,1,", "N31001,G2328,2023,T,1500.5,290,"],
        cfg,
    )
    values, meta = kolada.load_stored(org)
    assert meta["store"] == "egen" and len(values) == 3
    _, issues = datasets._kolada(org)
    assert [i.severity for i in issues] == ["varning"] and "kolada flytta" in issues[0].message()
    files_before = kolada.store_files(org)
    assert files_before == [org / "kolada" / "varden.csv", org / "kolada" / "hamtning.yml"]

    monkeypatch.setenv("RAPPORTBOK_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("RAPPORTBOK_ROOT", str(tmp_path))
    res = CliRunner().invoke(main, ["kolada", "flytta", "--org", "alingsas"])
    assert res.exit_code == 0, res.output
    assert "alingsas/kolada/ flyttad till den nationella lagringen data/kolada/" in res.output
    assert not (org / "kolada").exists()
    moved, moved_meta = kolada.load_stored(org)
    assert moved_meta["store"] == "nationell" and moved.equals(values)
    assert moved_meta["fetched_at"] == "2025-01-02T03:04:05+00:00"  # the fetch date travels with the values
    assert moved_meta["kpi_titles"] == {"N31001": "Titel N31001"} and datasets._kolada(org)[1] == []
    kpi_meta = kolada.read_kpi(tmp_path / "data", "N31001")[1]
    assert kpi_meta["flyttad_fran"] == ["alingsas/kolada/"] and kpi_meta["requests"]
    res = CliRunner().invoke(main, ["kolada", "flytta"])
    assert res.exit_code == 0 and "inget att flytta" in res.output


def test_flytta_keeps_the_newest_fetch_of_a_kpi_and_names_whom_it_lacks(tmp_path):
    from rapportbok.data import kolada

    data = tmp_path / "data"
    old_cfg = {"kpis": ["N31001"], "first_year": 2023, "municipalities": {"1489": "Alingsås"}}
    new_cfg = {"kpis": ["N31001"], "first_year": 2023, "municipalities": {"0180": "Stockholm"}}
    _old_store(data / "alingsas", "2025-01-01T00:00:00+00:00", ["N31001,1489,2023,T,1000.0,1,"], old_cfg)
    _old_store(data / "stockholm", "2025-06-01T00:00:00+00:00", ["N31001,0180,2023,T,2000.0,1,"], new_cfg)
    lines = kolada.migrate([data / "alingsas", data / "stockholm"])
    text = "\n".join(lines)
    assert "N31001: behåller hämtningen 2025-06-01T00:00:00+00:00" in text
    assert "rapportbok kolada hamta --org alingsas" in text and "--org stockholm" not in text
    values, _ = kolada.load_stored(data / "stockholm")
    assert values["value"].tolist() == [2000.0]
    assert kolada.load_stored(data / "alingsas")[0].empty  # its value was from the older fetch: fetch it again
