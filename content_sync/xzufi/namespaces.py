"""The XZuFi namespaces this parser accepts, and how to tell them apart."""

from __future__ import annotations

XZUFI_2_2_0 = "http://xoev.de/schemata/xzufi/2_2_0"
XZUFI_2_3_1 = "http://xoev.de/schemata/xzufi/2_3_1"
SUPPORTED = {XZUFI_2_2_0: "2.2.0", XZUFI_2_3_1: "2.3.1"}
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# Gebiet ids sometimes come as URN (seen in FIT-Connect); the ARS is the last part.
ARS_URN_PREFIX = "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs:"


def localname(tag: object) -> str:
    """The local part of an lxml tag (``{ns}name`` -> ``name``); '' for comments and PIs."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace(tag: object) -> str:
    if not isinstance(tag, str) or not tag.startswith("{"):
        return ""
    return tag[1:].partition("}")[0]
