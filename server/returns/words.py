"""The request's stored codes as words (both catalogues hold each label)."""

from flask_babel import lazy_gettext as _l

STATE_LABELS = {"requested": _l("Return requested"), "refused": _l("Return refused"),
                "inspecting": _l("Being inspected"), "inspected": _l("Inspected"),
                "decided": _l("Return decided")}
REASON_LABELS = {"performance_fault": _l("Performance fault"),
                 "arrived_damaged": _l("Arrived damaged"),
                 "not_as_described": _l("Not as described"), "other": _l("Another reason")}
WISH_LABELS = {"refund": _l("My money back"), "exchange": _l("A new unit")}
DECISION_LABELS = {"refund": _l("Refund"), "exchange": _l("Exchange"),
                   "repair": _l("Repair in warranty"), "decline": _l("Declined")}
WINDOW_LABELS = {"refund": _l("Refund window"), "exchange": _l("Exchange window"),
                 "warranty": _l("Warranty repair window"), None: _l("Outside the policy")}
FINDING_LABELS = {"fault_confirmed": _l("Fault confirmed"),
                  "not_reproduced": _l("Fault not reproduced"),
                  "misuse": _l("Damage by misuse")}
MODE_LABELS = {"on_site": _l("On site"), "workshop": _l("In the workshop")}
CHANNEL_LABELS = {"portal": _l("Customer page"), "console": _l("Office"), "api": _l("API")}
