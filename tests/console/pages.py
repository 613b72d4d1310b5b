"""Reading a rendered console page the way a person does: its visible words, and the codes
or untranslated English that should never be among them.

Used by ``test_no_raw_codes.py`` (every page, both languages, demo data).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import String, Text, select
from sqlalchemy.types import JSON

from server.console.vocabulary import codes
from server.extensions import db
from server.intake.symptoms import BY_CODE

# Attributes a person reads (hover text, screen readers, empty fields).
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
INVISIBLE = {"script", "style", "template", "noscript"}
CJK = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")
# A time with seconds, or an ISO timestamp: a machine's way of writing a moment.
SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
# Latin words a Chinese page may show: names of things, units and abbreviations that
# Chinese text writes in Latin letters too.
LATIN_OK = {"Doorstep", "SLA", "PDF", "App", "app", "km", "min", "CNY", "WO", "ID", "QR",
            "htmx", "OK", "Ctrl", "Esc", "Enter", "Tab", "English", "PAdES", "KB", "MB", "GB",
            "HTML", "ics", "SMS", "Markdown", "CSV", "XLSX",
            "PNG", "JPEG", "WebP", "SVG"}  # format names, written so in Chinese too
# Identifiers (a device's id, a hash) are not words.
IDENTIFIER = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
                        r"|\b[0-9a-f]{16,}\b")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0
        self._foreign: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in INVISIBLE:
            self._skip += 1
        elif tag != "html" and any(name == "lang" and value and not value.startswith("zh")
                                   for name, value in attrs):
            # Text marked as another language on purpose (a call script in the customer's
            # language) is not the page's own words.
            self._foreign.append(tag)
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value and value.strip():
                self.chunks.append(value.strip())

    def handle_endtag(self, tag):
        if tag in INVISIBLE and self._skip:
            self._skip -= 1
        elif self._foreign and tag == self._foreign[-1]:
            self._foreign.pop()
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.chunks.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    """The text nodes and read-aloud attributes of a page, whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    return parser.chunks


def _all_codes() -> list[str]:
    found = set(codes())
    for symptom in BY_CODE.values():
        found.add(symptom.code)
        for question in symptom.questions:
            found.add(question.key)
            found.update(choice.key for choice in question.choices)
    return sorted(found)


CODES = _all_codes()
# A code with an underscore is never a word, wherever it appears in the text.
_UNDERSCORED = re.compile(r"(?<![\w.@/-])(" + "|".join(
    re.escape(c) for c in sorted(CODES, key=len, reverse=True) if "_" in c) + r")(?![\w@/-])")
# A code that is also a word ("repair", "green") is raw only when it stands alone, as
# the code itself or with spaces for underscores ("en route", "(water heater)").
# (Intake answers' keys, "yes" or "today", are ordinary words: only the vocabulary's.)
_ALONE = {c.replace("_", " ") for c in codes()} | set(codes())
_PUNCTUATION = " ()[]·,:;.–-—|/"


def raw_codes(chunks: list[str]) -> list[str]:
    """Chunks of text that show a stored code instead of its word, or a time with seconds."""
    found = []
    for chunk in chunks:
        if _UNDERSCORED.search(chunk):
            found.append(chunk)
            continue
        pieces = [p.strip(_PUNCTUATION) for p in re.split(r"[·|→]", chunk)]
        if any(p in _ALONE for p in pieces if p):
            found.append(chunk)
        elif SECONDS.search(chunk):
            found.append(chunk)
    return found


def untranslated(chunks: list[str], data_words: set[str]) -> list[str]:
    """Chunks of a Chinese page holding English words that are not data (a customer's name,
    an address, a brand or model a dispatcher typed) nor Latin words Chinese text uses."""
    found = []
    for chunk in chunks:
        words = [w for w in LATIN_WORD.findall(IDENTIFIER.sub("", chunk))
                 if w not in LATIN_OK and w.lower() not in data_words]
        if words:
            found.append(chunk)
    return found


def stored_words(app) -> set[str]:
    """Every Latin word stored in the database (names, addresses, brands, notes) or set in
    the company's settings (its name on reports)."""
    words = {w.lower() for key, value in app.config.items()
             if key.startswith("DOORSTEP_COMPANY") and value
             for w in LATIN_WORD.findall(str(value))}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for value in row:
                if value:
                    words.update(w.lower() for w in LATIN_WORD.findall(str(value)))
    return words
