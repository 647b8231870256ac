"""The fixes the hostile corpus called for, each on its own (sync and models, no build):

- ids with a path separator, ``.`` or ``..``, and agencies with ``:`` are refused (models);
- two Leistungen or offices whose ids differ only in agency or case would share a page address: the later
  one is quarantined (sync), whether the first came in the same run or an earlier one;
- names longer than 1,000 characters or with a direction override, any text over 100,000 characters are
  refused (models);
- an e-mail "address" that is none is kept as text (models); a URL with characters no URL may contain is
  no safe link (filters), and JSON-LD carries only safe links (jsonld).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from content_sync.models import Kommunikation, ObjektRef, Organisationseinheit
from content_sync.store import Store
from content_sync.sync import run_sync
from plugins.portal_pages.filters import sichere_url
from tests.conftest import document, leistung_xml, oe_xml


@pytest.mark.parametrize("local", ["../x", "/etc/passwd", "a/b", "a\\b", ".", ".."])
def test_ids_with_path_separators_are_refused(local: str) -> None:
    with pytest.raises(ValidationError, match="path separator"):
        ObjektRef(agency="A", id=local)
    assert ObjektRef(agency="A", id="LB.1-2_3").key == "A:LB.1-2_3"


def test_agency_with_a_colon_is_refused() -> None:
    with pytest.raises(ValidationError, match="separates agency and id"):
        ObjektRef(agency="A:B", id="C")


def test_names_and_texts_have_limits() -> None:
    ref = ObjektRef(agency="A", id="1")
    Organisationseinheit(ref=ref, namen={"de": "x" * 1000})
    with pytest.raises(ValidationError, match="at most 1000 are allowed"):
        Organisationseinheit(ref=ref, namen={"de": "x" * 1001})
    with pytest.raises(ValidationError, match="direction override"):
        Organisationseinheit(ref=ref, namen={"de": "Amt \u202efdp.exe"})
    with pytest.raises(ValidationError, match="at most 100000 characters"):
        Organisationseinheit(ref=ref, namen={"de": "Amt"}, beschreibung={"de": "x" * 100_001})


@pytest.mark.parametrize(
    ("kennung", "kanal"),
    [
        ("poststelle@wanfried.example", "email"),
        ("müller@bürgerbüro.example", "email"),
        ('"><script>alert(1)</script>@evil.example', "sonstiges"),
        ("poststelle@wanfried.example (Zentrale)", "sonstiges"),
        ("keine Adresse", "sonstiges"),
    ],
)
def test_an_email_that_is_none_is_kept_as_text(kennung: str, kanal: str) -> None:
    assert Kommunikation(kanal="email", kennung=kennung).kanal.value == kanal


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://www.example.org/a?b=1#c", True),
        ("http://bürgerservice.example/ä", True),
        ("javascript:alert(1)", False),
        ("https://", False),
        ("https://example.org/a b", False),
        ('https://example.org/"><script>', False),
        ("https://example.org/\\..\\", False),
    ],
)
def test_safe_url(url: str, safe: bool) -> None:
    assert sichere_url(url) is safe


def _sync(folder: Path, store: Path):
    result = run_sync(str(folder), store)
    assert result.ok, result.error
    return result


def test_id_clash_in_one_run_keeps_the_first(tmp_path: Path, source_dir) -> None:
    folder = source_dir(
        ("a.xml", document(leistung_xml("LB-1", agency="A"), oe_xml("OE-1", agency="A"))),
        (
            "b.xml",
            document(
                leistung_xml("LB-1", agency="B"), leistung_xml("lb-1", agency="A"), oe_xml("oe-1", agency="C")
            ),
        ),
    )
    result = _sync(folder, tmp_path / "s.sqlite")
    clashes = [(q.file, q.klasse, q.record_id) for q in result.quarantine]
    assert clashes == [
        ("b.xml", "Leistung", "B:LB-1"),
        ("b.xml", "Leistung", "A:lb-1"),
        ("b.xml", "Organisationseinheit", "C:oe-1"),
    ]
    assert all("id clash" in q.reason and "kept A:" in q.reason for q in result.quarantine)
    with Store(tmp_path / "s.sqlite", readonly=True) as store:
        assert store.keys("Leistung") == {"A:LB-1"} and store.keys("Organisationseinheit") == {"A:OE-1"}


def test_id_clash_with_an_earlier_run_and_a_broken_document(tmp_path: Path, source_dir) -> None:
    store = tmp_path / "s.sqlite"
    _sync(source_dir(("a.xml", document(leistung_xml("LB-1", agency="A")))), store)
    # the same id of another agency in a later night is refused; one that comes in a document that breaks
    # later does not count (its savepoint is undone)
    broken = document(leistung_xml("LB-2", agency="B")).replace(b"</x:transfer>", b"<x:kaputt>")
    folder = source_dir(
        ("a.xml", document(leistung_xml("LB-1", agency="A"))),
        ("b.xml", document(leistung_xml("LB-1", agency="B"))),
        ("c.xml", broken),
        ("d.xml", document(leistung_xml("LB-2", agency="D"))),
    )
    result = _sync(folder, store)
    assert [(q.file, q.record_id) for q in result.quarantine] == [("b.xml", "B:LB-1"), ("c.xml", None)]
    with Store(store, readonly=True) as s:
        assert s.keys("Leistung") == {"A:LB-1", "D:LB-2"}


def test_json_ld_carries_only_safe_links() -> None:
    from content_sync.models import Kanal
    from plugins.portal_pages import jsonld

    oe = Organisationseinheit(
        ref=ObjektRef(agency="A", id="1"),
        namen={"de": "Amt"},
        kommunikation=(
            Kommunikation(kanal=Kanal.WEB, kennung="javascript:alert(1)"),
            Kommunikation(kanal=Kanal.EMAIL, kennung='"><b>@x.example'),
        ),
    )

    class _Portal:
        class settings:  # a stand-in for the settings object
            site_url = ""

        @staticmethod
        def stelle_ort(_oe):
            from types import SimpleNamespace

            return SimpleNamespace(path=""), "behoerden/amt--1/"

    data = jsonld.office(_Portal(), oe, "de")  # type: ignore[arg-type]
    assert "sameAs" not in data and "email" not in data
