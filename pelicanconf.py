# Pelican settings of the portal: declarative, no logic. `portal build` and `pelican -s pelicanconf.py`
# both build from here. The plugin's own settings are the one key PORTAL_PAGES (validated; see
# plugins/portal_pages/settings.py for every key).

AUTHOR = "Landesredaktion (Demo)"
SITENAME = "Verwaltungsportal Hessen (Demo)"
SITEURL = ""
TIMEZONE = "Europe/Berlin"
DEFAULT_LANG = "de"

PATH = "content"
OUTPUT_PATH = "output"
THEME = "theme"
THEME_STATIC_DIR = "theme"
THEME_STATIC_PATHS = ["static"]
STATIC_PATHS = []
# portal_pages deletes what it no longer writes (incremental build: .portal-manifest.json)
DELETE_OUTPUT_DIRECTORY = False

PLUGINS = ["plugins.portal_pages", "plugins.search_index", "plugins.content_api"]

# Editorial pages (content/pages/<lang>/*.md) are read by Pelican and rendered by portal_pages.
PAGE_PATHS = ["pages"]
ARTICLE_PATHS = []
PAGE_SAVE_AS = ""
PAGE_LANG_SAVE_AS = ""
PAGE_URL = ""
PAGE_LANG_URL = ""
PAGE_TRANSLATION_ID = "slug"
DIRECT_TEMPLATES = []
ARTICLE_SAVE_AS = ""
ARTICLE_LANG_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

PORTAL_PAGES = {
    "store": "var/portal.sqlite",
    "site_name": "Verwaltungsportal Hessen (Demo)",
    "site_url": "",
    # the demo builds the subsites of these Kreise and kreisfreie Städte ([] builds all of Hessen)
    "gebiete": ["06636", "06631", "06611", "06414"],
    "top_leika": [
        "99008001012000",  # Personalausweis beantragen
        "99115005104000",  # Wohnsitz anmelden
        "99085001012000",  # Reisepass beantragen
        "99036020001000",  # Fahrzeug zulassen
        "99102013104000",  # Hundesteuer: Hund anmelden
        "99050012104000",  # Gewerbe anmelden
    ],
    "kontakt_email": "redaktion@verwaltungsportal.example",
    # the municipalities' folders: sites/<subsite>/ (settings, logo, own pages, local additions; the demo has
    # sites/wanfried/). See the README, "For municipalities".
    "sites_ordner": "sites",
    # the Erklärung zur Barrierefreiheit (generated from content/barrierefreiheit/), "Barriere melden" on
    # every page, and the sign-language videos of BITV 2.0 Anlage 2 (none in the demo: each topic is shown
    # as missing and listed as a known barrier). A video: {"datei": "medien/dgs/inhalt.mp4" or an https URL,
    # "bytes": 48200000, "sekunden": 165, "text": "what is signed, in German"}.
    "barrierefreiheit": {
        "melden_an": "barrierefreiheit@verwaltungsportal.example",
        "schlichtungsstelle": "https://www.schlichtungsstelle-bgg.de",
        "dgs": {},
    },
    # the editors' data-quality page (redaktion/datenqualitaet/) and `portal qualitaet`: the languages every
    # service should have its texts in; expected sections in plugins/portal_pages/qualitaet.yaml (README)
    "qualitaet": {"sprachen": ["en"]},
}

# The search (plugins/search_index): which index each page language searches (built: de, en).
SEARCH_INDEX = {
    "index_sprachen": {"de": "de", "de-x-ls": "de", "ar": "de", "en": "en"},
    "text_woerter": 0,  # measured: the description adds bytes, not recall (see README, Search)
}

# The static content API (plugins/content_api): JSON, CSV, JSON Schema and a DCAT-AP.de catalogue below
# api/v1/ (see the README, Content API). The licence is what the catalogue and index.json say about the data.
CONTENT_API = {
    "pfad": "api/v1",
    "lizenz": "http://dcat-ap.de/def/licenses/dl-by-de/2.0",
    "lizenz_name": "Datenlizenz Deutschland – Namensnennung – Version 2.0",
    "herausgeber": "Landesredaktion Hessen (Demo)",
    "titel": "Verwaltungsleistungen Hessen (Demo)",
}
