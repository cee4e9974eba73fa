"""Client for the Kolada API v3 and the national store of fetched values.

Kolada (https://www.kolada.se, run by RKA) publishes municipal key performance
indicators (KPIs).  This module provides

* :class:`KoladaClient` -- a small HTTP client with retries, back-off,
  paging (``next_url``) and chunking of id lists (at most 25 ids per path
  segment, which is what the API accepts),
* :func:`load_config` -- reader/validator for ``data/<org>/kolada.yml``,
* :func:`fetch_org` / :func:`fetch_many` -- fetch what one or several organisations' configs ask
  for into the national store ``data/kolada/<KPI>/varden.csv`` and ``hamtning.yml``: one folder per
  KPI, shared by every organisation (a KPI is fetched once, for every organisation's ids), with its
  fetch date, the API address and the requests,
* :func:`load_stored` -- one organisation's rows of the store (its KPIs, ids and years); an old
  store of its own (``data/<org>/kolada/``, before the national store) is still read, and
  :func:`migrate` moves it into the national store,
* :func:`own_group_mean` -- the unweighted mean over a list of member
  municipalities.  This is *own processing* (egen bearbetning) and must not be
  attributed to Kolada.

In-memory values use the long form returned by :meth:`KoladaClient.data`:
columns ``kpi, municipality, period, gender, value, count, status``.  On disk
(``varden.csv``) the columns are ``kpi, kommun_id, period, kon, varde, antal,
status``.

Messages a user sees are in Swedish.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import email.utils
import json
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pandas as pd
import requests
import urllib3
import yaml

from rapportbok.core import files, journal, state

DEFAULT_BASE_URL = "https://api.kolada.se/v3/"
MAX_IDS_PER_SEGMENT = 25
MAX_PER_PAGE = 5000
MAX_RETRY_AFTER = 60.0  # seconds; a server asking for longer is not waited for longer
DEFAULT_DEADLINE = 600.0  # seconds for one fetch, also while a slow body is being read
READ_CHUNK = 64 * 1024
MAX_BODY = 200 * 1024 * 1024  # bytes of one answer; Kolada's pages of 5000 values are far smaller
MAX_ERROR_BODY = 4096  # bytes of an error answer read for its message
MAX_REDIRECTS = 5  # hops of one request, each on the API's own origin
REDIRECTS = (301, 302, 303, 307, 308)
# Plain http is refused: only https reaches Kolada. FOR TESTS ONLY: with this variable set to 1, http to this
# machine itself (127.0.0.1, ::1, localhost) is allowed, for the tests' fake Kolada server (tests/kolada_server.py).
TEST_HTTP_ENV = "RAPPORTBOK_TEST_HTTP_LOKAL"
GENDERS = ("T", "K", "M")

SOURCE_LABEL = "Källa: Kolada"
# How a page cites values it shows from Kolada: with the fetch date. A page whose text has it uses Kolada, and
# only such a page credits Kolada in its footer (rapportbok.publish.sphinxext) and its PDF's cover (pdf.py).
FETCHED_LABEL = SOURCE_LABEL + ", hämtat"


def fetched_citation(date_text: str | None) -> str:
    """'Källa: Kolada, hämtat 3 mars 2026' (or '… hämtat vid okänt datum' when the store has no date)."""
    return f"{FETCHED_LABEL} {date_text or 'vid okänt datum'}"


OWN_PROCESSING_LABEL = "Egen bearbetning av data från Kolada (ovägt medel)"

CONFIG_FILE = "kolada.yml"
STORE_DIR = "kolada"
VALUES_FILE = "varden.csv"
META_FILE = "hamtning.yml"

VALUE_COLUMNS = ["kpi", "municipality", "period", "gender", "value", "count", "status"]
STORED_COLUMNS = ["kpi", "kommun_id", "period", "kon", "varde", "antal", "status"]
_TO_STORED = dict(zip(VALUE_COLUMNS, STORED_COLUMNS))
_FROM_STORED = dict(zip(STORED_COLUMNS, VALUE_COLUMNS))
_KEY = ["kpi", "kommun_id", "period", "kon"]

_ID_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_KPI_RE = re.compile(r"^[A-Z][0-9]{5}$")
_MUNICIPALITY_RE = re.compile(r"^[0-9]{4}$")
_GROUP_RE = re.compile(r"^G[0-9]+$")


class KoladaError(Exception):
    """An error talking to Kolada.  ``url`` and ``status`` are set when known."""

    def __init__(self, message: str, url: str | None = None, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


class KoladaConfigError(ValueError):
    """``kolada.yml`` is missing or invalid.  The message is in Swedish."""


# ---------------------------------------------------------------------------
# HTTP client
# ---------------------------------------------------------------------------

_STATUS_HINTS = {
    400: "felaktig förfrågan",
    401: "saknar behörighet",
    403: "åtkomst nekad",
    404: "hittades inte",
    422: "ogiltig förfrågan, t.ex. fler än 25 id i en del av sökvägen",
}


def chunked(ids: Sequence[str], size: int = MAX_IDS_PER_SEGMENT) -> list[list[str]]:
    """Split ``ids`` into consecutive lists of at most ``size`` items."""
    if size < 1:
        raise ValueError("size must be positive")
    ids = list(ids)
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def _check_ids(ids: Iterable[Any], what: str) -> list[str]:
    out = []
    for raw in ids:
        ident = str(raw)
        if not _ID_RE.match(ident):
            raise ValueError(f"Ogiltigt {what}-id för Kolada: {raw!r}")
        out.append(ident)
    return _unique(out)


def _parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (delta-seconds or HTTP date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.UTC)
    return max(0.0, (when - _dt.datetime.now(_dt.UTC)).total_seconds())


def check_base_url(url: str) -> None:
    """The API's address (``--api-adress``): https, a host, no user name or password, no query; else KoladaError.

    Plain http is refused (anyone on the way could read and change the answers), except, for the tests' fake
    server only, http to this machine when :data:`TEST_HTTP_ENV` is 1.
    """
    import ipaddress
    import os

    parts = urlsplit(url)
    expected = "en https-adress, t.ex. https://api.kolada.se/v3/"
    if "@" in parts.netloc:  # a user name or password is never repeated in a message
        url = parts._replace(netloc="…@" + parts.netloc.rsplit("@", 1)[1]).geturl()
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise KoladaError(f"--api-adress {url!r}: porten är inte ett tal; förväntade {expected}.") from None
    if not parts.hostname or parts.username or parts.password or parts.query or parts.fragment:
        raise KoladaError(
            f"--api-adress {url!r}: förväntade {expected} (utan användarnamn, lösenord, ? eller #).", url=url
        )
    scheme = parts.scheme.lower()
    if scheme == "https":
        return
    if scheme == "http" and os.environ.get(TEST_HTTP_ENV) == "1":
        host = parts.hostname
        try:
            local = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            local = False
        if local:
            return
    raise KoladaError(
        f"--api-adress {url!r}: bara https är tillåtet (med http kan vem som helst på vägen läsa och ändra "
        f"svaren); förväntade {expected}.",
        url=url,
    )


class KoladaClient:
    """Kolada API v3 client.

    One policy for every request (:meth:`_send`, :meth:`_read_body`): https only
    (:func:`check_base_url`); every hop on the API's own origin (a ``next_url`` or a redirect to another
    scheme, host or port is refused, redirects are followed here and never by ``requests``); bodies
    read in pieces, decoded as sent (gzip, deflate) and bounded (:data:`MAX_BODY` decoded bytes, a larger
    Content-Length refused before reading; a body shorter than its Content-Length is an error with a
    Swedish message); a deadline for the whole fetch.

    ``sleep`` is injectable so tests do not actually wait.  Every successful
    request URL (including ``next_url`` pages) is appended to ``request_log``.
    A KPI that Kolada does not know (any more) answers HTTP 404; such a KPI is
    appended to ``not_found_kpis`` and counts as missing instead of aborting
    the fetch.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        session: requests.Session | None = None,
        timeout: float = 30,
        max_retries: int = 5,
        backoff: float = 1.0,
        sleep: Callable[[float], Any] = time.sleep,
        deadline: float = DEFAULT_DEADLINE,
        max_retry_after: float = MAX_RETRY_AFTER,
    ):
        if not base_url.endswith("/"):
            base_url += "/"
        check_base_url(base_url)
        self.base_url = base_url
        self.session = session if session is not None else requests.Session()
        self.session.headers.setdefault("Accept", "application/json")
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))
        self.backoff = backoff
        self.sleep = sleep
        self.deadline = float(deadline)
        self.max_retry_after = float(max_retry_after)
        self._until: float | None = None  # monotonic end of the current fetch (see deadline_window)
        self.request_log: list[str] = []
        self.not_found_kpis: list[str] = []

    # -- deadline ------------------------------------------------------------

    @contextlib.contextmanager
    def deadline_window(self):
        """One fetch: every request inside, retries, waits and slow bodies included, ends by ``deadline`` s.

        Nested windows share the outermost one; a request outside any window gets its own.
        """
        outer = self._until is None
        if outer:
            self._until = time.monotonic() + self.deadline
        try:
            yield
        finally:
            if outer:
                self._until = None

    def _remaining(self, url: str) -> float:
        left = (self._until or 0) - time.monotonic()
        if left <= 0:
            raise KoladaError(
                f"Hämtningen från Kolada tog längre än {self.deadline:g} s och avbröts (senast {url}).", url=url
            )
        return left

    def _read_body(self, resp: requests.Response, url: str, limit: int | None = None, cut: bool = False) -> bytes:
        """The whole body, decoded as sent (gzip, deflate), read a piece at a time so the deadline also holds
        for a slow server, and at most ``limit`` bytes: more is an error, or with ``cut`` the first ``limit``.

        A Content-Length beyond ``limit`` is refused before anything is read. requests' errors while
        reading (a body shorter than its Content-Length, a broken gzip stream) come out as they are.
        """
        limit = MAX_BODY if limit is None else limit
        declared = resp.headers.get("Content-Length", "").strip()
        if not cut and declared.isdigit() and int(declared) > limit:
            raise KoladaError(
                f"Kolada angav ett svar på mer än {limit // 2**20} MB ({int(declared)} byte) för {url}; "
                "hämtningen avbröts.",
                url=url,
            )
        parts: list[bytes] = []
        size = 0
        while True:
            # read1: what has arrived (at most READ_CHUNK decoded bytes), so a slow server meets the deadline
            chunk = resp.raw.read1(READ_CHUNK, decode_content=True)
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
            if size > limit:
                if cut:
                    return b"".join(parts)[:limit]
                raise KoladaError(
                    f"Kolada svarade med mer än {limit // 2**20} MB för {url}; hämtningen avbröts.", url=url
                )
            self._remaining(url)
        return b"".join(parts)

    def _send(self, url: str, params: dict[str, Any] | None, timeout: float) -> requests.Response:
        """One GET on the API's own origin, following its redirects here (at most :data:`MAX_REDIRECTS`), each
        checked to stay on the same scheme, host and port: a redirect elsewhere is refused, never followed."""
        current = url
        for hop in range(MAX_REDIRECTS + 1):
            if not self.same_origin(current):
                raise KoladaError(
                    f"rapportbok frågar bara {self.base_url}, inte {current}; hämtningen avbröts.", url=current
                )
            resp = self.session.get(
                current, params=params if hop == 0 else None, timeout=timeout, stream=True, allow_redirects=False
            )
            location = resp.headers.get("Location")
            if resp.status_code not in REDIRECTS or not location:
                return resp
            target = urljoin(resp.url or current, location)
            resp.close()
            if not self.same_origin(target):
                raise KoladaError(
                    f"Kolada skickade vidare (HTTP {resp.status_code}) till en annan adress ({target}); rapportbok "
                    f"följer bara adresser under {self.base_url}. Inget har sparats.",
                    url=target,
                    status=resp.status_code,
                )
            current = target
        raise KoladaError(
            f"Kolada skickade vidare mer än {MAX_REDIRECTS} gånger för {url}; hämtningen avbröts.", url=url
        )

    # -- low level ---------------------------------------------------------

    def same_origin(self, url: str) -> bool:
        a, b = urlsplit(url), urlsplit(self.base_url)
        return (a.scheme.lower(), a.hostname, a.port) == (b.scheme.lower(), b.hostname, b.port)

    def url_for(self, path: str) -> str:
        """Absolute URL for ``path`` (relative to ``base_url``) or ``path`` itself if absolute."""
        if path.startswith(("http://", "https://")):
            return path
        return urljoin(self.base_url, path.lstrip("/"))

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET ``path`` and return the decoded JSON.

        Retries with exponential back-off (``backoff * 2**attempt`` seconds) on
        HTTP 429, 5xx, connection errors and timeouts, at most ``max_retries``
        times; a Retry-After header overrides the back-off.  Other non-2xx
        answers raise :class:`KoladaError` at once.
        """
        with self.deadline_window():
            return self._get_json(path, params)

    def _get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        url = self.url_for(path)
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        full_url = requests.Request("GET", url, params=clean_params).prepare().url or url
        attempt = 0
        while True:
            wait: float | None = None
            status: int | None = None
            timeout = min(self.timeout, self._remaining(full_url))
            try:
                resp = self._send(url, clean_params or None, timeout)
            except requests.Timeout:
                reason = f"inget svar inom {timeout:g} s (timeout)"
            except requests.ConnectionError as exc:
                reason = f"anslutningsfel ({exc.__class__.__name__})"
            else:
                status = resp.status_code
                if 200 <= status < 300:
                    try:
                        body = self._read_body(resp, full_url)
                    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                        resp.close()
                        raise KoladaError(
                            f"Kolada avbröt svaret för {full_url} ({_read_failure(exc)}); inget har sparats.",
                            url=full_url,
                            status=status,
                        ) from exc
                    except KoladaError:
                        resp.close()
                        raise
                    try:
                        payload = json.loads(body.decode(resp.encoding or "utf-8"), parse_constant=_refuse_constant)
                    except (ValueError, LookupError) as exc:
                        raise KoladaError(
                            f"Kolada svarade inte med giltig JSON för {full_url}.",
                            url=full_url,
                            status=status,
                        ) from exc
                    self.request_log.append(full_url)
                    return payload
                if status == 429 or status >= 500:
                    resp.close()
                    reason = f"HTTP {status}"
                    wait = _parse_retry_after(resp.headers.get("Retry-After"))
                    if wait is not None:
                        wait = min(wait, self.max_retry_after)
                else:
                    hint = _STATUS_HINTS.get(status)
                    detail = f" ({hint})" if hint else ""
                    try:  # the start of the answer for the message, never more
                        raw = self._read_body(resp, full_url, MAX_ERROR_BODY, cut=True)
                    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError, KoladaError):
                        raw = b""
                    finally:
                        resp.close()
                    text = raw.decode("utf-8", errors="replace")
                    body = " ".join("".join(c if c.isprintable() else " " for c in text).split())[:200]
                    body_txt = f" Svar: {body}" if body else ""
                    raise KoladaError(
                        f"Kolada svarade HTTP {status}{detail} för {full_url}.{body_txt}",
                        url=full_url,
                        status=status,
                    )
            if attempt >= self.max_retries:
                raise KoladaError(
                    f"Gav upp mot Kolada efter {attempt + 1} försök för {full_url}: senast {reason}.",
                    url=full_url,
                    status=status,
                )
            if wait is None:
                wait = min(self.backoff * (2**attempt), self.max_retry_after)
            if wait >= self._remaining(full_url):
                raise KoladaError(
                    f"Gav upp mot Kolada för {full_url}: senast {reason}, och väntan ({wait:g} s) skulle gå över "
                    f"tidsgränsen för hämtningen ({self.deadline:g} s).",
                    url=full_url,
                    status=status,
                )
            self.sleep(wait)
            attempt += 1

    def paged(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """All ``values`` of a paged answer, following ``next_url`` (same origin only) until it is null."""
        with self.deadline_window():
            return self._paged(path, params)

    def _paged(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        page = self.get_json(path, params)
        current = self.url_for(path)
        while True:
            if not isinstance(page, dict) or not isinstance(page.get("values", []), list):
                raise KoladaError(f"Oväntat svar från Kolada för {current}: saknar listan 'values'.", url=current)
            out.extend(page.get("values") or [])
            next_url = page.get("next_url")
            if not next_url:
                return out
            if not isinstance(next_url, str):
                raise KoladaError(f"Oväntat svar från Kolada för {current}: next_url är inte en adress.", url=current)
            # Relative to the page it came on (a root-relative "/v3/data/..." must not become /v3/v3/...).
            next_url = urljoin(current, next_url)
            if not self.same_origin(next_url):
                raise KoladaError(
                    f"Kolada skickade en next_url till en annan adress ({next_url}); rapportbok följer bara "
                    f"adresser under {self.base_url}.",
                    url=next_url,
                )
            if next_url in seen:
                raise KoladaError(f"Kolada skickade samma next_url två gånger: {next_url}", url=next_url)
            seen.add(next_url)
            current = next_url
            page = self.get_json(next_url)

    # -- metadata ------------------------------------------------------------

    def _metadata(self, endpoint: str, ids: Iterable[str] | None) -> list[dict[str, Any]]:
        params = {"per_page": MAX_PER_PAGE}
        if ids is None:
            return self.paged(endpoint, params)
        out: list[dict[str, Any]] = []
        for chunk in chunked(_check_ids(ids, endpoint)):
            try:
                out.extend(self.paged(f"{endpoint}/{','.join(chunk)}", params))
            except KoladaError as exc:
                if exc.status != 404:
                    raise
                # None of these ids is known (any more): each is simply absent from the answer.
                if len(chunk) > 1:
                    for one in chunk:
                        out.extend(self._metadata(endpoint, [one]))
        return out

    def kpis(self, ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """KPI metadata (``/kpi``); all KPIs when ``ids`` is None."""
        return self._metadata("kpi", ids)

    def municipalities(self, ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Municipality metadata (``/municipality``)."""
        return self._metadata("municipality", ids)

    def municipality_groups(self, ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Municipality group metadata (``/municipality_groups``), with members (see :func:`group_members`)."""
        return self._metadata("municipality_groups", ids)

    # -- data ----------------------------------------------------------------

    def data(
        self,
        kpis: Iterable[str],
        municipalities: Iterable[str],
        years: Iterable[int] | None = None,
        from_date: str | _dt.date | None = None,
    ) -> pd.DataFrame:
        """Values for ``kpis`` x ``municipalities`` (x ``years``) in long form.

        Each id list is split into chunks of at most 25.  Group ids (G...) work
        as municipalities.  Returns columns ``kpi, municipality, period (int),
        gender, value (float, NaN where null), count, status``; rows with
        ``isdeleted`` true are dropped and only genders T/K/M are kept.
        """
        with self.deadline_window():
            return self._data(kpis, municipalities, years, from_date)

    def _data(self, kpis, municipalities, years, from_date) -> pd.DataFrame:
        kpi_ids = _check_ids(kpis, "nyckeltals")
        mun_ids = _check_ids(municipalities, "kommun")
        if not kpi_ids or not mun_ids:
            raise ValueError("Både nyckeltal och kommuner måste anges för att hämta data från Kolada.")
        year_chunks: list[list[str] | None]
        if years is None:
            year_chunks = [None]
        else:
            year_ids = _unique(str(int(y)) for y in years)
            if not year_ids:
                raise ValueError("Listan med år är tom.")
            year_chunks = list(chunked(year_ids))
        params: dict[str, Any] = {"per_page": MAX_PER_PAGE}
        if from_date is not None:
            params["from_date"] = from_date.isoformat() if isinstance(from_date, _dt.date) else str(from_date)

        records: list[dict[str, Any]] = []
        start = len(self.not_found_kpis)
        for kchunk in chunked(kpi_ids):
            records.extend(self._data_chunk(kchunk, mun_ids, year_chunks, params))
        if set(kpi_ids) <= set(self.not_found_kpis[start:]):
            # Not a removed KPI but a wrong address or id: stop rather than store nothing as "missing".
            raise KoladaError(
                f"Kolada svarade HTTP 404 (hittades inte) för alla nyckeltal ({', '.join(kpi_ids)}) under "
                f"{self.base_url}. Kontrollera API-adressen och kommun-id:na; inget har sparats.",
                status=404,
            )
        return values_frame(records)

    def _data_chunk(self, kchunk: list[str], mun_ids: list[str], year_chunks, params) -> list[dict[str, Any]]:
        """Values for one chunk of KPIs.  HTTP 404 means a KPI Kolada does not know (any more): the
        chunk is asked again KPI by KPI, and a single KPI answering 404 is recorded as missing."""
        records: list[dict[str, Any]] = []
        try:
            for mchunk in chunked(mun_ids):
                for ychunk in year_chunks:
                    path = f"data/kpi/{','.join(kchunk)}/municipality/{','.join(mchunk)}"
                    if ychunk is not None:
                        path += f"/year/{','.join(ychunk)}"
                    records.extend(self.paged(path, params))
        except KoladaError as exc:
            if exc.status != 404:
                raise
            if len(kchunk) == 1:
                self.not_found_kpis.append(kchunk[0])
                return []
            records = []
            for kpi in kchunk:
                records.extend(self._data_chunk([kpi], mun_ids, year_chunks, params))
        return records


def group_members(group: dict[str, Any]) -> list[tuple[str, str]]:
    """``(id, title)`` of each member of a ``/municipality_groups`` record.

    Kolada v3 names the member fields ``member_id`` and ``member_title``
    (``{"id": "G36450", "title": ..., "members": [{"member_id": "1440",
    "member_title": "Ale"}, ...]}``).
    """
    gid = group.get("id") if isinstance(group, dict) else None
    members = group.get("members") if isinstance(group, dict) else None
    if not isinstance(members, list):
        raise KoladaError(f"Oväntat svar från Kolada: gruppen {gid!r} saknar listan 'members'.")
    out = []
    for m in members:
        mid = m.get("member_id") if isinstance(m, dict) else None
        title = m.get("member_title") if isinstance(m, dict) else None
        if not isinstance(mid, str) or not _MUNICIPALITY_RE.match(mid) or not isinstance(title, str):
            raise KoladaError(
                f"Oväntat svar från Kolada: gruppen {gid!r} har en medlem {str(m)[:80]!r}; "
                "förväntade member_id (fyra siffror) och member_title."
            )
        out.append((mid, title))
    return out


def _read_failure(exc: BaseException) -> str:
    """Why reading an answer failed, in Swedish."""
    errors = urllib3.exceptions
    if isinstance(exc, requests.exceptions.ContentDecodingError | errors.DecodeError):
        return "svaret gick inte att packa upp (gzip eller deflate)"
    if isinstance(exc, requests.Timeout | errors.ReadTimeoutError | TimeoutError):
        return "inget mer svar inom tidsgränsen"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | errors.ProtocolError | errors.IncompleteRead):
        return "svaret tog slut innan det var helt: kortare än servern angav (Content-Length) eller avbrutet"
    return f"läsfel: {exc.__class__.__name__}"


def _refuse_constant(name: str) -> float:
    raise ValueError(f"JSON-konstanten {name} är inget tal")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _record_problem(rec: Any, v: Any) -> str | None:
    """What is wrong with one value of a Kolada record (Swedish), or None."""
    if not isinstance(rec.get("kpi"), str) or not _KPI_RE.match(rec["kpi"]):
        return f"nyckeltalets id {rec.get('kpi')!r} – förväntade ett id som N31001"
    if not isinstance(rec.get("municipality"), str) or not _ID_RE.match(rec["municipality"]):
        return f"kommunens id {rec.get('municipality')!r} – förväntade ett id som 1489 eller G2328"
    period = rec.get("period")
    if (
        isinstance(period, bool)
        or not (isinstance(period, int) or (isinstance(period, str) and period.isdigit()))
        or not 1900 <= int(period) <= 2200
    ):
        return f"året {period!r} – förväntade ett årtal som 2024"
    if not isinstance(v, dict):
        return f"värdet {v!r} – förväntade ett objekt med gender och value"
    value, count, status = v.get("value"), v.get("count"), v.get("status")
    if value is not None and not _is_number(value):
        return f"värdet {value!r} – förväntade ett ändligt tal eller null"
    if value is not None and abs(value) >= 1e15:
        return f"värdet {value!r} – förväntade ett tal mindre än 10^15"
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
        return f"antalet (count) {count!r} – förväntade ett heltal eller null"
    if status is not None and not isinstance(status, str):
        return f"status {status!r} – förväntade text eller null"
    return None


def values_frame(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Flatten Kolada data records to the long-form DataFrame (see :meth:`KoladaClient.data`).

    Every value must be a finite number or null; a malformed record raises :class:`KoladaError`
    naming its KPI, municipality and period. The same key twice with the same value is kept
    once; with different values it is refused (which one is right cannot be known).
    """
    rows = []
    seen: dict[tuple, Any] = {}
    for rec in records:
        if not isinstance(rec, dict):
            raise KoladaError(f"Kolada skickade en felaktig post: {str(rec)[:80]!r} – förväntade ett objekt.")
        values = rec.get("values") or []
        if not isinstance(values, list):
            values = [values]
        for v in values:
            if isinstance(v, dict) and v.get("isdeleted") is True:
                continue
            if isinstance(v, dict) and v.get("gender") not in GENDERS:
                continue
            problem = _record_problem(rec, v)
            if problem:
                raise KoladaError(
                    f"Kolada skickade en felaktig post (nyckeltal {rec.get('kpi')}, kommun {rec.get('municipality')}, "
                    f"år {rec.get('period')}): {problem}."
                )
            value, count, status = v.get("value"), v.get("count"), v.get("status")
            key = (rec["kpi"], rec["municipality"], int(rec["period"]), v["gender"])
            if key in seen:
                if seen[key] != value:
                    raise KoladaError(
                        f"Kolada skickade två olika värden för nyckeltal {key[0]}, kommun {key[1]}, år {key[2]}, "
                        f"kön {key[3]}: {seen[key]!r} och {value!r}."
                    )
                continue
            seen[key] = value
            rows.append(
                {
                    "kpi": key[0],
                    "municipality": key[1],
                    "period": key[2],
                    "gender": key[3],
                    "value": math.nan if value is None else float(value),
                    "count": None if count is None else int(count),
                    "status": status if status not in (None, "") else None,
                }
            )
    df = pd.DataFrame(rows, columns=VALUE_COLUMNS)
    return _typed_values(df)


def _typed_values(df: pd.DataFrame) -> pd.DataFrame:
    df = df.astype(
        {
            "kpi": "object",
            "municipality": "object",
            "period": "int64",
            "gender": "object",
            "value": "float64",
            "count": "Int64",
            "status": "object",
        }
    )
    df["status"] = df["status"].where(df["status"].notna(), None)
    return df.sort_values(["kpi", "municipality", "period", "gender"], kind="mergesort").reset_index(drop=True)


# ---------------------------------------------------------------------------
# Config
# ---------------------------------------------------------------------------


@dataclass
class KoladaConfig:
    """Contents of ``data/<org>/kolada.yml``."""

    kpis: list[str]
    first_year: int
    municipalities: dict[str, str]
    groups: dict[str, str] = field(default_factory=dict)
    own_groups: dict[str, list[str]] = field(default_factory=dict)
    # True: also every municipality (the members of G2328 in the shipped metadata snapshot), for rank and percentile.
    all_municipalities: bool = False

    def all_ids(self) -> list[str]:
        """Municipality, group and own-group member ids (and every municipality if asked), without duplicates."""
        ids = list(self.municipalities) + list(self.groups)
        for members in self.own_groups.values():
            ids.extend(members)
        if self.all_municipalities:
            from rapportbok.data import kolada_snapshot

            ids.extend(kolada_snapshot.load().all_ids())
        return _unique(ids)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kpis": list(self.kpis),
            "first_year": self.first_year,
            "municipalities": dict(self.municipalities),
            "groups": dict(self.groups),
            "own_groups": {k: list(v) for k, v in self.own_groups.items()},
            **({"all_municipalities": True} if self.all_municipalities else {}),
        }


