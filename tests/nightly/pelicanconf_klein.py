"""The portal's Pelican settings with a smaller site for the nightly tests: the Land portal, Wanfried and the
Kreise and Regierungsbezirke that have Zustaendigkeiten (about 1,600 pages instead of 7,200). Used with
``portal nightly --pelican-settings tests/nightly/pelicanconf_klein.py``."""

from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
_settings: dict = {}
exec((_ROOT / "pelicanconf.py").read_text(encoding="utf-8"), _settings)
globals().update({k: v for k, v in _settings.items() if k.isupper()})

PATH = str(_ROOT / "content")
THEME = str(_ROOT / "theme")
PORTAL_PAGES = {**_settings["PORTAL_PAGES"], "gebiete": ["066360013"]}
