"""Code lists the parser maps to our models."""

from __future__ import annotations

from content_sync.models import Kanal

# Kommunikationskanal: the XZuFi code list name and values were not observed in any public source; these are
# the codes our demo export uses and that the parser accepts, plus the plain words.
KANAL: dict[str, Kanal] = {
    "01": Kanal.TELEFON,
    "02": Kanal.FAX,
    "03": Kanal.EMAIL,
    "04": Kanal.WEB,
    "telefon": Kanal.TELEFON,
    "fax": Kanal.FAX,
    "email": Kanal.EMAIL,
    "e-mail": Kanal.EMAIL,
    "web": Kanal.WEB,
    "internet": Kanal.WEB,
}
KANAL_CODE: dict[Kanal, str] = {Kanal.TELEFON: "01", Kanal.FAX: "02", Kanal.EMAIL: "03", Kanal.WEB: "04"}

ANSCHRIFTTYP_LIST = "urn:xoev-de:fim:codeliste:xzufi.anschrifttyp"
TEXTMODUL_LIST = "urn:de:xzufi:codeliste:leistungstextmodulleika"
PVLAGEN_LIST = "urn:xoev-de:fim:codeliste:pvlagen"
VERTRAUENSNIVEAU_LIST = "urn:xoev-de:fim:codeliste:vertrauensniveau"
ONLINEDIENSTLINKTYP_LIST = "urn:xoev-de:fim:codeliste:onlinedienstlinktyp"
LEISTUNGSADRESSAT_LIST = "urn:xoev-de:fim:codeliste:leistungsadressat"

# Leichte Sprache has no CLDR locale and its XZuFi languageCode was not observed; we normalise the spellings
# seen in the wild to the BCP 47 private-use tag "de-x-ls".
LANGUAGE_ALIASES: dict[str, str] = {
    "de-ls": "de-x-ls",
    "de_ls": "de-x-ls",
    "de-x-ls": "de-x-ls",
    "de-x-leichte-sprache": "de-x-ls",
    "de-leichte-sprache": "de-x-ls",
    "ls": "de-x-ls",
}


def normalise_language(code: str | None, default: str = "de") -> str:
    """``de-DE`` -> ``de``, ``EN`` -> ``en``, Leichte Sprache spellings -> ``de-x-ls``."""
    if not code or not code.strip():
        return default
    value = code.strip().lower().replace("_", "-")
    if value in LANGUAGE_ALIASES:
        return LANGUAGE_ALIASES[value]
    primary = value.split("-", 1)[0]
    if not primary.isalpha() or not 2 <= len(primary) <= 3:
        raise ValueError(f"invalid languageCode {code!r}")
    return primary