def _id_str(value: Any, pattern: re.Pattern[str], what: str, where: str) -> str:
    if not isinstance(value, str):
        raise KoladaConfigError(
            f'{where}: {what} {value!r} måste skrivas som text inom citattecken, t.ex. "0114" '
            "(annars kan inledande nollor försvinna)."
        )
    if not pattern.match(value):
        raise KoladaConfigError(f"{where}: {value!r} är inte ett giltigt {what}.")
    return value


def parse_config(raw: Any, where: str = CONFIG_FILE) -> KoladaConfig:
    """Validate a parsed ``kolada.yml`` document; Swedish error messages."""
    if not isinstance(raw, dict):
        raise KoladaConfigError(f"{where} måste innehålla en YAML-mappning (nyckel: värde).")

    kpis = raw.get("kpis")
    if kpis is None:
        raise KoladaConfigError(f"{where} saknar listan 'kpis' med Kolada-nyckeltal (t.ex. N31001).")
    if not isinstance(kpis, list) or not kpis:
        raise KoladaConfigError(f"{where}: 'kpis' måste vara en icke-tom lista med nyckeltals-id.")
    kpi_ids = [_id_str(k, _KPI_RE, "nyckeltals-id", where) for k in kpis]
    dup = sorted({k for k in kpi_ids if kpi_ids.count(k) > 1})
    if dup:
        raise KoladaConfigError(f"{where}: nyckeltal förekommer flera gånger i 'kpis': {', '.join(dup)}.")

    first_year = raw.get("first_year")
    if isinstance(first_year, bool) or not isinstance(first_year, int) or not 1990 <= first_year <= 2100:
        raise KoladaConfigError(f"{where}: 'first_year' måste vara ett årtal, t.ex. 2018.")

    munis = raw.get("municipalities")
    if not isinstance(munis, dict) or not munis:
        raise KoladaConfigError(
            f"{where} saknar 'municipalities' (kommun-id: namn), med organisationen själv och jämförelsekommuner."
        )
    municipalities = {_id_str(k, _MUNICIPALITY_RE, "kommun-id (fyra siffror)", where): str(v) for k, v in munis.items()}

    groups_raw = raw.get("groups") or {}
    if not isinstance(groups_raw, dict):
        raise KoladaConfigError(f"{where}: 'groups' måste vara en mappning grupp-id: titel.")
    groups = {_id_str(k, _GROUP_RE, "Kolada-grupp-id (G...)", where): str(v) for k, v in groups_raw.items()}

    own_raw = raw.get("own_groups") or {}
    if not isinstance(own_raw, dict):
        raise KoladaConfigError(f"{where}: 'own_groups' måste vara en mappning namn: lista med kommun-id.")
    own_groups: dict[str, list[str]] = {}
    for name, members in own_raw.items():
        if not isinstance(members, list) or not members:
            raise KoladaConfigError(f"{where}: egna gruppen {name!r} måste ha en icke-tom lista med kommun-id.")
        own_groups[str(name)] = _unique(
            _id_str(m, _MUNICIPALITY_RE, "kommun-id (fyra siffror)", where) for m in members
        )

    unknown = sorted(
        set(raw) - {"kpis", "first_year", "municipalities", "groups", "own_groups", "battre", "all_municipalities"}
    )
    if unknown:
        raise KoladaConfigError(f"{where}: okända nycklar: {', '.join(map(str, unknown))}.")
    everyone = raw.get("all_municipalities", False)
    if not isinstance(everyone, bool):
        raise KoladaConfigError(f"{where}: 'all_municipalities' måste vara true eller false.")

    return KoladaConfig(kpi_ids, first_year, municipalities, groups, own_groups, everyone)


