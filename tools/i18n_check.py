"""Fail when the templates' strings and the committed catalogs disagree.

    python -m tools.i18n_check

Extracts the messages of the templates and plugins (as ``make i18n`` does) and checks that every catalog
(en, ar, de_LS) has every message translated, none fuzzy, and no placeholder lost (Babel's checkers).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "theme" / "translations"
CATALOGS = ["en", "ar", "de_LS"]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "extract",
                "-F",
                str(ROOT / "theme/babel.cfg"),
                "-k",
                "ng:1,2",
                "--no-location",
                "-o",
                str(pot),
                str(ROOT),
            ],
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
        with pot.open("rb") as fh:
            wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    problems = []
    for lang in CATALOGS:
        po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as fh:
            catalog = read_po(fh)
        have = {}
        for m in catalog:
            if m.id:
                have[m.id if isinstance(m.id, str) else m.id[0]] = m
        for msgid in sorted(wanted - set(have)):
            problems.append(f"{po}: missing {msgid!r} (run: make i18n, then translate)")
        for msgid in sorted(wanted & set(have)):
            m = have[msgid]
            strings = m.string if isinstance(m.string, tuple | list) else (m.string,)
            if m.fuzzy or not all(strings):
                problems.append(f"{po}: not translated (or fuzzy): {msgid!r}")
        for m, errors in catalog.check():
            problems += [f"{po}: {m.id!r}: {e}" for e in errors]
    for p in problems:
        print(p)
    print(f"i18n: {len(wanted)} messages, {len(CATALOGS)} catalogs, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
