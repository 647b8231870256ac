"""Rendering: parallel by subsite, incremental by fingerprint.

Each page has a fingerprint: a hash of everything it is made from: the template set and catalogs, the
settings, the site's structure, and the content hashes of the objects in its data (the store hashes every
object). A manifest in the output folder (``.portal-manifest.json``) maps each written file to its fingerprint.
A page whose fingerprint is unchanged and whose file is there is not rendered again; a file in the manifest
that no page produces any more is deleted. Rendering is partitioned by subsite and runs in worker processes
(fork: the workers inherit the portal and the compiled templates, nothing is pickled on the way in).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import itertools
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from jinja2 import Environment
from pydantic import BaseModel

from content_sync.models import Gebiet, Leistung, Organisationseinheit, Textmodul

from .pages import Seite
from .parallel import im_fork
from .site import Angebot, Lebenslage, Portal, Subsite

log = logging.getLogger(__name__)


@contextlib.contextmanager
def ohne_zyklensuche() -> Iterator[None]:
    """Python's cycle collector walks every tracked object on each full collection. Loading the store and
    listing the pages create millions of long-lived objects without cycles (at Hessen scale the collector
    took a third of that time), so it is off while they are made; afterwards they are frozen, out of its
    sight, also for the render workers forked later (which then do not touch their memory pages either).
    ``portal build`` unfreezes at the end (``auftauen``)."""
    war_an = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if war_an:
            gc.enable()


def auftauen() -> None:
    """After a build: the frozen objects become collectable again (a process may build more than once); the
    collector gets to them in its own time (a full collection now would cost seconds at Hessen scale)."""
    gc.unfreeze()


MANIFEST = ".portal-manifest.json"


# --- fingerprints ---------------------------------------------------------------------------------------


def tree_hash(paths: Iterable[Path], roots: Iterable[Path] = ()) -> str:
    """A hash of files' names and bytes (templates, catalogs, CSS): any change re-renders every page. Names
    are taken relative to the first of ``roots`` that holds them, so a copy of the theme elsewhere (a test, a
    municipality's checkout) has the same hash."""
    bases = [r.resolve() for r in roots]

    def name(p: Path) -> str:
        full = p.resolve()
        for base in bases:
            if full.is_relative_to(base):
                return full.relative_to(base).as_posix()
        return str(full)

    h = hashlib.sha256()
    for label, p in sorted((name(p), p) for p in paths):
        h.update(label.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


_SCHLICHT = frozenset({str, int, float, bool})


class Fingerprinter:
    """Turns a page's data into a stable digest, using the store's content hash for every object."""

    def __init__(self, portal: Portal, global_hash: str) -> None:
        self.portal = portal
        # digested once: it is part of every page's fingerprint (the site's structure alone is ~20 KB)
        self.global_hash = hashlib.sha256(global_hash.encode()).hexdigest()
        # memos by id(): each entry keeps its object alive, so an id is never reused for another object
        self._memo: dict[int, tuple[object, str]] = {}
        self._summary_memo: dict[int, tuple[object, str]] = {}
        self._angebot_memo: dict[int, str] = {}  # by id: Angebote live as long as the Portal
        self._eintrag_memo: dict[int, str] = {}
        self._lebend: list[object] = []

    def _obj(self, value: Any, eintrag: bool = False) -> Any:
        """``eintrag``: the value is an item of a list on the page (an Angebot there is a line of a
        service list, see ``leistungsliste`` in komponenten.html)."""
        # the most common values first, without the walk through the isinstance checks below
        if value is None or type(value) in _SCHLICHT:
            return value
        if type(value) is list or type(value) is tuple:
            return self._folge(value)
        if eintrag and isinstance(value, Leistung):  # a line of a list: name and link (stelle.html)
            return ["leistung", self._summary(value)]
        if isinstance(value, BaseModel):
            ref = getattr(value, "ref", None)
            if ref is not None:
                key = f"{type(value).__name__}:{ref.key}"
                known = self.portal.hashes.get(key)
                if known:
                    if isinstance(value, Organisationseinheit):  # a page showing an office links to its page
                        return ["obj", key, known, self.portal.stellen_heimat[ref.key].path]
                    return ["obj", key, known]
            key = id(value)
            if key not in self._memo:
                self._memo[key] = (value, hashlib.sha256(value.model_dump_json().encode()).hexdigest())
            return ["model", self._memo[key][1]]
        if isinstance(value, Subsite):
            return ["subsite", value.gebiet.ars, value.slug]
        if isinstance(value, Gebiet):
            return ["gebiet", value.ars]
        if isinstance(value, Lebenslage):
            return ["lebenslage", value.code]
        if isinstance(value, Angebot):
            return self._angebot(value, eintrag)
        if isinstance(value, dict):
            return [[str(k), self._obj(v)] for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))]
        if isinstance(value, list | tuple):
            return self._folge(value)
        if isinstance(value, set | frozenset):
            return sorted(self._folge(value), key=json.dumps)
        if dataclasses.is_dataclass(value):
            # the fields as they are (dataclasses.asdict would deep-copy every model inside)
            return self._obj({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
        if hasattr(value, "content") and hasattr(value, "slug"):  # a Pelican page
            return [
                "page",
                value.slug,
                value.lang,
                hashlib.sha256(str(value.content).encode()).hexdigest(),
                str(value.title),
            ]
        if value is None or isinstance(value, str | int | float | bool):
            return value
        return repr(value)

    def _folge(self, value: Iterable[Any]) -> list[Any]:
        """The items of a list, tuple or set on the page (each an ``eintrag``)."""
        memo = self._eintrag_memo
        return [
            memo.get(id(v)) or self._angebot(v, True) if type(v) is Angebot else self._obj(v, True)
            for v in value
        ]

    def _angebot(self, a: Angebot, eintrag: bool) -> str:
        """An Angebot in a service list shows the service's name, teaser and link and the responsible
        Gebiet; on the service page itself (``eintrag`` False) also its offices and online services.
        Angebote are shared objects (Portal._geteilt), so each digest is computed once."""
        memo = self._eintrag_memo if eintrag else self._angebot_memo
        found = memo.get(id(a))
        if found is None:
            shown: list[Any] = [
                "angebot",
                self._summary(a.leistung),
                a.gebiet.ars if a.gebiet else None,
                a.subsite.path,
            ]
            if not eintrag:
                shown += [[self._obj(s) for s in a.stellen], [self._obj(o) for o in a.onlinedienste]]
            found = hashlib.sha256(json.dumps(shown, separators=(",", ":")).encode()).hexdigest()
            memo[id(a)] = found
            self._lebend.append(a)  # its id stays its own while the memo lives
        return found

    def _eintraege(self, angebote: list[Angebot]) -> str:
        memo = self._eintrag_memo
        return ",".join([memo.get(id(a)) or self._angebot(a, True) for a in angebote])

    def _summary(self, lb: Leistung) -> str:
        key = id(lb)
        if key not in self._summary_memo:
            shown = [
                lb.ref.key,
                lb.namen.root,
                lb.text(Textmodul.TEASER).root,
                lb.text(Textmodul.KURZTEXT).root,
                list(lb.leika),
            ]
            self._summary_memo[key] = (
                lb,
                hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest(),
            )
        return self._summary_memo[key][1]

    def _teil(self, value: Any) -> str:
        """One value of a page's data as a string: the common shapes directly, anything else as JSON."""
        if type(value) is Angebot:
            return self._angebot(value, False)
        if type(value) is Leistung:
            known = self.portal.hashes.get(f"Leistung:{value.ref.key}")
            if known:
                return known
        if type(value) is list and not value:
            return "[]"
        if type(value) is list:
            # the common lists without JSON (whose text would start with "["): a service page's Lebenslagen
            # (319,000 pages at Hessen scale), a service list, the A-Z's groups of service lists
            if all(type(v) is Lebenslage for v in value):
                return "lebenslagen:" + ",".join(v.code for v in value)
            if all(type(v) is Angebot for v in value):
                return "angebote:" + self._eintraege(value)
            if all(
                type(v) is tuple and len(v) == 2 and type(v[0]) is str and type(v[1]) is list for v in value
            ) and all(type(a) is Angebot for _k, v in value for a in v):
                return "gruppen:" + ";".join(f"{k}={self._eintraege(v)}" for k, v in value)
        return json.dumps(self._obj(value), separators=(",", ":"))

    def __call__(self, seite: Seite) -> str:
        parts = [
            self.global_hash,
            seite.template,
            seite.subsite.path,
            seite.rest,
            seite.sprache.code,
            "anywhere" if seite.anywhere else "",
            *(f"{code}={rest}" for code, rest in sorted(seite.sprach_rest.items())),
        ]
        for key in sorted(seite.data):
            parts += [key, self._teil(seite.data[key])]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# --- writing --------------------------------------------------------------------------------------------


def _safe_target(output: Path, save_as: str) -> Path:
    target = (output / save_as).resolve()
    if not target.is_relative_to(output.resolve()):
        raise ValueError(f"refusing to write outside the output folder: {save_as!r}")
    return target


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write through a temporary file in the same folder and rename it: a reader sees the old file or the new
    one, never a part; on failure the temporary file is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, data: str | bytes) -> bool:
    """Write atomically unless the file already holds exactly these bytes (incremental builds)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.stat().st_size == len(raw) and path.read_bytes() == raw:
            return False
    except OSError:
        pass
    write_atomic(path, raw)
    return True


@dataclasses.dataclass
class RenderStats:
    pages: int = 0
    rendered: int = 0
    skipped: int = 0
    deleted: int = 0
    workers: int = 1
    sekunden: dict[str, float] = dataclasses.field(default_factory=dict)  # per phase, for the summary
    geschrieben: list[str] = dataclasses.field(default_factory=list)  # save_as of the pages rendered
    entfiele: list[str] = dataclasses.field(default_factory=list)  # a preview: pages the live site would lose


def phase(context: dict[str, Any], name: str, sekunden: float) -> None:
    """Another plugin's share of the build, for the summary of ``portal build`` (after the pages' phases)."""
    stats = context.get("portal_render_stats")
    if isinstance(stats, RenderStats):
        stats.sekunden[name] = stats.sekunden.get(name, 0.0) + sekunden


LAST_STATS: list[RenderStats] = []  # the figures of the last render in this process (for `portal build`)


def _render_partition(
    seiten: list[Seite],
    envs: dict[str, Environment],
    page_vars: Callable[[Seite], dict[str, Any]],
    base: dict[str, Any],
    output: Path,
    indices: list[int],
) -> list[str]:
    written = []
    for i in indices:
        seite = seiten[i]
        template = envs[seite.sprache.code].get_template(seite.template)
        text = template.render({**base, **page_vars(seite)})
        write_atomic(_safe_target(output, seite.save_as), text)
        written.append(seite.save_as)
    return written


def render_all(
    seiten: list[Seite],
    *,
    envs: dict[str, Environment],
    page_vars: Callable[[Seite], dict[str, Any]],
    base: dict[str, Any],
    output: Path,
    fingerprint: Callable[[Seite], str],
    jobs: int,
    incremental: bool = True,
    vergleich: Path | None = None,
) -> RenderStats:
    """Render what changed. ``vergleich`` (a preview): compare with that manifest (the live site's) instead of
    the output folder's own; render only the pages that differ from it, into an otherwise empty folder, and
    delete nothing (``RenderStats.entfiele`` lists what the live site would lose)."""
    output.mkdir(parents=True, exist_ok=True)
    manifest_file = output / MANIFEST
    old: dict[str, str] = {}
    source = vergleich or manifest_file
    if (incremental or vergleich) and source.exists():
        try:
            old = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            log.warning("%s unreadable: rendering every page", source)
    new: dict[str, str] = {}
    t0 = time.perf_counter()
    with ohne_zyklensuche():
        todo = _zu_rendern(seiten, fingerprint, old, new, output, vergleich, jobs)
    stats = RenderStats(pages=len(seiten), rendered=len(todo), skipped=len(seiten) - len(todo))
    stats.geschrieben = [seiten[i].save_as for i in todo]
    t1 = time.perf_counter()
    stats.sekunden["fingerprints"] = t1 - t0
    # preload the templates so the forked workers inherit them compiled
    for env in envs.values():
        for name in {s.template for s in seiten}:
            env.get_template(name)
    partitions = _partition(seiten, todo, jobs)
    stats.workers = min(jobs, len(partitions)) or 1
    im_fork(functools.partial(_render_partition, seiten, envs, page_vars, base, output), partitions, jobs)
    t2 = time.perf_counter()
    stats.sekunden["render"] = t2 - t1
    if vergleich is not None:
        stats.entfiele = sorted(set(old) - set(new))
    for gone in sorted(set(old) - set(new)) if vergleich is None else []:
        target = _safe_target(output, gone)
        if target.exists():
            target.unlink()
            stats.deleted += 1
            _remove_empty_parents(target.parent, output)
    write_atomic(manifest_file, json.dumps(new, sort_keys=True, separators=(",", ":")))
    stats.sekunden["delete+manifest"] = time.perf_counter() - t2
    LAST_STATS.clear()
    LAST_STATS.append(stats)
    return stats


def _fingerprint_stueck(
    seiten: list[Seite], fingerprint: Callable[[Seite], str], bounds: tuple[int, int]
) -> list[str]:
    return [fingerprint(seiten[i]) for i in range(*bounds)]


def fingerprints(seiten: list[Seite], fingerprint: Callable[[Seite], str], jobs: int) -> list[str]:
    """Every page's fingerprint, in order. With ``jobs`` > 1 in worker processes (they inherit the pages and
    the fingerprinter, and the collector switched off by ``ohne_zyklensuche``), each taking runs of
    consecutive pages (mostly one subsite's, which share their lists)."""
    anzahl = max(1, min(len(seiten), jobs * 4 if jobs > 1 else 1))
    grenzen = [len(seiten) * k // anzahl for k in range(anzahl + 1)]
    stuecke = list(itertools.pairwise(grenzen))
    teile = im_fork(functools.partial(_fingerprint_stueck, seiten, fingerprint), stuecke, jobs)
    return [digest for teil in teile for digest in teil]


def _zu_rendern(
    seiten: list[Seite],
    fingerprint: Callable[[Seite], str],
    old: dict[str, str],
    new: dict[str, str],
    output: Path,
    vergleich: Path | None,
    jobs: int = 1,
) -> list[int]:
    """Fingerprint every page into ``new``; the indices of those that differ from ``old`` or are missing."""
    todo = []
    wurzel = f"{output}{os.sep}"  # os.path on strings: half the time of Path for 367,000 pages
    for i, (seite, digest) in enumerate(zip(seiten, fingerprints(seiten, fingerprint, jobs), strict=True)):
        save_as = seite.save_as
        if save_as in new:
            raise ValueError(f"two pages would be written to {save_as}")
        new[save_as] = digest
        if old.get(save_as) != digest or (vergleich is None and not os.path.exists(wurzel + save_as)):
            todo.append(i)
    return todo


def _partition(seiten: list[Seite], todo: list[int], jobs: int) -> list[list[int]]:
    """Pages grouped by subsite, the groups dealt out into about 4 x jobs partitions of similar size."""
    by_subsite: dict[str, list[int]] = {}
    for i in todo:
        by_subsite.setdefault(seiten[i].subsite.path, []).append(i)
    groups = sorted(by_subsite.values(), key=len, reverse=True)
    count = max(1, min(len(groups), jobs * 4))
    parts: list[list[int]] = [[] for _ in range(count)]
    for group in groups:
        min(parts, key=len).extend(group)
    return [p for p in parts if p]


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    stop = stop.resolve()
    while folder.resolve() != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