# Parsed kolada.yml files, keyed by path and content: the build looks up an organisation's configuration
# several times (its input hashes, its validation) and parsing YAML is slow. Only valid files are kept.
_CONFIGS: dict[tuple[str, bytes], KoladaConfig] = {}
_CONFIGS_SIZE = 1000
state.kept(__name__, "parsed kolada.yml files, keyed by their path and content (load_config)")


def _same_bytes(path: Path, raw: bytes) -> bool:
    try:
        return path.read_bytes() == raw
    except OSError:
        return False


def load_config(org_dir: Path | str) -> KoladaConfig:
    """Read and validate ``<org_dir>/kolada.yml``."""
    import copy

    from rapportbok.data import config

    path = Path(org_dir) / CONFIG_FILE
    if not path.exists():
        raise KoladaConfigError(f"Hittar ingen Kolada-konfiguration: {path} saknas.")
    try:
        key = (str(path), path.read_bytes())
    except OSError:
        key = None  # read_kolada reports it
    parsed = _CONFIGS.get(key) if key is not None else None
    if parsed is None:
        spec, issues = config.read_kolada(path, f"{path.parent.name}/{CONFIG_FILE}")
        if spec is None:  # the typed model names the line, the key, the value and what was expected
            raise KoladaConfigError("\n".join(i.message() for i in issues))
        parsed = parse_config(spec.model_dump(exclude_none=True), str(path))
        if key is not None and _same_bytes(path, key[1]):  # not changed while it was read
            if len(_CONFIGS) >= _CONFIGS_SIZE:
                _CONFIGS.pop(next(iter(_CONFIGS)))
            _CONFIGS[key] = parsed
    return copy.deepcopy(parsed)  # the caller may change its copy


