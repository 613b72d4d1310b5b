"""What customers report, per product category, and what the desk asks next.

Each symptom carries the priority it starts at and guided follow-up questions; an answer
may raise the priority (water still flowing, a burning smell). Gas and water leaks are
emergencies: on site within two hours. Codes are stable (stored on orders as
``symptom_code``, used by the demo data); labels are translated.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from flask_babel import lazy_gettext as _l

PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "emergency": 3}


@dataclass(frozen=True)
class Choice:
    key: str
    label: object  # a lazy string


@dataclass(frozen=True)
class Question:
    key: str
    label: object
    # Empty: a free-text answer.
    choices: tuple[Choice, ...] = ()
    # answer key → the priority that answer calls for
    raises: dict[str, str] = field(default_factory=dict)
    # Answers an admin withdrew: no longer offered, still named on the orders that hold them.
    retired: tuple[Choice, ...] = ()

    def choice_label(self, key: str):
        return next((c.label for c in (*self.choices, *self.retired) if c.key == key), key)


@dataclass(frozen=True)
class Symptom:
    code: str
    category: str | None  # None: offered for every category
    label: object
    priority: str = "normal"
    questions: tuple[Question, ...] = ()
    # Needs the free description filled in (e.g. "something else").
    needs_description: bool = False
    # Questions an admin withdrew: no longer asked, still named on the orders that hold them.
    withdrawn: tuple[Question, ...] = ()

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)

    def known_question(self, key: str) -> Question | None:
        """An asked or withdrawn question: what an order's stored answer is labelled by."""
        return self.question(key) or next((q for q in self.withdrawn if q.key == key), None)


YES, NO, UNSURE = Choice("yes", _l("Yes")), Choice("no", _l("No")), Choice("unsure", _l("Not sure"))
YES_NO = (YES, NO)

# Questions several symptoms share.
SINCE = Question("since", _l("Since when?"), (
    Choice("today", _l("Today")), Choice("days", _l("A few days")),
    Choice("weeks", _l("A week or more"))))
WHEN_NOISE = Question("when", _l("At start-up or while running?"), (
    Choice("startup", _l("At start-up")), Choice("running", _l("While running")),
    Choice("stopping", _l("When it stops"))))
BURNING = Question("burning_smell", _l("Any burning smell?"), YES_NO, {"yes": "emergency"})
MOVED = Question("moved", _l("Moved or reinstalled recently?"), YES_NO)
ERROR_CODE = Question("error_code", _l("Error code on the display, if any"))
STILL_FLOWING = Question("still_flowing", _l("Is water still flowing now?"), YES_NO,
                         {"yes": "emergency"})
NEAR_ELECTRICS = Question("near_electrics", _l("Is water reaching sockets or wiring?"),
                          (YES, NO, UNSURE), {"yes": "emergency", "unsure": "high"})
WATER_OFF = Question("water_off", _l("Water turned off at the stopcock?"), YES_NO)
UNPLUGGED = Question("power_off", _l("Appliance unplugged or switched off?"), YES_NO)
BREAKER = Question("breaker", _l("Has the breaker or RCD tripped?"), (YES, NO, UNSURE))

OTHER = Symptom("OTHER", None, _l("Something else (describe it below)"),
                questions=(SINCE,), needs_description=True)

