"""Browser assets from npm, pinned in package.json: the KERN UX CSS (only the rules the templates use,
via purgecss) and the self-hosted Fira Sans fonts in the weights KERN uses.

Written to ``theme/static/vendor/`` (not committed), which Pelican copies to ``output/theme/vendor/``.
Rebuilt when a template, the pinned package or this module is newer than the output.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from .settings import PluginConfigError

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
KERN = Path("node_modules/@kern-ux/native/dist")
FONTS = [
    "FiraSans-Regular.woff2",
    "FiraSans-Italic.woff2",
    "FiraSans-Medium.woff2",
    "FiraSans-SemiBold.woff2",
]
SAFELIST = ["kern-container", "kern-body"]
# Rules purgecss cannot judge and drops: KERN maps its theme tokens (light, dark: prefers-color-scheme or
# data-kern-theme) to the "contextual" ones its components use in a rule on :is(body, …); without it the
# components keep their light colours in the dark scheme. Copied from the pinned KERN CSS as they are.
KEEP_SELECTORS = [
    ":is(body,.kern-light,.kern-dark,[data-kern-theme=light],[data-kern-theme=dark]):not([class*=kern-level-])"
]


def kept_rules(css: str) -> str:
    """The declarations of each of KEEP_SELECTORS in KERN's minified CSS, as rules of that selector alone."""
    out = []
    for selector in KEEP_SELECTORS:
        start = css.find(selector)
        opening = css.find("{", start)
        closing = css.find("}", opening)
        if start < 0 or opening < 0 or closing < 0:
            raise PluginConfigError(
                f"KERN CSS has no rule for {selector}: check KEEP_SELECTORS in {__file__}"
            )
        out.append(selector + css[opening : closing + 1])
    return "".join(out)


def _newest(paths: list[Path]) -> float:
    return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)


def build_assets(theme: Path, root: Path = ROOT) -> Path:
    """Write ``theme/static/vendor`` if it is missing or stale; return its path."""
    kern = root / KERN
    purgecss = root / "node_modules/.bin/purgecss"
    if not (kern / "kern.min.css").exists() or not purgecss.exists():
        raise PluginConfigError(
            f"{kern} or purgecss is missing: run 'npm ci' in {root} (the README's 'make site' does it)"
        )
    vendor = theme / "static" / "vendor"
    target = vendor / "kern.css"
    sources = [
        *theme.glob("templates/**/*.html"),
        *theme.glob("static/js/*.js"),
        kern / "kern.min.css",
        Path(__file__),
    ]
    if target.exists() and target.stat().st_mtime >= _newest(sources):
        return vendor
    vendor.mkdir(parents=True, exist_ok=True)
    tmp = vendor / "purge-tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    content = [str(theme / "templates" / "**" / "*.html"), str(theme / "static" / "js" / "*.js")]
    subprocess.run(
        [
            str(purgecss),
            "--css",
            str(kern / "kern.min.css"),
            "--content",
            *content,
            "--output",
            str(tmp),
            "--safelist",
            *SAFELIST,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    purged = (tmp / "kern.min.css").read_text(encoding="utf-8")
    target.write_text(
        purged + kept_rules((kern / "kern.min.css").read_text(encoding="utf-8")), encoding="utf-8"
    )
    shutil.rmtree(tmp, ignore_errors=True)
    fonts = vendor / "fonts"
    fonts.mkdir(exist_ok=True)
    for name in FONTS:
        shutil.copy2(kern / "fonts" / "fira-sans" / name, fonts / name)
    shutil.copy2(root / "node_modules/@kern-ux/native/LICENSE.md", vendor / "KERN-LICENSE.md")
    before, after = (kern / "kern.min.css").stat().st_size, target.stat().st_size
    log.info("KERN CSS: %d of %d bytes kept (%.0f %%)", after, before, 100 * after / before)
    return vendor