# ---------------------------------------------------------------------------
# Own processing
# ---------------------------------------------------------------------------


def own_group_mean(values_df: pd.DataFrame, members: Iterable[str]) -> pd.DataFrame:
    """Unweighted mean over ``members`` per kpi/period/gender.

    Only members with a (non-null) value count.  Returns columns ``kpi, period,
    gender, value, n_members``; ``value`` is NaN and ``n_members`` 0 where rows
    exist but no member has a value.  This is own processing: label it with
    :data:`OWN_PROCESSING_LABEL`, not "Källa: Kolada" (also set in ``attrs``).
    """
    member_ids = {str(m) for m in members}
    sub = values_df[values_df["municipality"].astype(str).isin(member_ids)]
    keys = ["kpi", "period", "gender"]
    if sub.empty:
        out = pd.DataFrame(columns=keys + ["value", "n_members"]).astype(
            {"kpi": "object", "period": "int64", "gender": "object", "value": "float64", "n_members": "int64"}
        )
    else:
        out = sub.groupby(keys, sort=True)["value"].agg(value="mean", n_members="count").reset_index()
        out["value"] = out["value"].astype("float64")
        out["n_members"] = out["n_members"].astype("int64")
    out.attrs["source"] = OWN_PROCESSING_LABEL
    return out


