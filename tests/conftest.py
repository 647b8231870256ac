"""Shared fixtures: small XZuFi documents built from named parts, temporary stores, the demo export."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from content_sync.sync import run_sync
from plugins.portal_pages.commands import build_site

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "demo" / "xzufi"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NS22 = "http://xoev.de/schemata/xzufi/2_2_0"
NS231 = "http://xoev.de/schemata/xzufi/2_3_1"


def leistung_xml(
    local_id: str = "LB-1",
    leika: str = "99008001012000",
    name: str = "Personalausweis beantragen",
    *,
    agency: str = "TEST",
    extra: str = "",
    texts: str = "",
) -> str:
    """One <leistung> element (prefix x:) with a name in module 03 and whatever ``extra`` adds."""
    return f"""
    <x:leistung>
      <x:id schemeAgencyID="{agency}">{local_id}</x:id>
      <x:referenzLeiKa listURI="urn:de:fim:leika:leistung"><code>{leika}</code></x:referenzLeiKa>
      <x:modulText>
        <x:leikaTextmodul listURI="urn:de:xzufi:codeliste:leistungstextmodulleika"><code>03</code></x:leikaTextmodul>
        <x:inhalt languageCode="de">{name}</x:inhalt>
      </x:modulText>
      {texts}
      {extra}
    </x:leistung>"""


def oe_xml(local_id: str = "OE-1", name: str = "Bürgerbüro", *, agency: str = "TEST", extra: str = "") -> str:
    return f"""
    <x:organisationseinheit>
      <x:id schemeAgencyID="{agency}">{local_id}</x:id>
      <x:name><x:name languageCode="de">{name}</x:name></x:name>
      {extra}
    </x:organisationseinheit>"""


def zst_xml(zid: str, leistung: str, oe: str, gebiet: str = "066360013013", *, agency: str = "TEST") -> str:
    return f"""
    <x:zustaendigkeitTransferObjekt>
      <x:uebergeordnetesObjektID schemeAgencyID="{agency}">{oe}</x:uebergeordnetesObjektID>
      <x:zustaendigkeit>
        <x:id schemeAgencyID="{agency}" schemeID="ZustaendigkeitOrganisationseinheit">{zid}</x:id>
        <x:leistungID schemeAgencyID="{agency}">{leistung}</x:leistungID>
        <x:gebietID>{gebiet}</x:gebietID>
      </x:zustaendigkeit>
    </x:zustaendigkeitTransferObjekt>"""


def document(
    *schreibe: str, loesche: str = "", ns: str = NS22, prolog: str = "", root: str = "transfer"
) -> bytes:
    """A whole transfer message: each argument becomes one <schreibe>."""
    body = "".join(f"<x:schreibe>{s}</x:schreibe>" for s in schreibe)
    version = "2.3.1" if ns == NS231 else "2.2.0"
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}\n'
        f'<x:{root} xmlns:x="{ns}" xzufiVersion="{version}">'
        f"<x:nachrichtenkopf><x:nachrichtUUID>test</x:nachrichtUUID></x:nachrichtenkopf>"
        f"{body}{loesche}</x:{root}>"
    )
    return text.encode("utf-8")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "portal.sqlite"


@pytest.fixture
def source_dir(tmp_path: Path):
    """A function that writes named documents into a fresh source folder (with index.txt) and returns it."""
    counter = {"n": 0}

    def make(*files: tuple[str, bytes]) -> Path:
        counter["n"] += 1
        folder = tmp_path / f"source-{counter['n']}"
        folder.mkdir()
        for name, data in files:
            (folder / name).write_bytes(data)
        (folder / "index.txt").write_text("\n".join(name for name, _ in files) + "\n", encoding="utf-8")
        return folder

    return make


# --- the demo data synced once, and the demo site built once, per test session -------------------------


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("store") / "portal.sqlite"
    assert run_sync(str(DEMO / "nacht-1"), store).ok
    return store


def build(store: Path, out: Path) -> dict:
    """Build the site from a store into a folder with the project's pelicanconf.py (paths in it are relative)."""
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return build_site(ROOT / "pelicanconf.py", store=str(store), output=str(out))
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="session")
def demo_site(demo_store, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "output"
    build(demo_store, out)
    return out
