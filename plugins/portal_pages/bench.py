"""``portal bench build``: the portal at Hessen scale, measured on this machine.

Prints, for the Hessen-scale export (``portal generate-hessen``, written on demand):

- sync of the full export: seconds, records per second, peak memory (RSS);
- full build of every subsite in German and English: pages, seconds, pages per second, output size, peak RSS;
- incremental build after the "next night" delta: seconds, pages rendered again, pages deleted;
- search: index bytes per language (raw and gzip) and the bytes of the first query on a subsite;
- side by side, on the same service pages: Pelican's own page generation from Markdown files (the way a
  Pelican user would do it) and a bare Jinja2 loop rendering our templates and writing the files (the floor),
  with the ratios of our build to each.

Each measured step runs in a fresh process, so its peak RSS is its own (the largest single process, workers
included). Short steps run ``--runs`` times and the median is shown. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PORTAL = [sys.executable, "-m", "content_sync"]


def _run(cmd: list[str], cwd: Path = ROOT) -> dict[str, Any]:
    """Run a command in a wrapper process; return its wall time and the peak RSS of its process tree."""
    wrapper = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)\n"
        "dt = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'rc': p.returncode, 'seconds': dt, 'rss_kib': rss, 'out': p.stdout[-4000:]}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True, cwd=cwd, check=True
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["rc"] != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{result['out']}")
    return result


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _pages(out: str) -> dict[str, int]:
    for line in out.splitlines():
        if line.startswith("Built "):
            words = line.replace("(", " ").replace(",", " ").split()
            return {
                "pages": int(words[1]),
                "rendered": int(words[words.index("rendered") - 1]),
                "deleted": int(words[words.index("deleted") - 1]),
            }
    raise RuntimeError(f"no build summary in:\n{out}")


def _phasen(out: str) -> str:
    """The build's own split of its time (the 'phases:' line of 'portal build')."""
    for line in out.splitlines():
        if line.strip().startswith("phases:"):
            return "    " + line.strip()
    return "    phases: not reported"


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def bench_baselines(store: Path, work: Path, sample: int, runs: int) -> dict[str, Any]:
    """Pelican's Markdown page generation and a bare Jinja2 loop on the same service pages."""
    from pelican import Pelican
    from pelican.settings import read_settings

    from content_sync.models import Textmodul
    from content_sync.store import Store

    from .generator import make_environments
    from .pages import seiten
    from .render import _render_partition, render_all
    from .settings import PortalPagesSettings
    from .site import Portal

    settings = read_settings(str(ROOT / "pelicanconf.py"))
    pp = {
        **settings["PORTAL_PAGES"],
        "store": str(store),
        "gebiete": [],
        "sprachen": settings["PORTAL_PAGES"].get("sprachen") or None,
    }
    pp = {k: v for k, v in pp.items() if v is not None}
    config = PortalPagesSettings.model_validate(pp)
    with Store(store, readonly=True) as st:
        portal = Portal(config, st)
    de = config.sprachen[0]
    pages = [s for s in seiten(portal) if s.template == "leistung.html" and s.sprache.code == "de"][:sample]

    # (1) Pelican the usual way: one Markdown file per service page, Pelican's own page generator + theme
    md_dir = work / "markdown" / "content" / "pages"
    md_dir.mkdir(parents=True, exist_ok=True)
    for n, seite in enumerate(pages):
        lb = seite.data["lb"]
        body = "\n\n".join(
            f"## {modul.name.title()}\n\n{text.de}"
            for modul, text in lb.texte.items()
            if modul not in (Textmodul.LEISTUNGSNAME, Textmodul.LEISTUNGSBEZEICHNUNG) and text.de
        )
        (md_dir / f"s{n:06d}.md").write_text(
            f"Title: {lb.namen.de}\nSlug: s{n:06d}\n\n{body}\n", encoding="utf-8"
        )
    md_times = []
    for _ in range(runs):
        out = work / "markdown" / "output"
        shutil.rmtree(out, ignore_errors=True)
        md_settings = read_settings(
            override={
                "PATH": str(work / "markdown" / "content"),
                "OUTPUT_PATH": str(out),
                "PAGE_PATHS": ["pages"],
                "ARTICLE_PATHS": [],
                "DIRECT_TEMPLATES": [],
                "FEED_ALL_ATOM": None,
                "CATEGORY_FEED_ATOM": None,
                "TRANSLATION_FEED_ATOM": None,
                "AUTHOR_FEED_ATOM": None,
                "AUTHOR_FEED_RSS": None,
                "SITEURL": "",
                "CACHE_CONTENT": False,
                "PLUGINS": [],
            }
        )
        t0 = time.perf_counter()
        Pelican(md_settings).run()
        md_times.append(time.perf_counter() - t0)

    # (2) the floor: our templates, rendered and written in a bare loop, one process
    envs = make_environments(ROOT / "theme", [de])
    from .generator import PortalPagesGenerator

    gen = PortalPagesGenerator.__new__(PortalPagesGenerator)
    gen.config, gen.portal, gen.context = config, portal, {"SEARCH_INDEX": settings.get("SEARCH_INDEX")}
    base = {"SEARCH_INDEX": settings.get("SEARCH_INDEX")}
    floor_times = []
    for _ in range(runs):
        out = work / "floor"
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        _render_partition(pages, envs, gen.page_vars, base, out, list(range(len(pages))))
        floor_times.append(time.perf_counter() - t0)

    # (3) ours on exactly these pages: render_all, all cores, fingerprints included
    ours_times = []
    from .render import Fingerprinter

    for _ in range(runs):
        out = work / "ours"
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        render_all(
            pages,
            envs=envs,
            page_vars=gen.page_vars,
            base=base,
            output=out,
            fingerprint=Fingerprinter(portal, "bench"),
            jobs=os.cpu_count() or 1,
            incremental=False,
        )
        ours_times.append(time.perf_counter() - t0)
    n = len(pages)
    return {
        "pages": n,
        "markdown": statistics.median(md_times),
        "floor": statistics.median(floor_times),
        "ours": statistics.median(ours_times),
        "runs": runs,
    }


