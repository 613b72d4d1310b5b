"""The technician app has a word, in both languages, for every code the server may send
it: symptoms, intake questions and answers, sync rejection reasons.

Reads the app's catalogue (pwa/js/messages.js) through Node, as the app does.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from server.intake.symptoms import BY_CODE

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def messages():
    node = shutil.which("node")
    assert node, "Node.js is needed to read the app's catalogue (apt-get install nodejs)"
    script = ("import { MESSAGES } from './pwa/js/messages.js';"
              "console.log(JSON.stringify(MESSAGES));")
    result = subprocess.run([node, "--input-type=module", "-e", script], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


def _key(messages, language, *candidates):
    return next((messages[language][k] for k in candidates if k in messages[language]), None)


@pytest.mark.parametrize("code", sorted(BY_CODE))
def test_every_symptom_has_words_for_its_questions_and_answers(messages, code):
    symptom = BY_CODE[code]
    for language in ("en", "zh"):
        assert _key(messages, language, f"symptom.{code}"), (language, code)
        for question in symptom.questions:
            label = _key(messages, language, f"intake.{code}.{question.key}",
                         f"intake.{question.key}")
            assert label, (language, code, question.key)
            assert label == (str(question.label._args[0]) if language == "en" else label)
            for choice in question.choices:
                assert _key(messages, language, f"answer.{code}.{question.key}.{choice.key}",
                            f"answer.{question.key}.{choice.key}"), \
                    (language, code, question.key, choice.key)
    assert CJK.search(messages["zh"][f"symptom.{code}"])


def _rejection_reasons() -> set[str]:
    source = (ROOT / "sync" / "mutations.py").read_text()
    lifecycle = (ROOT / "server" / "workorders" / "lifecycle.py").read_text()
    return (set(re.findall(r'Rejected\(\s*"(\w+)"', source))
            | set(re.findall(r'TransitionError\(\s*"(\w+)"', lifecycle)))


def test_every_reason_a_change_is_refused_has_words_and_a_next_step(messages):
    reasons = _rejection_reasons()
    assert {"not_in_scope", "no_longer_yours", "not_allowed"} <= reasons
    for language in ("en", "zh"):
        missing = sorted(r for r in reasons if f"reject.{r}" not in messages[language]
                         or f"todo.{r}" not in messages[language])
        assert missing == [], language


def test_both_languages_hold_the_same_keys(messages):
    assert set(messages["en"]) == set(messages["zh"])