SYMPTOMS: tuple[Symptom, ...] = (
    # Air conditioners
    Symptom("AC_NOT_COOLING", "air_conditioner", _l("Not cooling or not heating"),
            questions=(SINCE, Question("outdoor_unit", _l("Is the outdoor unit running?"),
                                       (YES, NO, UNSURE)), ERROR_CODE)),
    Symptom("AC_WATER_LEAK", "air_conditioner", _l("Indoor unit leaking water"), "high",
            (NEAR_ELECTRICS, Question("amount", _l("How much water?"), (
                Choice("drips", _l("A few drips")), Choice("stream", _l("A steady stream")))))),
    Symptom("AC_ERROR_E1", "air_conditioner", _l("Error code, stops after a few minutes"),
            questions=(ERROR_CODE, SINCE)),
    Symptom("AC_NOISE", "air_conditioner", _l("Noise or rattling"),
            questions=(WHEN_NOISE, BURNING, MOVED)),
    Symptom("AC_NO_POWER", "air_conditioner", _l("Does not switch on"),
            questions=(BREAKER, Question("remote", _l("New batteries in the remote?"),
                                         YES_NO))),
    Symptom("AC_BURNING", "air_conditioner", _l("Burning smell or smoke"), "emergency",
            (UNPLUGGED,)),
    # Washing machines
    Symptom("WM_NO_DRAIN", "washing_machine", _l("Does not drain"),
            questions=(ERROR_CODE, Question("water_in_drum", _l("How much water is left?"), (
                Choice("full", _l("Drum full")), Choice("some", _l("A little")))))),
    Symptom("WM_LEAK", "washing_machine", _l("Leaking underneath"), "high",
            (STILL_FLOWING, Question("cycle", _l("During which part of the cycle?"), (
                Choice("fill", _l("Filling")), Choice("wash", _l("Washing")),
                Choice("spin", _l("Spinning")))), NEAR_ELECTRICS)),
    Symptom("WM_FLOOD", "washing_machine", _l("Burst hose or flooding"), "emergency",
            (WATER_OFF, UNPLUGGED)),
    Symptom("WM_SPIN_NOISE", "washing_machine", _l("Banging or shaking on spin"),
            questions=(WHEN_NOISE, BURNING, MOVED)),
    Symptom("WM_DOOR_LOCKED", "washing_machine", _l("Door stays locked"),
            questions=(Question("water_in_drum", _l("Is there water in the drum?"), YES_NO),)),
    Symptom("WM_NO_START", "washing_machine", _l("Does not start"),
            questions=(BREAKER, ERROR_CODE)),
    # Water heaters
    Symptom("WH_GAS_SMELL", "water_heater", _l("Smell of gas"), "emergency",
            (Question("gas_off", _l("Gas turned off at the meter?"), YES_NO),
             Question("windows", _l("Windows open, no switches touched?"), YES_NO),
             Question("unwell", _l("Is anyone feeling unwell?"), YES_NO))),
    Symptom("WH_TANK_LEAK", "water_heater", _l("Tank or pipe leaking water"), "emergency",
            (WATER_OFF, NEAR_ELECTRICS)),
    Symptom("WH_NO_HOT_WATER", "water_heater", _l("No hot water"),
            questions=(Question("fuel", _l("Gas or electric?"), (
                Choice("gas", _l("Gas")), Choice("electric", _l("Electric")), UNSURE)),
                Question("light", _l("Is the indicator light on?"), YES_NO), SINCE)),
    Symptom("WH_TRIPS", "water_heater", _l("Trips the electrics"), "high",
            (Question("when", _l("Straight away or after heating a while?"), (
                Choice("at_once", _l("Straight away")),
                Choice("later", _l("After a while")))),)),
    Symptom("WH_TEMP_SWINGS", "water_heater", _l("Temperature swings hot and cold"),
            questions=(SINCE,)),
    Symptom("WH_RELIEF_DRIP", "water_heater", _l("Relief valve dripping"),
            questions=(Question("amount", _l("How much water?"), (
                Choice("drips", _l("A few drips")), Choice("stream", _l("A steady stream")))),),
            ),
    # Refrigerators
    Symptom("RF_NOT_COLD", "refrigerator", _l("Not cold enough"), "high",
            (Question("compartment", _l("Which compartment?"), (
                Choice("fridge", _l("Fridge")), Choice("freezer", _l("Freezer")),
                Choice("both", _l("Both")))),
             Question("temperature", _l("Temperature shown, if any")))),
    Symptom("RF_NO_START", "refrigerator", _l("Light on, compressor never starts"), "high",
            (SINCE,)),
    Symptom("RF_NOISE", "refrigerator", _l("Loud noise or humming"),
            questions=(WHEN_NOISE, MOVED)),
    Symptom("RF_WATER", "refrigerator", _l("Water inside or under the fridge"),
            questions=(Question("where", _l("Where is the water?"), (
                Choice("inside", _l("Inside")), Choice("under", _l("Underneath")),
                Choice("both", _l("Both")))),)),
    # Range hoods
    Symptom("RH_WEAK_SUCTION", "range_hood", _l("Weak extraction"),
            questions=(Question("last_clean", _l("When was it last cleaned?"), (
                Choice("recent", _l("In the last six months")),
                Choice("long_ago", _l("Longer ago")))),)),
    Symptom("RH_NOISE", "range_hood", _l("Very noisy"), questions=(WHEN_NOISE, BURNING)),
    Symptom("RH_NO_POWER", "range_hood", _l("Buttons and light dead"), questions=(BREAKER,)),
    Symptom("RH_OIL_DRIP", "range_hood", _l("Grease dripping"), "low"),
)