def muss_erzeugen(data: Path, scale: float, regenerate: bool) -> bool:
    """Whether the export in ``data`` must be written: it is missing, asked for, or generate-hessen wrote
    it with another scale (``--scale 0.1`` must not measure a full-scale export left from an earlier run).
    An export without generate-hessen's record is someone's own and used as it is."""
    from content_sync.synthetic import erzeugung

    if regenerate or not (data / "nacht-1" / "index.txt").exists():
        return True
    record = erzeugung(data)
    return record is not None and record.get("scale") != scale


def run_bench_build(args: argparse.Namespace, _settings: Any) -> int:
    from content_sync.synthetic import erzeugung, write_hessen_export

    data = Path(args.data)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="portal-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    generate = muss_erzeugen(data, args.scale, args.regenerate)
    record = None if generate else erzeugung(data)
    if generate:
        scale = f"scale {args.scale}"
    elif record is None:
        scale = f"the export in {data}, not written by generate-hessen: scale unknown"
    else:
        scale = f"scale {record.get('scale')}"
    lines = [f"Benchmark at Hessen scale ({scale}) on {os.cpu_count()} cores; work folder {work}"]

    if generate:
        t0 = time.perf_counter()
        counts = write_hessen_export(data, scale=args.scale)
        shown = {
            k: counts[k]
            for k in ("Leistung", "Onlinedienst", "Organisationseinheit", "Zustaendigkeit")
            if k in counts
        }
        lines.append(f"generated {data}: {shown} in {time.perf_counter() - t0:.1f} s")

    store = work / "hessen.sqlite"
    for f in (store, Path(f"{store}-wal"), Path(f"{store}-shm")):
        f.unlink(missing_ok=True)
    sync = _run([*PORTAL, "sync", "--source", str(data / "nacht-1"), "--store", str(store)])
    from content_sync.store import Store

    with Store(store, readonly=True) as st:
        records = sum(st.counts().values())
    lines.append(
        f"sync, full export:        {sync['seconds']:8.1f} s   {records / sync['seconds']:9,.0f} records/s   "
        f"{records:,} records   peak RSS {_mib(sync['rss_kib'])}"
    )

    out = work / "site"
    shutil.rmtree(out, ignore_errors=True)
    build_cmd = [
        *PORTAL,
        "build",
        "--store",
        str(store),
        "--output",
        str(out),
        "--alle-gebiete",
        "--sprachen",
        args.sprachen,
    ]
    full = _run([*build_cmd, "--voll"])
    figures = _pages(full["out"])
    size = _size(out)
    lines.append(
        f"full build:               {full['seconds']:8.1f} s   {figures['pages'] / full['seconds']:9,.0f} pages/s   "
        f"{figures['pages']:,} pages   {size / 2**20:,.0f} MiB   peak RSS {_mib(full['rss_kib'])}"
    )

    lines.append(_phasen(full["out"]))
    sync2 = _run([*PORTAL, "sync", "--source", str(data / "nacht-2"), "--store", str(store)])
    inc = _run(build_cmd)
    inc_figures = _pages(inc["out"])
    lines.append(
        f"incremental (next night): {inc['seconds']:8.1f} s   {inc_figures['rendered']:,} pages rendered again, "
        f"{inc_figures['deleted']:,} deleted   = {100 * inc['seconds'] / full['seconds']:.1f} % of the full build "
        f"(target <= 5 %; sync of the delta {sync2['seconds']:.1f} s)"
    )
    lines.append(_phasen(inc["out"]))

    index_lines = []
    for f in sorted((out / "suchindex").glob("index-*.json")):
        raw = f.read_bytes()
        index_lines.append(
            f"{f.stem[6:]} {len(raw) / 1024:,.0f} KiB raw, {len(gzip.compress(raw, 9)) / 1024:,.0f} KiB gzip"
        )
    lines.append("search index:             " + "; ".join(index_lines))
    try:
        from plugins.search_index.bench import bench_lunr, leika_by_ref, load_queries

        lunr = bench_lunr(out, store, args.subsite, browser=False, runs=1)
        bekannt = set().union(*leika_by_ref(store).values())
        if any(k in bekannt for case in load_queries() for k in case["leika"]):
            recall = f"recall@3 of the demo queries {lunr.recall3:.2f}"
        else:  # the generated services have LeiKa keys of their own (999...): the demo queries cannot score
            recall = "recall: not applicable (the demo queries' LeiKa keys are not in this data)"
        lines.append(
            f"search, first query on {args.subsite}: {lunr.erste_bytes:,.0f} B gzip; further queries "
            f"{lunr.weitere_bytes:,.0f} B; {recall}"
        )
    except Exception as exc:  # the search figures are optional in this report
        lines.append(f"search, first query: not measured ({exc})")

    base = bench_baselines(store, work / "baselines", args.sample, args.runs)
    n = base["pages"]
    md_rate, floor_rate, ours_rate = n / base["markdown"], n / base["floor"], n / base["ours"]
    whole_rate = figures["pages"] / full["seconds"]
    lines += [
        f"same {n:,} service pages, median of {base['runs']}:",
        f"  Pelican, Markdown files:  {base['markdown']:8.1f} s   {md_rate:9,.0f} pages/s",
        f"  bare Jinja2 loop (floor): {base['floor']:8.1f} s   {floor_rate:9,.0f} pages/s   (1 process)",
        f"  ours (render_all):        {base['ours']:8.1f} s   {ours_rate:9,.0f} pages/s   ({os.cpu_count()} workers)",
        f"  ratios: ours / Pelican Markdown = {ours_rate / md_rate:.1f} (target >= 10); "
        f"ours / floor = {ours_rate / floor_rate:.2f} (target >= 0.6); "
        f"whole build / floor = {whole_rate / floor_rate:.2f}",
    ]
    print("\n".join(lines))
    return 0


def add_build_bench(bench: Any) -> None:
    b = bench.add_parser(
        "build", help="sync, full and incremental build at Hessen scale, next to Pelican and Jinja2"
    )
    b.add_argument("--data", default="demo/hessen", help="Hessen-scale export (written if missing)")
    b.add_argument("--scale", type=float, default=1.0, help="scale of the generated export (1.0 = Hessen)")
    b.add_argument("--regenerate", action="store_true", help="write the export even if it exists")
    b.add_argument("--workdir", help="where the store and the builds go (default: a new temporary folder)")
    b.add_argument("--sprachen", default="de,en", help="languages of the full build (default: de,en)")
    b.add_argument("--sample", type=int, default=3000, help="service pages for the side-by-side comparison")
    b.add_argument("--runs", type=int, default=3, help="runs of the side-by-side comparison (median)")
    b.add_argument("--subsite", default="wanfried", help="subsite whose search download is measured")
    b.set_defaults(handler=run_bench_build)


__all__ = ["add_build_bench"]
