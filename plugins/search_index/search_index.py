"""The search plugin: after portal_pages has read the store, write the lunr indexes, the result data, the
per-subsite maps and the place chooser data, and the pinned lunr.js files.

Design (measured, see the README's search section): the service texts are the same in every subsite, so
there is one cacheable index per search language for all services (``suchindex/index-de.json``), the result
data per page language (``suchindex/docs-<lang>.json``: title, teaser, URL slug), and a small map per subsite
(``<subsite>/suchkarte.json``: for each service, which subsite's page is responsible). ``orte.json`` lets the
place chooser turn a PLZ or a place name into a subsite.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.generators import Generator
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from content_sync.models import GebietArt, Textmodul
from plugins.portal_pages.parallel import im_fork
from plugins.portal_pages.render import phase, write_if_changed
from plugins.portal_pages.sanitize import plain_text
from plugins.portal_pages.settings import PluginConfigError
from plugins.portal_pages.site import Portal, Subsite

from .documents import FIELDS, dokumente, ref_for
from .pipeline import german_builder

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
LUNR_FILES = {
    "node_modules/lunr/lunr.min.js": "lunr.min.js",
    "node_modules/lunr-languages/min/lunr.stemmer.support.min.js": "lunr.stemmer.support.min.js",
    "node_modules/lunr-languages/min/lunr.de.min.js": "lunr.de.min.js",
    "node_modules/lunr/LICENSE": "LICENSE-lunr.txt",
    "node_modules/lunr-languages/LICENSE": "LICENSE-lunr-languages.txt",
}


class SearchIndexSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    index_sprachen: dict[str, str] = Field(
        default={"de": "de", "de-x-ls": "de", "ar": "de", "en": "en"},
        description="page language -> language of the index it searches (indexes: de, en)",
    )
    text_woerter: int = Field(default=0, ge=0, description="words of the description indexed per service")
    teaser_zeichen: int = Field(default=160, ge=40, description="characters of the teaser in the result data")

    @classmethod
    def from_pelican(cls, settings: dict[str, Any]) -> SearchIndexSettings:
        try:
            return cls.model_validate(settings.get("SEARCH_INDEX", {}))
        except ValidationError as exc:
            problems = "; ".join(
                f"SEARCH_INDEX.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise PluginConfigError(problems) from None


def _dump(path: Path, data: object) -> int:
    """Write JSON, unless the file already holds these bytes (an incremental build leaves it alone)."""
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    write_if_changed(path, raw)
    return len(raw)


def _bestaetigen(path: Path) -> None:
    """Mark an unchanged file as confirmed by this build: a new modification time, on a file of its own (a
    file hard-linked with another release is replaced by a copy first, so that release is not touched)."""
    if path.stat().st_nlink > 1:
        tmp = path.with_name(f".tmp-{path.name}")
        shutil.copyfile(path, tmp)
        tmp.replace(path)
    os.utime(path)


def _code_hash() -> str:
    """This plugin's code and word lists: a change to them builds the indexes again."""
    h = hashlib.sha256()
    for f in sorted(HERE.iterdir()):
        if f.suffix in (".py", ".yaml", ".txt"):
            h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()


def index_if_changed(portal: Portal, sprache: str, text_woerter: int, target: Path) -> tuple[int, bool]:
    """Build the lunr index of a language, unless its input (the search documents and this code) is the one
    the existing file was built from (recorded beside it): (bytes, built)."""
    digest = _quelle(portal, sprache, text_woerter)
    docs = None
    if digest is None:  # an object without a content hash: digest the documents themselves
        docs = [d.as_dict() for d in dokumente(portal.leistungen.values(), sprache, text_woerter)]
        digest = hashlib.sha256(
            json.dumps([_code_hash(), text_woerter, docs], ensure_ascii=False, sort_keys=True).encode()
        ).hexdigest()
    stamp = target.with_name(f".{target.stem}.quelle")
    if target.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == digest:
        _bestaetigen(target)  # this build vouches for it (the nightly job checks the index is this build's)
        return target.stat().st_size, False
    size = _dump(target, build_index(portal, sprache, text_woerter, docs))
    write_if_changed(stamp, digest.encode())
    return size, True


def indexes_if_changed(
    portal: Portal, sprachen: list[str], text_woerter: int, out: Path, jobs: int = 1
) -> list[tuple[int, bool]]:
    """:func:`index_if_changed` for each language, in that order; with ``jobs`` > 1 the languages are built
    in worker processes (they inherit the portal; lunr's builder is pure Python, one core each)."""

    def bauen(sprache: str) -> tuple[int, bool]:
        return index_if_changed(portal, sprache, text_woerter, out / "suchindex" / f"index-{sprache}.json")

    return im_fork(bauen, sprachen, jobs)


def _quelle(portal: Portal, sprache: str, text_woerter: int) -> str | None:
    """What a language's index is made from, without making its documents: the documents are a function of
    the Leistungen (the store's content hash of each, in their order), this code and its word lists."""
    hashes = [portal.hashes.get(f"Leistung:{key}") for key in portal.leistungen]
    if not all(hashes):
        return None
    quelle = [_code_hash(), text_woerter, sprache, list(zip(portal.leistungen, hashes, strict=True))]
    return "leistungen:" + hashlib.sha256(json.dumps(quelle).encode()).hexdigest()