BY_CODE = {s.code: s for s in (*SYMPTOMS, OTHER)}


class Bilingual:
    """A label an admin wrote in both languages (``/admin/symptoms``): it reads in the
    language of the request, like the catalogue's lazy strings."""

    def __init__(self, en: str, zh: str):
        self.en, self.zh = en, zh

    def __str__(self) -> str:
        from flask_babel import get_locale

        return self.zh if str(get_locale() or "en").startswith("zh") else self.en

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash((self.en, self.zh))


# Symptoms whose emergency instructions come with the code (server/intake/emergency.py).
DEFAULT_INSTRUCTIONS = frozenset({"WH_GAS_SMELL", "WH_TANK_LEAK", "WM_FLOOD", "WM_LEAK",
                                  "AC_WATER_LEAK", "AC_BURNING"})


def changes() -> dict:
    """What an admin changed or added in the catalogue: code → entry (labels in English and
    Chinese, category, priority, emergency flag, instructions, offered or not)."""
    from ..settings.service import get as setting

    return setting("SYMPTOM_CATALOGUE")


def edited_questions() -> dict:
    """Symptoms whose questions an admin edited: code → list of question entries, in the
    order asked (``server/settings/service.py::save_questions`` writes them)."""
    from ..settings.service import get as setting

    return setting("SYMPTOM_QUESTIONS")


def _choice(entry: dict) -> Choice:
    return Choice(entry["key"], Bilingual(entry["label_en"], entry["label_zh"]))


def _question(entry: dict) -> Question:
    choices = entry.get("choices") or []
    return Question(
        entry["key"], Bilingual(entry["label_en"], entry["label_zh"]),
        tuple(_choice(c) for c in choices if c.get("active", True)),
        {c["key"]: c["raises"] for c in choices if c.get("raises") and c.get("active", True)},
        tuple(_choice(c) for c in choices if not c.get("active", True)))


def _questions(entries: list[dict]) -> tuple[tuple[Question, ...], tuple[Question, ...]]:
    """(asked, withdrawn) from an admin's question entries."""
    made = [(_question(e), e.get("active", True)) for e in entries]
    return tuple(q for q, on in made if on), tuple(q for q, on in made if not on)


