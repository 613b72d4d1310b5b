"""The Simplified Chinese catalogue is complete: every message translated, placeholders kept,
and every stored value the console shows through ``_()`` listed, so a new status, type or
root cause cannot ship untranslated.

Reads the .po source with Babel, so it needs no compiled .mo.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from server.accounts.models import Role
from server.assets.models import ProductCategory
from server.workorders.lifecycle import Status
from server.workorders.models import Channel, OrderType, Priority, SlaState
from server.workorders.service import ROOT_CAUSES

ROOT = Path(__file__).resolve().parents[2]
ZH_PO = ROOT / "server" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifeEgGxXor]")
CJK = re.compile(r"[\u4e00-\u9fff]")

ENUMS = {
    "Status": list(Status),
    "Priority": list(Priority),
    "OrderType": list(OrderType),
    "Channel": list(Channel),
    "SlaState": list(SlaState),
    "ProductCategory": list(ProductCategory),
    "Role": list(Role),
    "ROOT_CAUSES": list(ROOT_CAUSES),
    "warranty_status": ["in_warranty", "out_of_warranty", "unknown"],
}


@pytest.fixture(scope="module")
def catalog():
    with ZH_PO.open("rb") as f:
        return read_po(f, locale="zh")


def _messages(catalog):
    return [m for m in catalog if m.id]


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def test_the_catalogue_is_for_simplified_chinese_with_one_plural_form(catalog):
    assert str(catalog.locale) == "zh"
    assert catalog.num_plurals == 1


def test_every_message_in_the_code_is_in_the_catalogue(catalog):
    """Extract as ``make translations-extract`` does."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options = parse_mapping_cfg(f, "babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
    in_code = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(
            ROOT, method_map, options, keywords=keywords,
            directory_filter=lambda path: Path(path).relative_to(ROOT).parts[:1] == ("server",))
    }
    assert len(in_code) > 100
    missing = sorted(in_code - {m.id if isinstance(m.id, str) else m.id[0]
                                for m in _messages(catalog)})
    assert missing == [], "run pybabel extract and pybabel update, then translate"


def test_every_message_has_a_translation(catalog):
    untranslated = [m.id for m in _messages(catalog) if not all(s.strip() for s in _strings(m))]
    assert untranslated == []


def test_no_translation_is_fuzzy(catalog):
    assert [m.id for m in _messages(catalog) if m.fuzzy] == []


def test_no_obsolete_messages_linger(catalog):
    assert list(catalog.obsolete) == []


def test_placeholders_are_kept_in_every_translation(catalog):
    broken = []
    for message in _messages(catalog):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in _strings(message):
            if set(PLACEHOLDER.findall(string)) != wanted:
                broken.append((ids[0], string))
    assert broken == []


def test_babel_finds_no_format_errors(catalog):
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == []


def test_messages_with_placeholders_are_flagged_python_format(catalog):
    unflagged = [m.id for m in _messages(catalog)
                 if PLACEHOLDER.search(m.id if isinstance(m.id, str) else m.id[0])
                 and not m.python_format]
    assert unflagged == []


def test_translations_are_chinese_not_copied_english(catalog):
    # Brand names and "App" are written in Latin letters in Chinese text too.
    latin_ok = {"Doorstep", "app"}
    copied = [m.id for m in _messages(catalog)
              if m.id not in latin_ok and not any(CJK.search(s) for s in _strings(m))]
    assert copied == []


@pytest.mark.parametrize(("enum", "value"), [
    pytest.param(name, str(value), id=f"{name}.{value}")
    for name, values in ENUMS.items() for value in values
])
def test_every_enum_value_is_in_the_catalogue(catalog, enum, value):
    message = catalog.get(value)
    assert message is not None, f"{enum} value {value!r} is missing: add it to " \
                                f"server/console/vocabulary.py and update the catalogue"
    assert message.string.strip() and not message.fuzzy


def test_the_status_words_a_service_desk_uses(catalog):
    words = {m.id: m.string for m in _messages(catalog) if isinstance(m.id, str)}
    assert words["new"] == "新建"
    assert words["on_site"] == "已到场"
    assert words["awaiting_parts"] == "待配件"
    assert words["out_of_warranty"] == "已过保"
    assert words["Work orders"] == "工单"
    assert words["technician"] == "技师"


def _message_keys(path: Path) -> list[tuple[str | None, str]]:
    """Every (msgctxt, msgid) defined in a .po file, in order, duplicates kept (Babel's
    reader would silently keep only one of two definitions)."""
    keys, context, current, field = [], None, None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("msgctxt "):
            context, field = line[8:].strip()[1:-1], "ctxt"
        elif line.startswith("msgid "):
            current, field = line[6:].strip()[1:-1], "id"
        elif line.startswith('"') and field == "id":
            current += line.strip()[1:-1]
        elif line.startswith("msgstr") or line.startswith("msgid_plural") or not line.strip():
            if current is not None and field == "id":
                keys.append((context, current))
            if not line.strip():
                context, current = None, None
            field = None
    return keys


@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_message_is_defined_twice(language):
    """msgfmt refuses a catalogue with a message defined twice (two branches appending the
    same label is how it happens)."""
    keys = _message_keys(ROOT / "server" / "translations" / language / "LC_MESSAGES"
                         / "messages.po")
    seen, twice = set(), []
    for key in keys:
        if key in seen:
            twice.append(key[1])
        seen.add(key)
    assert not twice, f"defined twice in {language}/messages.po: {twice}"