def build_index(
    portal: Portal, sprache: str, text_woerter: int, docs: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """A serialised lunr index over every Leistung: German pipeline for 'de', lunr's English one for 'en'."""
    from lunr.builder import Builder
    from lunr.stemmer import stemmer
    from lunr.stop_word_filter import stop_word_filter
    from lunr.trimmer import trimmer

    if sprache == "de":
        builder = german_builder()
    else:
        builder = Builder()
        builder.pipeline.add(trimmer, stop_word_filter, stemmer)
        builder.search_pipeline.add(stemmer)
    builder.ref("id")
    for name, boost in FIELDS.items():
        builder.field(name, boost=boost)
    if docs is None:
        docs = [d.as_dict() for d in dokumente(portal.leistungen.values(), sprache, text_woerter)]
    for doc in docs:
        builder.add(doc)
    return builder.build().serialize()


def result_data(portal: Portal, sprache: str, teaser_zeichen: int) -> dict[str, list[str]]:
    out = {}
    for lb in portal.leistungen.values():
        name = lb.namen.in_sprache(sprache)
        teaser = lb.text(Textmodul.TEASER).in_sprache(sprache) or lb.text(Textmodul.KURZTEXT).in_sprache(
            sprache
        )
        text = plain_text(teaser[1]) if teaser else ""
        if len(text) > teaser_zeichen:
            text = text[: teaser_zeichen - 1].rsplit(" ", 1)[0] + "…"
        slug = Portal.leistung_rest(lb).removeprefix("leistungen/").removesuffix("/")
        out[ref_for(lb)] = [name[1] if name else lb.leika[0], text, slug, name[0] if name else "de"]
    return out


def subsite_map(portal: Portal, subsite: Subsite) -> dict[str, Any]:
    """For each service: the subsite whose page is responsible for this place, and its label."""
    targets: list[list[str]] = []
    index: dict[tuple[str, str], int] = {}
    entries: dict[str, int] = {}
    for angebot in portal.angebote(subsite):
        label = angebot.gebiet.kurzname if angebot.gebiet else ""
        key = (angebot.subsite.path, label)
        if key not in index:
            index[key] = len(targets)
            targets.append([angebot.subsite.path, label])
        entries[ref_for(angebot.leistung)] = index[key]
    return {"z": targets, "e": entries}


def places(portal: Portal) -> dict[str, Any]:
    """The place chooser: every Gemeinde (with its subsite path, '' if it has none) and every PLZ."""
    orte = []
    position: dict[str, int] = {}
    for g in portal.gebiete.by_art(GebietArt.GEMEINDE):
        if not g.bevoelkerung:
            continue
        kreis = portal.gebiete.get(g.uebergeordnet or "")
        sub = portal.subsites.get(g.ars)
        position[g.ars] = len(orte)
        orte.append(
            [g.kurzname, sub.path if sub else "", kreis.kurzname if kreis and not g.kreisfrei else ""]
        )
    plz = {p: [position[a] for a in ars if a in position] for p, ars in portal.gebiete.alle_plz().items()}
    return {"o": orte, "p": {k: v for k, v in plz.items() if v}}


class SearchIndexGenerator(Generator):
    def generate_context(self) -> None:
        self.config = SearchIndexSettings.from_pelican(self.settings)

    def generate_output(self, writer: Any) -> None:
        portal: Portal | None = self.context.get("portal")
        if portal is None:
            raise PluginConfigError("search_index needs portal_pages (list it first in PLUGINS)")
        out = Path(self.output_path)
        sizes: dict[str, int] = {}
        built = []
        t0 = time.perf_counter()
        sprachen = sorted(set(self.config.index_sprachen.values()))
        jobs = portal.settings.jobs or os.cpu_count() or 1
        for sprache, (size, neu) in zip(
            sprachen, indexes_if_changed(portal, sprachen, self.config.text_woerter, out, jobs), strict=True
        ):
            sizes[f"index-{sprache}"] = size
            if neu:
                built.append(sprache)
        for s in portal.settings.sprachen:
            sizes[f"docs-{s.code}"] = _dump(
                out / "suchindex" / f"docs-{s.code}.json",
                result_data(portal, s.code, self.config.teaser_zeichen),
            )
        subsites = list(portal.subsites.values())

        def karten(teil: list[Subsite]) -> None:
            for subsite in teil:
                _dump(out / subsite.path / "suchkarte.json", subsite_map(portal, subsite))

        teile = max(1, min(jobs, len(subsites)))  # 1.7 s in one process at Hessen scale
        im_fork(karten, [subsites[i::teile] for i in range(teile)], teile)
        _dump(out / "orte.json", places(portal))
        vendor = out / "theme" / "vendor" / "lunr"
        vendor.mkdir(parents=True, exist_ok=True)
        for src, name in LUNR_FILES.items():
            source = ROOT / src
            if not source.exists():
                raise PluginConfigError(f"{source} is missing: run 'npm ci'")
            write_if_changed(vendor / name, source.read_bytes())
        phase(self.context, "search index", time.perf_counter() - t0)
        log.info(
            "search index (built: %s): %s",
            ", ".join(built) or "none, input unchanged",
            ", ".join(f"{k} {v:,} B" for k, v in sorted(sizes.items())),
        )


def _get_generators(_pelican: Any) -> type[SearchIndexGenerator]:
    return SearchIndexGenerator


def _validate(pelican: Any) -> None:
    SearchIndexSettings.from_pelican(pelican.settings)


SIGNAL_HANDLERS = {
    "initialized": _validate,
    "get_generators": _get_generators,
}


def register() -> None:
    for name, handler in SIGNAL_HANDLERS.items():
        getattr(signals, name).connect(handler)