def catalogue(include_inactive: bool = False) -> dict[str, Symptom]:
    """Every symptom by code: the built-in ones with the admin's changes, and those added.
    Questions are the admin's when edited, else those of the built-in symptom (an added
    symptom asks none until an admin writes some)."""
    changed, asked = changes(), edited_questions()
    if not changed and not asked:
        return BY_CODE
    result = dict(BY_CODE)
    for code, entry in changed.items():
        base = BY_CODE.get(code)
        if not entry.get("active", True) and not include_inactive and code != "OTHER":
            result.pop(code, None)
            continue
        result[code] = Symptom(
            code, entry.get("category"), Bilingual(entry["label_en"], entry["label_zh"]),
            entry.get("priority", "normal"), base.questions if base else (),
            base.needs_description if base else False)
    for code, entries in asked.items():
        if code in result:
            questions, withdrawn = _questions(entries)
            result[code] = replace(result[code], questions=questions, withdrawn=withdrawn)
    other = result.pop("OTHER")
    result["OTHER"] = other  # "something else" stays last
    return result


def active() -> list[Symptom]:
    """The offered symptoms but "something else" (the SYMPTOMS of the current catalogue)."""
    return [s for s in catalogue().values() if s.code != "OTHER"]


def for_category(category: str | None) -> list[Symptom]:
    """The picklist for a product category (every symptom when it is not known yet)."""
    every = catalogue()
    return [s for s in every.values()
            if s.code != "OTHER" and (category is None or s.category == category)] \
        + [every["OTHER"]]


def get(code: str | None) -> Symptom | None:
    """A symptom by code; one an admin stopped offering is still known (orders keep it)."""
    return catalogue(include_inactive=True).get(code) if code else None


def is_emergency(code: str | None) -> bool:
    """Whether instructions are read to the caller for this symptom."""
    entry = changes().get(code) if code else None
    return bool(entry["emergency"]) if entry else code in DEFAULT_INSTRUCTIONS


def instruction_lines(code: str, language: str) -> list[str] | None:
    """The admin's instructions for ``code`` in ``language``, None when none are set."""
    entry = changes().get(code) or {}
    return entry.get(f"instructions_{language}") or None


def answer_priority(symptom: Symptom, answers: dict[str, str]) -> tuple[str, Question | None]:
    """The symptom's priority raised by the answers, and the question that raised it."""
    priority, because = symptom.priority, None
    for question in symptom.questions:
        wanted = question.raises.get(answers.get(question.key, ""))
        if wanted and PRIORITY_RANK[wanted] > PRIORITY_RANK[priority]:
            priority, because = wanted, question
    return priority, because


_BUILT_IN_WORDS: dict[str, tuple[str, str]] = {}


def _both(label) -> tuple[str, str]:
    """A label in English and Chinese. The built-in words are looked up once per process
    (the catalogues do not change while it runs): a first sync does not pay for them."""
    from flask_babel import force_locale

    if isinstance(label, Bilingual):
        return label.en, label.zh
    key = getattr(label, "_args", (str(id(label)),))[0]
    if key in _BUILT_IN_WORDS:
        return _BUILT_IN_WORDS[key]
    with force_locale("en"):
        en = str(label)
    with force_locale("zh"):
        zh = str(label)
    _BUILT_IN_WORDS[key] = (en, zh)
    return en, zh


def wire_catalogue() -> dict[str, dict]:
    """The catalogue as the phones receive it (docs/sync-protocol.md §7b): code → labels
    in both languages, category, offered or not, and ``questions`` — the intake questions
    with their answers' labels when an admin rewrote them, else null (the app carries the
    built-in questions' words)."""
    edited, changed = edited_questions(), changes()
    result = {}
    for code, symptom in catalogue(include_inactive=True).items():
        en, zh = _both(symptom.label)
        questions = None
        if code in edited:
            questions = [{"key": q["key"], "label_en": q["label_en"], "label_zh": q["label_zh"],
                          "active": q.get("active", True),
                          "choices": [{"key": c["key"], "label_en": c["label_en"],
                                       "label_zh": c["label_zh"]} for c in q["choices"]]}
                         for q in edited[code]]
        result[code] = {"label_en": en, "label_zh": zh, "category": symptom.category,
                        "active": code == "OTHER" or changed.get(code, {}).get("active", True),
                        "questions": questions}
    return result
