"""The text helpers: plain text with its structure, sentences, short texts; hostile markup stays out."""

from __future__ import annotations

from plugins.content_api.texte import erste_saetze, klartext, kuerzen, saetze, sicheres_html


def test_plain_text_keeps_paragraphs_and_list_items_apart() -> None:
    html = "<p>Erster <b>Absatz</b>.</p><p>Zweiter.</p><ul><li>eins</li><li>zwei<ol><li>a</li><li>b</li></ol></li></ul>"
    assert klartext(html) == "Erster Absatz.\nZweiter.\n- eins\n- zwei\n1. a\n2. b"
    assert (
        klartext("<table><tr><td>Gebühr</td><td>37 €</td></tr></table>Rest &amp; mehr")
        == "Gebühr 37 €\nRest & mehr"
    )
    assert klartext("nur Text") == "nur Text"
    assert klartext("") == klartext(None) == klartext("<p> </p>") == ""


def test_what_the_sanitiser_removes_is_in_neither_form() -> None:
    html = (
        '<p onclick="XSS1()">Sichtbar<script>XSS2()</script><a href="javascript:XSS3()">Link</a>'
        '<iframe srcdoc="XSS4"></iframe><style>XSS5{}</style><svg><title>XSS6</title></svg></p>'
    )
    for form in (sicheres_html(html), klartext(html)):
        assert "Sichtbar" in form and "Link" in form
        assert "XSS" not in form and "javascript" not in form
    assert 'rel="noopener noreferrer"' in sicheres_html('<a href="https://x.example">x</a>')


def test_absurdly_deep_markup_still_gives_its_text() -> None:
    assert klartext("<ul><li>" * 3000 + "tief" + "</li></ul>" * 3000).endswith("tief")


def test_sentences_know_abbreviations_and_ordinals() -> None:
    text = "Sie brauchen z. B. einen Ausweis. Am 31. Dezember geht es nicht! Gilt das? Ja"
    assert saetze(text) == [
        "Sie brauchen z. B. einen Ausweis.",
        "Am 31. Dezember geht es nicht!",
        "Gilt das?",
        "Ja",
    ]
    assert saetze("هل تحتاج إلى بطاقة؟ نعم.") == ["هل تحتاج إلى بطاقة؟", "نعم."]


def test_first_sentences_one_or_two_within_the_limit() -> None:
    teaser = "Melden Sie Ihren Hund an. Das geht online."
    kurz = "Die Gemeinde erhebt eine Steuer."
    assert erste_saetze([teaser, kurz], 300) == "Melden Sie Ihren Hund an. Das geht online."
    assert erste_saetze(["Erster Satz.", kurz], 300) == "Erster Satz. Die Gemeinde erhebt eine Steuer."
    assert erste_saetze(["Erster Satz.", kurz], 20) == "Erster Satz."
    lang = "Wort " * 100 + "Ende."
    gekuerzt = erste_saetze([lang], 80)
    assert len(gekuerzt) <= 80 and gekuerzt.endswith("…")
    assert erste_saetze([], 300) == erste_saetze([""], 300) == ""


def test_short_text_cuts_at_a_word() -> None:
    assert kuerzen("kurz", 40) == "kurz"
    assert (
        kuerzen("eins zwei drei vier fünf sechs sieben acht neun zehn elf", 40)
        == "eins zwei drei vier fünf sechs sieben…"
    )