# ---------------------------------------------------------------------------
# Fetch and store
# ---------------------------------------------------------------------------


def _to_stored(df: pd.DataFrame) -> pd.DataFrame:
    out = df[VALUE_COLUMNS].rename(columns=_TO_STORED)
    return out.sort_values(_KEY, kind="mergesort").reset_index(drop=True)


def _read_stored_csv(path: Path) -> pd.DataFrame:
    df = pd.read_csv(
        path,
        dtype={"kpi": str, "kommun_id": str, "kon": str, "status": str, "varde": "float64", "antal": "Int64"},
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8",
    )
    missing = [c for c in STORED_COLUMNS if c not in df.columns]
    if missing:
        raise KoladaError(f"{path} saknar kolumnerna {', '.join(missing)}.")
    df["period"] = df["period"].astype("int64")
    return df[STORED_COLUMNS]


def national_dir(data: Path | str) -> Path:
    """The national store: ``data/kolada/``, one folder per KPI shared by every organisation."""
    return Path(data) / STORE_DIR


def kpi_dir(data: Path | str, kpi: str) -> Path:
    """``data/kolada/<KPI>/`` (the id checked, the path confined to the store)."""
    from rapportbok.core.paths import inside

    if not _KPI_RE.match(kpi):
        raise KoladaError(f"Ogiltigt nyckeltals-id för Kolada-lagringen: {kpi!r}.")
    return inside(national_dir(data), kpi)


def old_store(org_dir: Path | str) -> Path | None:
    """The folder of an organisation's own store from before the national store (``data/<org>/kolada/``), if any."""
    folder = Path(org_dir) / STORE_DIR
    return folder if (folder / VALUES_FILE).is_file() else None


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    if not isinstance(meta, dict):
        raise KoladaError(f"{path} är inte en YAML-mappning (nyckel: värde); hämta värdena igen.")
    return meta


def read_kpi(data: Path | str, kpi: str) -> tuple[pd.DataFrame | None, dict[str, Any]]:
    """One KPI of the national store: its values in the stored columns (None if never fetched) and its metadata."""
    folder = kpi_dir(data, kpi)
    meta = _read_meta(folder / META_FILE)
    csv_path = folder / VALUES_FILE
    if not csv_path.is_file():
        return None, meta
    df = _read_stored_csv(csv_path)
    wrong = sorted(set(df["kpi"]) - {kpi})
    if wrong:
        raise KoladaError(f"{csv_path} har värden för andra nyckeltal ({', '.join(wrong)}) än {kpi}.")
    return df, meta


def store_files(org_dir: Path | str) -> list[Path]:
    """The stored files an organisation's pages read: its KPIs' folders in the national store (values and
    metadata), or its old own store. A KPI another organisation adds is not among them, so fetching it
    does not re-run this organisation's notebooks. Empty without a readable kolada.yml."""
    org_dir = Path(org_dir)
    old = old_store(org_dir)
    if old is not None:
        return [old / VALUES_FILE, old / META_FILE]
    try:
        config = load_config(org_dir)
    except (KoladaConfigError, OSError):
        return []
    out = []
    for kpi in config.kpis:
        folder = kpi_dir(org_dir.parent, kpi)
        out += [folder / VALUES_FILE, folder / META_FILE]
    return out


