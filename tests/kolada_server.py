"""A local fake of the Kolada API v3 for tests (no real network).

Runs an ``http.server.ThreadingHTTPServer`` on 127.0.0.1 with an ephemeral
port in a background thread.  Behaviour is programmable:

* data records (``add_value``/``set_value``/``remove_value``), including null
  values, deleted rows (``isdeleted``) and genders T/K/M,
* metadata endpoints ``/kpi``, ``/municipality``, ``/municipality_groups``,
  with the field names and types v3 uses (group members as
  ``member_id``/``member_title``, ``is_divided_by_gender`` a boolean),
* unknown or removed KPIs (``remove_kpi``) answering HTTP 404, as v3 may,
* paging with absolute ``next_url``/``previous_url`` (``page_size`` forces
  small pages),
* HTTP 422 when a path segment holds more than 25 ids,
* scripted failures (``fail``): e.g. 429 with Retry-After, 500 once, 500
  forever, and slow answers (``slow``) to provoke client timeouts,
* hostile transport (``redirect``, ``gzipped``, ``raw``): a redirect to another
  address, the normal answer gzip-compressed (``Content-Encoding: gzip``), or
  exactly the headers and bytes given (a Content-Length larger than the body).

All numbers served by tests are synthetic.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

MAX_IDS = 25
MAX_PER_PAGE = 5000


@dataclass
class Rule:
    """A scripted answer; applies to requests whose path contains ``match``."""

    status: int = 500
    times: int | None = 1  # None = forever
    headers: dict[str, str] = field(default_factory=dict)
    match: str | None = None
    delay: float = 0.0
    passthrough: bool = False  # after ``delay``, answer normally
    drip: float = 0.0  # answer normally, but send the body one byte every ``drip`` seconds
    body: Any = None  # answer with this JSON body (or raw bytes) instead of the normal answer
    gzip: bool = False  # answer normally, the body gzip-compressed with Content-Encoding: gzip
    exact: bool = False  # send only ``headers`` (no Content-Type or Content-Length of our own) and ``body``

    def applies(self, path: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        return self.match is None or self.match in path


class FakeKolada:
    """Programmable fake Kolada v3 server.  Use as a context manager."""

    def __init__(self, page_size: int | None = None):
        self.page_size = page_size
        self.relative_links = False  # True: next_url/previous_url as root-relative paths ("/v3/data/...")
        self.records: dict[tuple[str, str, int], dict[str, Any]] = {}
        self.kpi_meta: list[dict[str, Any]] = []
        self.municipality_meta: list[dict[str, Any]] = []
        self.group_meta: list[dict[str, Any]] = []
        self.gone_kpis: set[str] = set()  # KPIs Kolada does not know (any more): requests naming them answer 404
        self.rules: list[Rule] = []
        self.requests: list[str] = []  # path + query of every request received
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> FakeKolada:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeKolada:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return self.origin + "/v3/"

    # -- programming ---------------------------------------------------------

    def add_value(
        self,
        kpi: str,
        municipality: str,
        period: int,
        value: float | None,
        gender: str = "T",
        count: int | None = 1,
        status: str | None = None,
        isdeleted: bool = False,
    ) -> None:
        key = (kpi, municipality, int(period))
        rec = self.records.setdefault(
            key, {"kpi": kpi, "municipality": municipality, "period": int(period), "values": []}
        )
        rec["values"].append(
            {"gender": gender, "count": count, "status": status, "value": value, "isdeleted": isdeleted}
        )

    def set_value(self, kpi: str, municipality: str, period: int, value: float | None, gender: str = "T") -> None:
        for v in self.records[(kpi, municipality, int(period))]["values"]:
            if v["gender"] == gender:
                v["value"] = value
                return
        raise KeyError((kpi, municipality, period, gender))

    def remove_value(self, kpi: str, municipality: str, period: int, gender: str = "T") -> None:
        rec = self.records[(kpi, municipality, int(period))]
        rec["values"] = [v for v in rec["values"] if v["gender"] != gender]
        if not rec["values"]:
            del self.records[(kpi, municipality, int(period))]

    def add_kpi(self, kpi: str, title: str, divided_by_gender: bool = False) -> None:
        self.kpi_meta.append({"id": kpi, "title": title, "is_divided_by_gender": divided_by_gender})

    def remove_kpi(self, kpi: str) -> None:
        """Kolada does not know ``kpi`` (any more): a data or /kpi request naming it answers HTTP 404."""
        self.gone_kpis.add(kpi)
        self.kpi_meta = [m for m in self.kpi_meta if m["id"] != kpi]

    def add_municipality(self, mid: str, title: str, type_: str = "K") -> None:
        self.municipality_meta.append({"id": mid, "title": title, "type": type_})

    def add_group(self, gid: str, title: str, members: list[tuple[str, str]]) -> None:
        self.group_meta.append(
            {"id": gid, "title": title, "members": [{"member_id": i, "member_title": t} for i, t in members]}
        )

    def fail(
        self,
        status: int,
        times: int | None = 1,
        retry_after: str | float | None = None,
        match: str | None = None,
    ) -> Rule:
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        rule = Rule(status=status, times=times, headers=headers, match=match)
        self.rules.append(rule)
        return rule

    def slow(self, seconds: float, times: int | None = 1, match: str | None = None) -> Rule:
        rule = Rule(status=200, times=times, match=match, delay=seconds, passthrough=True)
        self.rules.append(rule)
        return rule

    def dripping(self, interval: float, times: int | None = 1, match: str | None = None) -> Rule:
        """Answer normally, but send the body one byte every ``interval`` seconds (a hanging server)."""
        rule = Rule(status=200, times=times, match=match, passthrough=True, drip=interval)
        self.rules.append(rule)
        return rule

    def answer_with(self, body: Any, times: int | None = 1, match: str | None = None, status: int = 200) -> Rule:
        """Answer with ``body`` (JSON-encodable, or bytes sent as they are) instead of the normal answer."""
        rule = Rule(status=status, times=times, match=match, body=body)
        self.rules.append(rule)
        return rule

    def redirect(self, location: str, status: int = 302, times: int | None = 1, match: str | None = None) -> Rule:
        """Answer with a redirect to ``location`` (relative or absolute, on another host if you like)."""
        rule = Rule(status=status, times=times, match=match, headers={"Location": location}, body=b"")
        self.rules.append(rule)
        return rule

    def gzipped(self, times: int | None = 1, match: str | None = None) -> Rule:
        """Answer normally, with the body gzip-compressed (as a server does when asked for gzip)."""
        rule = Rule(status=200, times=times, match=match, passthrough=True, gzip=True)
        self.rules.append(rule)
        return rule

    def raw(
        self, status: int, headers: dict[str, str], body: bytes, times: int | None = 1, match: str | None = None
    ) -> Rule:
        """Answer with exactly these headers and bytes, e.g. a Content-Length the body does not have."""
        rule = Rule(status=status, times=times, match=match, headers=headers, body=body, exact=True)
        self.rules.append(rule)
        return rule

    def data_requests(self) -> list[str]:
        """Paths (without query) of the data requests received, in order."""
        return [urlsplit(r).path for r in self.requests if urlsplit(r).path.startswith("/v3/data/")]

    # -- answering -----------------------------------------------------------

    def take_rule(self, path: str) -> Rule | None:
        with self.lock:
            for rule in self.rules:
                if rule.applies(path):
                    if rule.times is not None:
                        rule.times -= 1
                    return rule
        return None

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        if not path.startswith("/v3/"):
            return 404, {"detail": "Not found"}
        parts = [p for p in path[len("/v3/") :].split("/") if p]
        if not parts:
            return 404, {"detail": "Not found"}
        for seg in parts:
            if len(seg.split(",")) > MAX_IDS:
                return 422, {"detail": f"Too many ids in path segment (max {MAX_IDS})"}
        if parts[0] == "data":
            return self._data(parts[1:], path, query)
        meta = {"kpi": self.kpi_meta, "municipality": self.municipality_meta, "municipality_groups": self.group_meta}
        if parts[0] == "kpi" and len(parts) == 2 and set(parts[1].split(",")) & self.gone_kpis:
            return 404, {"detail": "Not found"}
        if parts[0] in meta and len(parts) <= 2:
            items = meta[parts[0]]
            if len(parts) == 2:
                wanted = parts[1].split(",")
                items = [m for m in items if m["id"] in wanted]
            return 200, self._page(items, path, query)
        return 404, {"detail": "Not found"}

    def _data(self, parts: list[str], path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        if len(parts) % 2:
            return 404, {"detail": "Not found"}
        filters: dict[str, list[str]] = {}
        for name, ids in zip(parts[::2], parts[1::2]):
            if name not in ("kpi", "municipality", "year"):
                return 404, {"detail": f"Unknown dimension {name}"}
            filters[name] = ids.split(",")
        if len(filters) < 2:
            return 422, {"detail": "At least two of kpi, municipality, year are required"}
        if set(filters.get("kpi", [])) & self.gone_kpis:
            return 404, {"detail": "Not found"}
        items = []
        for (kpi, mun, period), rec in sorted(self.records.items()):
            if "kpi" in filters and kpi not in filters["kpi"]:
                continue
            if "municipality" in filters and mun not in filters["municipality"]:
                continue
            if "year" in filters and str(period) not in filters["year"]:
                continue
            items.append(json.loads(json.dumps(rec)))
        return 200, self._page(items, path, query)

    def _page(self, items: list[Any], path: str, query: dict[str, list[str]]) -> dict[str, Any]:
        per_page = min(int(query.get("per_page", [MAX_PER_PAGE])[0]), MAX_PER_PAGE)
        if self.page_size:
            per_page = min(per_page, self.page_size)
        page = int(query.get("page", ["1"])[0])
        start = (page - 1) * per_page
        chunk = items[start : start + per_page]

        def link(p: int) -> str:
            q = {k: v[0] for k, v in query.items()}
            q["page"] = str(p)
            return f"{'' if self.relative_links else self.origin}{path}?{urlencode(q)}"

        return {
            "values": chunk,
            "count": len(chunk),
            "next_url": link(page + 1) if start + per_page < len(items) else None,
            "previous_url": link(page - 1) if page > 1 else None,
        }


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeKolada

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr
        pass

    def do_GET(self) -> None:
        fake = self.server_fake
        split = urlsplit(self.path)
        with fake.lock:
            fake.requests.append(self.path)
        rule = fake.take_rule(split.path)
        if rule is not None and rule.delay:
            time.sleep(rule.delay)
        if rule is not None and rule.exact:
            try:
                self.send_response(rule.status)
                for k, v in rule.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(rule.body)
                self.wfile.flush()
                self.close_connection = True
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if rule is not None and rule.body is not None:
            self._send(rule.status, rule.body, rule.headers)
            return
        if rule is not None and not rule.passthrough:
            self._send(rule.status, {"detail": f"scripted {rule.status}"}, rule.headers)
            return
        with fake.lock:
            status, body = fake.answer(split.path, parse_qs(split.query))
        if rule is not None and rule.gzip:
            import gzip

            packed = gzip.compress(json.dumps(body, ensure_ascii=False).encode("utf-8"), mtime=0)
            self._send(status, packed, {"Content-Encoding": "gzip"})
            return
        self._send(status, body, {}, drip=rule.drip if rule is not None else 0.0)

    def _send(self, status: int, body: Any, headers: dict[str, str], drip: float = 0.0) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if drip:
                for i in range(len(data)):
                    self.wfile.write(data[i : i + 1])
                    self.wfile.flush()
                    time.sleep(drip)
            else:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. timeout)


def seed_national(
    fake: FakeKolada,
    years: range | list[int],
    kpis: dict[str, str] | None = None,
    municipalities: dict[str, str] | None = None,
    groups: dict[str, list[str]] | None = None,
) -> None:
    """SYNTHETIC values for a national edition: every KPI x municipality x year, and each group's mean.

    The numbers are made up (a deterministic function of the ids), never Kolada's. ``kpis`` maps id
    to title (default: the standard set in the shipped metadata snapshot, with its real titles);
    ``municipalities`` id to name and ``groups`` group id to members (default: the snapshot's 290
    municipalities, G2328 and every municipality's three similar-municipality groups, with their real members
    from tests/fixtures/kolada_catalogue).
    """
    import zlib

    from rapportbok.data import kolada_snapshot as snap

    s = snap.load()
    kpis = kpis or {k: t for k, (t, _, _) in s.kpis.items()}
    municipalities = municipalities or {m.id: m.name for m in s.municipalities.values()}
    if groups is None:
        import csv
        import gzip
        from pathlib import Path

        groups = {snap.ALL_MUNICIPALITIES: list(municipalities)}
        wanted = {gid for m in s.municipalities.values() for gid, _ in m.groups.values()}
        # Kolada's real members of those groups, from the catalogue extract in the repository (see its README): the
        # same on every machine, with or without Kolada's metadata beside the project.
        catalogue = Path(__file__).resolve().parent / "fixtures" / "kolada_catalogue" / "municipality-groups.csv.gz"
        with gzip.open(catalogue, "rt", encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                if r["group_id"] in wanted:
                    groups.setdefault(r["group_id"], []).append(r["member_id"])
    for k, title in kpis.items():
        fake.add_kpi(k, title)
    for mid, name in municipalities.items():
        fake.add_municipality(mid, name)
    for gid, members in groups.items():
        fake.add_group(gid, gid, [(m, municipalities.get(m, m)) for m in members])

    def value(k: str, mid: str, y: int) -> float:
        if k == "N01951":  # synthetic population
            return float(5000 + zlib.crc32(mid.encode()) % 200000 + 100 * (y - 2018))
        base = 1 + zlib.crc32(f"{k}{mid}".encode()) % 1000
        scale = 10.0 if "kr/inv" in kpis[k] else 0.05
        return round(base * scale * (1 + 0.02 * (y - 2018)), 1)

    for k in kpis:
        for y in years:
            by_mun = {mid: value(k, mid, y) for mid in municipalities}
            for mid, v in by_mun.items():
                fake.add_value(k, mid, y, v)
            for gid, members in groups.items():
                vals = [by_mun[m] for m in members if m in by_mun]
                if vals:
                    fake.add_value(k, gid, y, round(sum(vals) / len(vals), 1), count=len(vals))
