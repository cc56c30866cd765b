"""The customer's identifiers in raw bytes and text (souk.privacy.rawscan, souk.privacy.customer): whole-token
matching, the written forms (JSON-escaped, URL-encoded), chunk borders, in-place masking, SQLite compaction."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from souk.privacy import rawscan
from souk.privacy.customer import CustomerIds
from souk.storage.repos.customer_data import scrub_value


def test_ids_collect_forms_and_needles() -> None:
    ids = CustomerIds("m", "C-501").with_(emails=[" Emily@Example.COM "], phones=["+1 415 555 0142"],
                                          names=["Emily Johnson"], identities=["", "c1"])
    assert ids.emails == {"emily@example.com"} and "14155550142" in ids.phones
    assert ids.needles() == {"emily@example.com", "+1 415 555 0142", "14155550142", "Emily Johnson", "C-501"}
    assert ids.identities_all == {"c1", "C-501"}  # "c1" is too short to search raw data for


def test_whole_tokens_and_written_forms() -> None:
    pat = rawscan.pattern(["C-501", "Zoë Brown", "a@b.io"])
    assert pat is not None
    found = [m.group(0) for m in pat.finditer(
        b"C-501 conv-C-501 C-5012 XC-501 Zo\\u00eb Brown zo\xc3\xab brown a%40b.io A@B.IO")]
    assert found == [b"C-501", b"C-501", b"Zo\\u00eb Brown", "zoë brown".encode(), b"a%40b.io", b"A@B.IO"]
    text = rawscan.text_pattern(["C-501"])
    assert text is not None and scrub_value({"to": ["C-501", "C-5012"], "C-501": 1}, text) == {
        "to": ["[erased]", "C-5012"], "[erased]": 1}


def test_scan_finds_a_match_across_a_chunk_border_once(tmp_path: Path, monkeypatch: object) -> None:
    import souk.privacy.rawscan as rs

    f = tmp_path / "big.bin"
    f.write_bytes(b"x" * (rs.CHUNK - 4) + b" alice@example.com " + b"y" * 100 + b" alice@example.com")
    pat = rawscan.pattern(["alice@example.com"])
    assert pat is not None
    hit = rawscan.scan_file(f, pat)
    assert hit is not None and hit.count == 2


def test_mask_keeps_size_and_other_text(tmp_path: Path) -> None:
    f = tmp_path / "souk.log"
    f.write_text("order for alice@example.com shipped\nroom opened\n")
    pat = rawscan.pattern(["alice@example.com"])
    assert pat is not None and rawscan.is_text(f)
    assert rawscan.mask_file(f, pat) == 1
    assert f.read_text() == f"order for {'*' * 17} shipped\nroom opened\n"
    assert rawscan.scan_file(f, pat) is None


def test_compaction_leaves_no_deleted_row_in_the_file_or_wal(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    with closing(sqlite3.connect(db, isolation_level=None)) as c:
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA secure_delete=OFF")  # some builds default to ON
        c.execute("CREATE TABLE t (v TEXT)")
        c.executemany("INSERT INTO t VALUES (?)", [(f"row {i} bob@example.com",) for i in range(200)])
        c.execute("DELETE FROM t")  # without secure_delete: the text stays on free pages
    wal = tmp_path / "t.db-wal"
    assert b"bob@example.com" in db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert rawscan.is_sqlite(db)
    done = rawscan.compact_sqlite(db)
    assert done.ok, done.detail
    assert b"bob@example.com" not in db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_a_one_word_name_is_not_searched() -> None:
    ids = CustomerIds("m", "C-777").with_(names=["Mary", "Mary Jones", "Kristoffersen"])
    assert ids.needles() == {"C-777", "Mary Jones", "Kristoffersen"}
