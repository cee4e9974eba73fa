"""The core concepts: periods, units, content hashes and atomic writes (one module each)."""

import datetime as dt
import os
import stat

import pytest

from rapportbok.core import files, hashing, periods, units


def test_tertial_and_month_ends():
    assert [periods.tertial_end(2024, t) for t in periods.TERTIALS] == [
        dt.date(2024, 4, 30),
        dt.date(2024, 8, 31),
        dt.date(2024, 12, 31),
    ]
    assert periods.month_end(2024, 2) == dt.date(2024, 2, 29) and periods.month_end(2025, 2) == dt.date(2025, 2, 28)
    assert periods.month_end(2025, 10) == dt.date(2025, 10, 31)
    assert periods.year_share_pct(2) == pytest.approx(200 / 3)


def test_units_to_tkr():
    assert units.to_tkr(-7.8, "mnkr") == -7800 and units.to_tkr(625000, "kr") == 625 and units.to_tkr(1, "tkr") == 1
    assert units.to_tkr(0.7, "mnkr") == 700  # rounded to 6 decimals: no 700.0000000000001
    assert units.to_tkr(None, "tkr") is None and units.to_tkr(float("nan"), "mnkr") is None
    assert units.to_tkr_or_nan(None, "tkr") != units.to_tkr_or_nan(None, "tkr")  # NaN
    assert units.unit_factor("mnkr per år") == 1000 and units.unit_factor("kr per dygn") == 0.001
    assert units.unit_factor("") is None and units.unit_factor("euro") is None
    with pytest.raises(KeyError):
        units.to_tkr(1, "EUR")


def test_hash_ignores_line_endings_and_sees_content(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.csv").write_bytes(b"ar,belopp\n2024,1\n")
    (tmp_path / "b" / "x.csv").write_bytes(b"ar,belopp\r\n2024,1\r\n")  # a Git for Windows checkout
    assert hashing.tree_digest(tmp_path / "a", (".",)) == hashing.tree_digest(tmp_path / "b", (".",))
    (tmp_path / "b" / "x.csv").write_bytes(b"ar,belopp\r\n2024,2\r\n")
    assert hashing.tree_digest(tmp_path / "a", (".",)) != hashing.tree_digest(tmp_path / "b", (".",))
    missing = hashing.Digest().file("f", tmp_path / "saknas.csv").hexdigest()
    empty = tmp_path / "tom.csv"
    empty.write_bytes(b"")
    assert missing != hashing.Digest().file("f", empty).hexdigest()


def test_atomic_write_permissions_and_no_leftovers(tmp_path):
    old = os.umask(0o022)
    try:
        target = files.write_text(tmp_path / "ny" / "fil.csv", "a\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 and target.read_text() == "a\n"
    os.chmod(target, 0o640)
    files.write_bytes(target, b"b\r\n")  # bytes as given, the existing file's mode kept
    assert target.read_bytes() == b"b\r\n" and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in target.parent.iterdir()] == ["fil.csv"]


def test_atomic_write_keeps_the_old_file_when_it_fails(tmp_path, monkeypatch):
    target = files.write_text(tmp_path / "fil.csv", "gammal\n")

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        files.write_text(target, "ny\n")
    assert target.read_text() == "gammal\n" and [p.name for p in tmp_path.iterdir()] == ["fil.csv"]