def load_stored(org_dir: Path | str) -> tuple[pd.DataFrame | None, dict[str, Any] | None]:
    """An organisation's Kolada values (long form, same columns as :meth:`KoladaClient.data`) and metadata.

    Read from the national store (``data/kolada/<KPI>/``): the KPIs of the organisation's kolada.yml,
    for its municipalities, groups and own-group members (all municipalities if it asks), from its
    ``first_year`` on; the same rows its own store held before. An old store of its own
    (``data/<org>/kolada/varden.csv``) is still read as it is, until `kolada hamta` or `kolada flytta`
    moves the organisation to the national store. Returns ``(None, None)`` when nothing has been fetched.

    The metadata: ``fetched_at`` (the newest fetch of its KPIs), ``kpi_fetched_at`` (each KPI's own
    fetch), ``kpi_titles``, ``missing_kpis`` (Kolada does not know them), ``not_fetched`` (in kolada.yml
    but not in the store yet) and ``store`` ("nationell" or "egen").
    """
    org_dir = Path(org_dir)
    old = old_store(org_dir)
    if old is not None:
        df = _read_stored_csv(old / VALUES_FILE).rename(columns=_FROM_STORED)
        meta = _read_meta(old / META_FILE)
        return _typed_values(df), {**meta, "store": "egen"}
    if not (org_dir / CONFIG_FILE).exists() or not national_dir(org_dir.parent).is_dir():
        return None, None
    config = load_config(org_dir)
    frames, dates, titles, missing, not_fetched, urls = [], {}, {}, [], [], set()
    for kpi in config.kpis:
        df, meta = read_kpi(org_dir.parent, kpi)
        if not meta:
            not_fetched.append(kpi)
            continue
        dates[kpi] = meta.get("fetched_at")
        titles[kpi] = meta.get("title")
        urls.add(str(meta.get("base_url") or ""))
        if meta.get("missing") or df is None:
            missing.append(kpi)
        if df is not None:
            frames.append(df)
    if not dates:
        return None, None
    ids = set(config.all_ids())
    values = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=STORED_COLUMNS)
    values = values[values["kommun_id"].isin(ids) & (values["period"].astype("int64") >= config.first_year)]
    meta = {
        "fetched_at": max(str(d) for d in dates.values() if d) if any(dates.values()) else None,
        "kpi_fetched_at": dates,
        "source": SOURCE_LABEL,
        "base_url": urls.pop() if len(urls) == 1 else sorted(urls),
        "kpi_titles": titles,
        "missing_kpis": missing,
        "not_fetched": not_fetched,
        "store": "nationell",
    }
    return _typed_values(values.rename(columns=_FROM_STORED).reset_index(drop=True)), meta


@dataclass
class FetchReport:
    """Result of :func:`fetch_org`."""

    org_dir: Path
    fetched_at: str
    n_values: int
    n_requests: int
    kpis: list[str]
    ids: list[str]
    years: list[int]
    values_path: Path
    meta_path: Path
    previous_fetched_at: str | None = None
    had_previous: bool = False
    revised: pd.DataFrame = field(default_factory=pd.DataFrame)
    added: pd.DataFrame = field(default_factory=pd.DataFrame)
    removed: pd.DataFrame = field(default_factory=pd.DataFrame)
    missing_kpis: list[str] = field(default_factory=list)
    kpis_without_values: list[str] = field(default_factory=list)
    moved_from: Path | None = None  # the organisation's old store, moved into the national one

    def summary(self, max_lines: int = 20) -> str:
        """Human-readable summary in Swedish."""
        years = f"{self.years[0]}–{self.years[-1]}" if self.years else "alla år"
        lines = [
            f"Hämtade {self.n_values} värden från Kolada ({len(self.kpis)} nyckeltal, "
            f"{len(self.ids)} kommun- och grupp-id, {years}) i {self.n_requests} anrop.",
            (
                f"Sparat i den nationella lagringen {self.values_path}/ (en mapp per nyckeltal med "
                f"{VALUES_FILE} och {META_FILE})."
            ),
        ]
        if self.moved_from is not None:
            lines.append(f"Organisationens gamla lagring {self.moved_from}/ är ersatt av den nationella och borttagen.")
        if not self.had_previous:
            lines.append("Ingen tidigare hämtning fanns; alla värden är nya.")
        else:
            since = f" ({self.previous_fetched_at})" if self.previous_fetched_at else ""
            lines.append(
                f"Jämfört med föregående hämtning{since}: {len(self.revised)} reviderade värden, "
                f"{len(self.added)} nya och {len(self.removed)} borttagna."
            )
            if len(self.revised):
                lines.append("Reviderade värden (nyckeltal, kommun, år, kön: tidigare → nytt):")
                for row in self.revised.head(max_lines).itertuples(index=False):
                    lines.append(
                        f"  {row.kpi} {row.kommun_id} {row.period} {row.kon}: {_fmt(row.tidigare)} → {_fmt(row.nytt)}"
                    )
                if len(self.revised) > max_lines:
                    lines.append(f"  … och {len(self.revised) - max_lines} till.")
        if self.missing_kpis:
            lines.append(
                "Varning: dessa nyckeltal finns inte (längre) i Kolada och saknas i hämtningen: "
                + ", ".join(self.missing_kpis)
                + "."
            )
        if self.kpis_without_values:
            lines.append("Obs: inga värden hittades för: " + ", ".join(self.kpis_without_values) + ".")
        return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "saknas"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _compare(old: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    merged = old[_KEY + ["varde"]].merge(
        new[_KEY + ["varde"]], on=_KEY, how="outer", suffixes=("_old", "_new"), indicator=True
    )
    both = merged[merged["_merge"] == "both"]
    a, b = both["varde_old"], both["varde_new"]
    changed = ~((a == b) | (a.isna() & b.isna()))
    revised = (
        both[changed][_KEY + ["varde_old", "varde_new"]]
        .rename(columns={"varde_old": "tidigare", "varde_new": "nytt"})
        .sort_values(_KEY, kind="mergesort")
        .reset_index(drop=True)
    )
    added = (
        merged[merged["_merge"] == "right_only"][_KEY + ["varde_new"]]
        .rename(columns={"varde_new": "varde"})
        .sort_values(_KEY, kind="mergesort")
        .reset_index(drop=True)
    )
    removed = (
        merged[merged["_merge"] == "left_only"][_KEY + ["varde_old"]]
        .rename(columns={"varde_old": "varde"})
        .sort_values(_KEY, kind="mergesort")
        .reset_index(drop=True)
    )
    return revised, added, removed


def fetch_org(
    org_dir: Path | str,
    client: KoladaClient,
    now: _dt.datetime | None = None,
) -> FetchReport:
    """Fetch the KPIs in ``<org_dir>/kolada.yml`` into the national store (``data/kolada/<KPI>/``).

    Each KPI is fetched for the organisation's ids and years and for those its stored folder already
    holds (another organisation's comparisons), so a KPI's folder is always one fetch with one date.
    Writes each KPI's ``varden.csv`` and ``hamtning.yml`` atomically once everything has arrived, and
    compares with what the store held before.
    """
    org_dir = Path(org_dir)
    config = load_config(org_dir)
    now = now or _dt.datetime.now(_dt.UTC)
    kpis, ids, years = _plan_ids(org_dir.parent, [config], now)
    log_start = len(client.request_log)
    not_found_start = len(client.not_found_kpis)
    with client.deadline_window():
        titles = _titles(client.kpis(kpis))
        values = client.data(kpis, ids, years=years)
    not_found = set(client.not_found_kpis[not_found_start:])
    return _store_national(
        org_dir.parent,
        [org_dir],
        [config],
        kpis,
        ids,
        years,
        values,
        titles,
        client.request_log[log_start:],
        client.base_url,
        now,
        not_found,
    )[0]


def _years(config: KoladaConfig, now: _dt.datetime) -> list[int]:
    years = list(range(config.first_year, now.year + 1))
    if not years:
        raise KoladaConfigError(f"first_year {config.first_year} ligger efter hämtningsåret {now.year}.")
    return years


def _titles(meta_records: list[dict[str, Any]]) -> dict[str, str | None]:
    titles = {str(r.get("id")): r.get("title") for r in meta_records if isinstance(r, dict) and r.get("id")}
    return {k: (v if isinstance(v, str) else None) for k, v in titles.items()}


def _plan_ids(data: Path, configs: Sequence[KoladaConfig], now: _dt.datetime) -> tuple[list[str], list[str], list[int]]:
    """KPIs, ids and years of one fetch: the organisations' own, and the ids and years their KPIs'
    stored folders already hold (a KPI's folder is replaced by one fetch, so nothing it held is lost)."""
    kpis = _unique(k for c in configs for k in c.kpis)
    ids = _unique(i for c in configs for i in c.all_ids())
    years = {y for c in configs for y in _years(c, now)}
    for kpi in kpis:
        meta = _read_meta(kpi_dir(data, kpi) / META_FILE)
        ids += [str(i) for i in meta.get("ids") or [] if str(i) not in ids and _ID_RE.match(str(i))]
        years |= {int(y) for y in meta.get("years") or [] if isinstance(y, int) and y <= now.year}
    return kpis, _unique(ids), sorted(years)


def _org_rows(stored: pd.DataFrame, config: KoladaConfig) -> pd.DataFrame:
    """An organisation's rows of stored values (its KPIs, ids, and years from first_year on)."""
    keep = (
        stored["kpi"].isin(config.kpis)
        & stored["kommun_id"].isin(set(config.all_ids()))
        & (stored["period"].astype("int64") >= config.first_year)
    )
    return stored[keep].reset_index(drop=True)


def _store_national(
    data: Path,
    dirs: Sequence[Path],
    configs: Sequence[KoladaConfig],
    kpis: list[str],
    ids: list[str],
    years: list[int],
    values: pd.DataFrame,
    titles: dict[str, str | None],
    requests_made: list[str],
    base_url: str,
    now: _dt.datetime,
    not_found: frozenset[str] | set[str] = frozenset(),
) -> list[FetchReport]:
    """Write the fetched KPIs into the national store, one folder per KPI (values, dated metadata),
    and report per organisation what changed for it since the previous fetch.

    Everything is checked and prepared before the first file is written. An organisation's old store of
    its own (``data/<org>/kolada/``) is removed once its KPIs are in the national store.
    """
    fetched_at = now.isoformat(timespec="seconds")
    stored = _to_stored(values)
    empty_stored = pd.DataFrame(columns=STORED_COLUMNS)
    old_parts, old_dates, writes = [], {}, []
    for kpi in kpis:
        folder = kpi_dir(data, kpi)
        old, old_meta = read_kpi(data, kpi)
        if old is not None:
            old_parts.append(old)
        if old_meta.get("fetched_at"):
            old_dates[kpi] = str(old_meta["fetched_at"])
        mine = stored[stored["kpi"] == kpi]
        missing = kpi not in titles or kpi in not_found  # unknown or removed: recorded, not an error
        meta = {
            "kpi": kpi,
            "title": titles.get(kpi),
            "fetched_at": fetched_at,
            "source": SOURCE_LABEL,
            "base_url": base_url,
            "missing": bool(missing),
            "years": list(years),
            "ids": list(ids),
            "n_values": int(len(mine)),
            "requests": [u for u in requests_made if kpi in u],
        }
        writes.append((folder / VALUES_FILE, mine.to_csv(index=False, lineterminator="\n", na_rep="")))
        writes.append((folder / META_FILE, yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)))
    previous = pd.concat(old_parts, ignore_index=True) if old_parts else empty_stored
    reports = []
    for d, config in zip(dirs, configs):
        own_years = _years(config, now)
        had_previous = any(k in old_dates for k in config.kpis) or old_store(d) is not None
        before = (
            _org_rows(_read_stored_csv(old_store(d) / VALUES_FILE), config)
            if old_store(d)
            else _org_rows(previous, config)
        )
        after = _org_rows(stored, config)
        empty = pd.DataFrame(columns=_KEY + ["varde"])
        revised, added, removed = (
            _compare(before, after) if had_previous else (empty, after[_KEY + ["varde"]].copy(), empty)
        )
        dates = [old_dates[k] for k in config.kpis if k in old_dates]
        if old_store(d) is not None:
            dates = [str(_read_meta(old_store(d) / META_FILE).get("fetched_at") or "")]
        present = set(after["kpi"])
        reports.append(
            FetchReport(
                org_dir=d,
                fetched_at=fetched_at,
                n_values=int(len(after)),
                n_requests=len(requests_made),
                kpis=list(config.kpis),
                ids=config.all_ids(),
                years=own_years,
                values_path=national_dir(data),
                meta_path=national_dir(data) / META_FILE,
                previous_fetched_at=max(dates) if any(dates) else None,
                had_previous=had_previous,
                revised=revised,
                added=added,
                removed=removed,
                missing_kpis=[k for k in config.kpis if k not in titles or k in not_found],
                kpis_without_values=[k for k in config.kpis if k not in present],
                moved_from=old_store(d),
            )
        )
    _write_store(data, writes, [r.moved_from for r in reports if r.moved_from is not None])
    return reports


