"""Opt-in smoke test against the real Kolada API v3 (network).

Run by an analyst before trusting a new Kolada fetch: ``RAPPORTBOK_KOLADA_LIVE=1 .venv/bin/python
-m pytest tests/test_kolada_live.py``. Skipped otherwise (with a message), and skipped when
api.kolada.se cannot be reached. It checks that the URL shapes and the fields the client and the
fake server (tests/kolada_server.py) rely on are what the real API answers. It asserts no values:
the figures are Kolada's and change.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urljoin, urlsplit

import pytest

from rapportbok.data import kolada

pytestmark = pytest.mark.skipif(
    os.environ.get("RAPPORTBOK_KOLADA_LIVE") != "1",
    reason="mot riktiga Kolada bara med RAPPORTBOK_KOLADA_LIVE=1 (kräver nätverk)",
)

HOST = urlsplit(kolada.DEFAULT_BASE_URL).hostname


@pytest.fixture(scope="module")
def client() -> kolada.KoladaClient:
    try:
        socket.create_connection((HOST, 443), timeout=5).close()
    except OSError as exc:
        pytest.skip(f"{HOST} går inte att nå ({exc.__class__.__name__}): inget nätverk?")
    return kolada.KoladaClient(timeout=30, max_retries=2, backoff=2.0, deadline=120)


def test_kpi_metadata_has_the_fields_we_read(client):
    (kpi,) = client.kpis(["N31001"])
    assert kpi["id"] == "N31001" and isinstance(kpi["title"], str) and kpi["title"]
    assert isinstance(kpi["is_divided_by_gender"], bool)  # v3: a boolean (the fake server does the same)


def test_group_members_are_member_id_and_member_title(client):
    (group,) = client.municipality_groups(["G2328"])  # Alla kommuner (ovägt medel)
    members = kolada.group_members(group)
    assert len(members) > 250 and ("1489", "Alingsås") in members


def test_data_records_and_paging_have_the_v3_shape(client):
    page = client.get_json("data/kpi/N31001/municipality/1489,1440/year/2022,2023", {"per_page": 1})
    assert set(page) >= {"values", "count", "next_url"}
    (rec,) = page["values"]
    assert set(rec) >= {"kpi", "municipality", "period", "values"} and isinstance(rec["period"], int)
    for v in rec["values"]:
        assert set(v) >= {"gender", "count", "status", "value", "isdeleted"} and v["gender"] in kolada.GENDERS
    nxt = urljoin(client.url_for("data/kpi/N31001/municipality/1489,1440/year/2022,2023"), page["next_url"])
    assert client.same_origin(nxt) and urlsplit(nxt).path.startswith("/v3/data/")  # never /v3/v3/
    df = client.data(["N31001"], ["1489", "1440"], years=[2022, 2023])  # follows every next_url
    assert list(df.columns) == kolada.VALUE_COLUMNS and set(df["municipality"]) == {"1489", "1440"}


def test_an_unknown_kpi_is_missing_not_an_error(client):
    df = client.data(["N31001", "N99999"], ["1489"], years=[2023])
    assert set(df["kpi"]) == {"N31001"}
    assert client.kpis(["N99999"]) == []
