"""Every message of the reports, photos and verification page has a Chinese translation,
either in the catalogue or in tests/vectors/report_messages_zh.json (waiting to be merged
into server/translations/zh/LC_MESSAGES/messages.po)."""

import json
import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
MINE = ("server/reports/", "server/media/", "server/templates/reports/",
        "server/templates/verify")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _extracted() -> set[str]:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options = parse_mapping_cfg(f, "babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    return {
        message if isinstance(message, str) else message[0]
        for filename, _, message, _, _ in extract_from_dir(
            ROOT, method_map, options, keywords=keywords,
            directory_filter=lambda path: Path(path).relative_to(ROOT).parts[:1] == ("server",))
        if filename.startswith(MINE)
    }


def test_every_report_message_has_a_chinese_translation_to_merge():
    with (ROOT / "server/translations/zh/LC_MESSAGES/messages.po").open("rb") as f:
        catalogue = {m.id: m.string for m in read_po(f, locale="zh") if m.id and m.string}
    extra = json.loads((ROOT / "tests/vectors/report_messages_zh.json").read_text("utf-8"))
    messages = _extracted()
    assert len(messages) > 60
    assert sorted(messages - set(catalogue) - set(extra)) == []
    assert sorted(set(extra) - messages) == [], "translations for messages no longer used"
    for msgid, translation in extra.items():
        assert CJK.search(translation), msgid
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(translation)), \
            msgid