def _write_store(data: Path, writes: list[tuple[Path, str]], removed: list[Path]) -> None:
    """Write the store's files and remove old stores together: all of it or none (rapportbok.core.journal)."""
    base = Path(data).resolve()
    changes: dict[str, str | None] = {p.resolve().relative_to(base).as_posix(): text for p, text in writes}
    changes.update({p.resolve().relative_to(base).as_posix(): None for p in removed})
    journal.write(journal.writes(data), changes)


# ---------------------------------------------------------------------------
# Many organisations at once, resumable
# ---------------------------------------------------------------------------

PARTS_MAX_AGE = _dt.timedelta(days=1)  # parts of an interrupted fetch older than this are fetched again


@dataclass
class Piece:
    """One request of a batched fetch (its pages included): a path relative to the API."""

    path: str
    kind: str  # "kpi" (metadata) or "data"

    @property
    def key(self) -> str:
        from rapportbok.core.hashing import Digest

        return Digest().text("piece", self.path).hexdigest()[:20]


def plan_many(
    configs: Sequence[KoladaConfig], years: Sequence[int], extra_ids: Sequence[str] = ()
) -> tuple[list[str], list[str], list[Piece]]:
    """KPIs, ids and requests for several organisations together: KPIs x ids x years, 25 ids a segment.
    ``extra_ids``: ids the stored KPIs already hold (another organisation's comparisons)."""
    kpis = sorted(_unique(k for c in configs for k in c.kpis))
    ids = sorted(_unique([*(i for c in configs for i in c.all_ids()), *extra_ids]))
    year_ids = [str(y) for y in years]
    pieces = [Piece(f"kpi/{','.join(ch)}", "kpi") for ch in chunked(kpis)]
    for kchunk in chunked(kpis):
        for mchunk in chunked(ids):
            for ychunk in chunked(year_ids):
                pieces.append(
                    Piece(
                        f"data/kpi/{','.join(kchunk)}/municipality/{','.join(mchunk)}/year/{','.join(ychunk)}", "data"
                    )
                )
    return kpis, ids, pieces


def _parts_folder(parts_dir: Path, base_url: str, pieces: list[Piece], now: _dt.datetime) -> Path:
    """The folder of this fetch's parts; parts of another API, another plan or an old run are not reused."""
    from rapportbok.core.hashing import Digest

    plan_key = Digest().text("base_url", base_url).text("plan", "\n".join(p.path for p in pieces)).hexdigest()[:16]
    folder = Path(parts_dir) / plan_key
    manifest = folder / "hamtning.json"
    if folder.exists():
        try:
            started = _dt.datetime.fromisoformat(json.loads(manifest.read_text(encoding="utf-8"))["started_at"])
        except (OSError, ValueError, KeyError, TypeError):
            started = None
        if started is None or not (_dt.timedelta(0) <= now - started <= PARTS_MAX_AGE):
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
    if not manifest.exists():
        files.write_text(manifest, json.dumps({"started_at": now.isoformat(timespec="seconds"), "base_url": base_url}))
    return folder


