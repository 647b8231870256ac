"""Every file the API writes validates against the JSON Schema published next to it; the schemas are the
pydantic models' own; the compressed copies hold the same bytes."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from pathlib import Path

import brotli
import jsonschema
import pytest

from plugins.content_api.content_api import SCHEMAS, schema_bytes
from plugins.content_api.tabellen import BehoerdeZeile, LeistungZeile, spalten

from .conftest import lies

# which schema each kind of file has (by its path below api/v1), written here independently of the plugin
ART = [
    (r"index\.json", "index"),
    (r"catalog\.json", "katalog"),
    (r"schemas/[a-z-]+\.schema\.json", None),  # checked against the metaschema
    (r"[a-z-]+/leistungen/[a-z0-9-]+\.json", "leistung"),
    (r"[a-z-]+/orte/[a-z0-9-]+/leistungen\.json", "ort-leistungen"),
    (r"[a-z-]+/orte/[a-z0-9-]+/behoerden\.json", "ort-behoerden"),
    (r"[a-z-]+/orte/[a-z0-9-]+/lebenslagen\.json", "ort-lebenslagen"),
    (r"[a-z-]+/orte/[a-z0-9-]+/leistungen\.csv", "leistungen-csv-zeile"),
    (r"[a-z-]+/orte/[a-z0-9-]+/behoerden\.csv", "behoerden-csv-zeile"),
]


def art_von(rel: str) -> str | None:
    for pattern, name in ART:
        if re.fullmatch(pattern, rel):
            return name
    raise AssertionError(f"{rel}: a file of no known kind")


def api_dateien(api: Path) -> list[Path]:
    return sorted(p for p in api.rglob("*") if p.is_file() and p.suffix not in (".gz", ".br"))


@pytest.fixture(scope="module")
def validatoren(api: Path) -> dict[str, jsonschema.protocols.Validator]:
    out = {}
    for name in SCHEMAS:
        schema = lies(api / "schemas" / f"{name}.schema.json")
        jsonschema.Draft202012Validator.check_schema(schema)
        out[name] = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    return out


def test_every_file_validates_against_its_published_schema(api: Path, validatoren) -> None:
    counts: dict[str, int] = {}
    problems = []
    for path in api_dateien(api):
        rel = path.relative_to(api).as_posix()
        name = art_von(rel)
        counts[name or "schema"] = counts.get(name or "schema", 0) + 1
        if name is None:
            jsonschema.Draft202012Validator.check_schema(lies(path))
            continue
        if path.suffix == ".csv":
            rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))
            instances = rows
        else:
            data = lies(path)
            instances = [data]
            if name != "katalog":  # JSON-LD has no $schema key; every other file names its schema
                assert data["$schema"].endswith(f"/schemas/{name}.schema.json"), rel
        for instance in instances:
            for error in validatoren[name].iter_errors(instance):
                problems.append(f"{rel}: {error.json_path}: {error.message}")
    assert not problems, problems[:10]
    # every kind is there, and in the demo's numbers: 80 services x 4 languages, 46 subsites
    assert counts["leistung"] == 80 * 4
    assert counts["ort-leistungen"] == counts["ort-behoerden"] == counts["ort-lebenslagen"] == 46 * 4
    assert counts["leistungen-csv-zeile"] == counts["behoerden-csv-zeile"] == 46 * 4
    assert counts["schema"] == len(SCHEMAS)
    assert counts["index"] == counts["katalog"] == 1


def test_the_published_schemas_are_the_models_schemas(api: Path) -> None:
    for name, model in SCHEMAS.items():
        assert (api / "schemas" / f"{name}.schema.json").read_bytes() == schema_bytes(model)
        assert lies(api / "schemas" / f"{name}.schema.json")["$schema"].endswith("2020-12/schema")


def test_a_schema_refuses_what_the_files_must_not_hold(validatoren) -> None:
    eintrag = {"id": "x", "leika": [], "name": "n", "sprache": "de", "kurztext": "", "lebenslagen": []}
    datei = {"$schema": "s", "sprache": "de", "ort": {}, "kette": [], "leistungen": [eintrag]}
    errors = [e.message for e in validatoren["ort-leistungen"].iter_errors(datei)]
    assert any("required" in e for e in errors)
    zeile = {c: "" for c in spalten(LeistungZeile)} | {"ebene": "vielleicht", "extra": "x"}
    errors = [e.message for e in validatoren["leistungen-csv-zeile"].iter_errors(zeile)]
    assert any("vielleicht" in e for e in errors) and any("extra" in e for e in errors)


def test_csv_files_have_the_documented_columns_utf8_and_crlf(api: Path) -> None:
    for name, model in (("leistungen.csv", LeistungZeile), ("behoerden.csv", BehoerdeZeile)):
        for path in api.glob(f"*/orte/*/{name}"):
            data = path.read_bytes()
            assert not data.startswith(b"\xef\xbb\xbf")  # no byte order mark
            text = data.decode("utf-8")
            assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
            assert next(csv.reader(io.StringIO(text, newline=""))) == spalten(model)
    wanfried = (api / "de/orte/wanfried/behoerden.csv").read_text(encoding="utf-8")
    assert "Stadtverwaltung Wanfried – Bürgerbüro und Standesamt" in wanfried


def test_every_file_has_identical_gzip_and_brotli_copies(api: Path) -> None:
    for path in api_dateien(api):
        data = path.read_bytes()
        gz = path.with_name(path.name + ".gz").read_bytes()
        assert gzip.decompress(gz) == data, path
        assert gz[4:8] == b"\0\0\0\0", f"{path}.gz carries a timestamp"
        assert brotli.decompress(path.with_name(path.name + ".br").read_bytes()) == data, path


def test_json_is_compact_sorted_and_utf8(api: Path) -> None:
    path = api / "de/orte/wanfried/leistungen.json"
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    assert "Bürgerbüro" in (api / "de/orte/wanfried/behoerden.json").read_text(encoding="utf-8")
