"""What the dispatcher reads to a caller with an emergency, before anything else.

Each emergency symptom (gas smell, water leak, burning smell) has instructions to read
out at once: turn the gas off at the meter, open the windows, do not switch anything on.
The defaults below are translated through the catalogue, so they appear in the
dispatcher's language. A company may replace them per symptom code and language with
``EMERGENCY_INSTRUCTIONS`` (``{"WH_GAS_SMELL": {"en": [...], "zh": [...]}}``, read from the
JSON file named by the ``EMERGENCY_INSTRUCTIONS_FILE`` environment variable); a language
missing from an override falls back to the default lines.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

GAS = (
    _l("Turn the gas off at the meter or the cylinder valve."),
    _l("Open the doors and windows."),
    _l("Do not switch anything on or off, do not use a lighter, a match or a doorbell."),
    _l("Leave the home and call us back from outside on a mobile phone."),
    _l("If anyone feels unwell, call 120 now."),
)
WATER = (
    _l("Close the water stopcock (usually under the sink or by the meter)."),
    _l("If water reaches sockets or wiring, switch the power off at the fuse box — only "
       "if the fuse box is dry, otherwise keep away."),
    _l("Unplug the appliance if you can do it with dry hands, standing somewhere dry."),
    _l("Move valuables and electrical items away from the water."),
)
BURNING = (
    _l("Switch the appliance off at the wall and unplug it, if it is safe to do so."),
    _l("Do not use water on an electrical fire."),
    _l("If there are flames or the smoke is thick, leave the home and call 119 now."),
    _l("Keep the door of the room closed."),
)

DEFAULTS = {
    "WH_GAS_SMELL": GAS,
    "WH_TANK_LEAK": WATER, "WM_FLOOD": WATER, "WM_LEAK": WATER, "AC_WATER_LEAK": WATER,
    "AC_BURNING": BURNING,
}
# An answer that turns any symptom into an emergency brings its instructions too.
BY_ANSWER = {("burning_smell", "yes"): "AC_BURNING", ("near_electrics", "yes"): "WM_FLOOD"}


def instructions(symptom_code: str | None, answers: dict | None = None) -> list[str]:
    """The lines to read to the caller, in the dispatcher's language; empty when the
    symptom and answers are no emergency."""
    from .symptoms import instruction_lines, is_emergency

    code = symptom_code if is_emergency(symptom_code) else None
    for (key, value), implied in BY_ANSWER.items():
        if code is None and (answers or {}).get(key) == value:
            code = implied
    if code is None:
        return []
    language = str(get_locale() or "en").split("_")[0]
    written = instruction_lines(code, language) or (
        None if code in DEFAULTS else instruction_lines(code, "en"))
    if written:  # set under /admin/symptoms
        return list(written)
    override = (current_app.config.get("EMERGENCY_INSTRUCTIONS") or {}).get(symptom_code or code)
    if override and override.get(language):
        return [str(line) for line in override[language]]
    return [str(line) for line in DEFAULTS.get(code, ())]