def fetch_many(
    org_dirs: Sequence[Path | str],
    client: KoladaClient,
    parts_dir: Path | str,
    now: _dt.datetime | None = None,
    progress: Callable[[int], Any] | None = None,
    plan_ready: Callable[[int, int], Any] | None = None,
) -> list[FetchReport]:
    """Fetch the Kolada values of several organisations with as few requests as the API allows.

    The KPIs and ids of all organisations are fetched together (KPIs x municipalities x years,
    at most 25 ids in each segment), each request's answer is kept in ``parts_dir`` as soon as
    it has arrived, so that a fetch that is interrupted (network, Ctrl-C) fetches only what is
    missing when it is run again. When every request has been answered, the national store is
    written as :func:`fetch_org` writes it (one folder per KPI; each KPI fetched once, for every
    organisation's ids), and the parts are removed. ``plan_ready(done, total)`` is called once with the number of
    requests already kept and in all; ``progress(1)`` after each request.
    """
    now = now or _dt.datetime.now(_dt.UTC)
    dirs = [Path(d) for d in org_dirs]
    if not dirs:
        raise ValueError("Inga organisationer att hämta för.")
    configs = [load_config(d) for d in dirs]
    data = dirs[0].parent
    if any(d.parent != data for d in dirs):
        raise ValueError("Organisationerna måste ligga i samma data-mapp.")
    kpis, ids, years = _plan_ids(data, configs, now)
    _, _, pieces = plan_many(configs, years, ids)
    folder = _parts_folder(Path(parts_dir), client.base_url, pieces, now)
    kept = {p.key for p in pieces if (folder / f"{p.key}.json").exists()}
    if plan_ready:
        plan_ready(len(kept), len(pieces))
    records: dict[str, dict[str, Any]] = {}
    with client.deadline_window():
        for piece in pieces:
            path = folder / f"{piece.key}.json"
            if piece.key in kept:
                try:
                    records[piece.key] = json.loads(path.read_text(encoding="utf-8"))
                    continue
                except (OSError, ValueError):
                    pass  # a damaged part is fetched again
            log_start = len(client.request_log)
            got = client.paged(piece.path, {"per_page": MAX_PER_PAGE})
            if piece.kind == "data":
                values_frame(got)  # refuses a malformed record before it is kept
            part = {"path": piece.path, "requests": client.request_log[log_start:], "values": got}
            files.write_text(path, json.dumps(part, ensure_ascii=False))
            records[piece.key] = part
            if progress:
                progress(1)
    titles = _titles([r for p in pieces if p.kind == "kpi" for r in records[p.key]["values"]])
    values = values_frame([r for p in pieces if p.kind == "data" for r in records[p.key]["values"]])
    requests_made = [u for p in pieces for u in records[p.key]["requests"]]
    reports = _store_national(
        data, dirs, configs, kpis, ids, years, values, titles, requests_made, client.base_url, now
    )
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    return reports


# ---------------------------------------------------------------------------
# Moving old stores of one organisation into the national store
# ---------------------------------------------------------------------------


def migrate(org_dirs: Sequence[Path | str]) -> list[str]:
    """Move the old stores of these organisations (``data/<org>/kolada/``) into the national store,
    without fetching anything; returns what was done, in Swedish.

    A KPI's folder holds one fetch: where several old stores (or the national store) hold the same KPI
    from different fetches, the newest fetch is kept (stores of the same fetch, e.g. one ``--alla``,
    are merged), and an organisation whose comparisons the kept fetch lacks is named, with the
    command that fetches them. Everything is read and checked before anything is written; an old
    store is removed only after the national store has been written.
    """
    dirs = [Path(d) for d in org_dirs if old_store(d) is not None]
    if not dirs:
        return ["Ingen organisation har en gammal Kolada-lagring; inget att flytta."]
    data = dirs[0].parent
    # KPI -> fetched_at -> [(values of that KPI, metadata)], from each old store and the national store
    found: dict[str, dict[str, list[tuple[pd.DataFrame, dict[str, Any]]]]] = {}
    needs: dict[Path, tuple[list[str], set[str]]] = {}
    for d in dirs:
        folder = old_store(d)
        values = _read_stored_csv(folder / VALUES_FILE)
        meta = _read_meta(folder / META_FILE)
        fetched = meta.get("fetched_at")
        if not fetched:
            raise KoladaError(
                f"{folder / META_FILE} saknar fetched_at (hämtningsdatum); hämta värdena igen i "
                f"stället: rapportbok kolada hamta --org {d.name}"
            )
        try:
            config = parse_config(meta.get("config") or {}, str(folder / META_FILE))
        except KoladaConfigError:
            config = load_config(d)
        titles = meta.get("kpi_titles") or {}
        gone = set(meta.get("missing_kpis") or [])
        ids = config.all_ids()
        needs[d] = (list(config.kpis), set(ids))
        for kpi in config.kpis:
            mine = values[values["kpi"] == kpi].reset_index(drop=True)
            info = {
                "kpi": kpi,
                "title": titles.get(kpi),
                "fetched_at": str(fetched),
                "source": SOURCE_LABEL,
                "base_url": meta.get("base_url"),
                "missing": kpi in gone,
                "years": list(meta.get("years") or []),
                "ids": ids,
                "requests": [u for u in meta.get("requests") or [] if kpi in u],
                "moved_from": f"{d.name}/{STORE_DIR}/",
            }
            found.setdefault(kpi, {}).setdefault(str(fetched), []).append((mine, info))
    for kpi, fetches in found.items():
        national, meta = read_kpi(data, kpi)
        if meta.get("fetched_at"):
            fetches.setdefault(str(meta["fetched_at"]), []).append(
                (national if national is not None else pd.DataFrame(columns=STORED_COLUMNS), meta)
            )
    writes, lines, kept_ids = [], [], {}
    for kpi in sorted(found):
        newest = max(found[kpi])
        same = found[kpi][newest]
        values = (
            pd.concat([v for v, _ in same], ignore_index=True)
            .drop_duplicates(_KEY)
            .sort_values(_KEY, kind="mergesort")
            .reset_index(drop=True)
        )
        ids = sorted(_unique(str(i) for _, m in same for i in m.get("ids") or []))
        years = sorted({int(y) for _, m in same for y in m.get("years") or []})
        first = same[0][1]
        meta = {
            "kpi": kpi,
            "title": first.get("title"),
            "fetched_at": newest,
            "source": SOURCE_LABEL,
            "base_url": first.get("base_url"),
            "missing": all(m.get("missing") for _, m in same),
            "years": years,
            "ids": ids,
            "n_values": len(values),
            "requests": _unique(u for _, m in same for u in m.get("requests") or []),
            "flyttad_fran": sorted({m["moved_from"] for _, m in same if m.get("moved_from")}),
        }
        kept_ids[kpi] = set(ids)
        folder = kpi_dir(data, kpi)
        writes.append(
            (folder / VALUES_FILE, values[STORED_COLUMNS].to_csv(index=False, lineterminator="\n", na_rep=""))
        )
        writes.append((folder / META_FILE, yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)))
        older = sorted(k for k in found[kpi] if k != newest)
        if older:
            lines.append(f"{kpi}: behåller hämtningen {newest}; äldre hämtningar ({', '.join(older)}) tas inte med.")
    _write_store(data, writes, [old_store(d) for d in dirs])  # the old stores go with the same step
    for d in dirs:
        kpis, ids = needs[d]
        short = sorted(k for k in kpis if not ids <= kept_ids.get(k, set()))
        lines.append(
            f"{d.name}: {d.name}/{STORE_DIR}/ flyttad till den nationella lagringen {data.name}/{STORE_DIR}/ "
            "(en mapp per nyckeltal) och borttagen."
        )
        if short:
            lines.append(
                f"  Obs: för {', '.join(short)} saknar den behållna hämtningen några av {d.name}s jämförelser; "
                f"hämta dem: rapportbok kolada hamta --org {d.name}"
            )
    return lines


__all__ = [
    "DEFAULT_BASE_URL",
    "FetchReport",
    "KoladaClient",
    "KoladaConfig",
    "KoladaConfigError",
    "KoladaError",
    "OWN_PROCESSING_LABEL",
    "SOURCE_LABEL",
    "chunked",
    "fetch_many",
    "fetch_org",
    "group_members",
    "load_config",
    "load_stored",
    "migrate",
    "national_dir",
    "read_kpi",
    "store_files",
    "own_group_mean",
    "parse_config",
    "values_frame",
]
