"""Console forms: each field checks its own shape and says what is wrong next to it.

Rules that need the database or several fields at once (is this symptom for this
appliance? does the override have a reason?) live in the services, which name the field
at fault; the views put those messages next to the same fields.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

PHONE = re.compile(r"^\+?[0-9 ()\-]{5,40}$")


class LoginForm(FlaskForm):
    # No Email() validator: it needs the email_validator package and refuses reserved
    # domains; a malformed address simply fails authentication like any wrong one.
    email = EmailField(_l("E-mail"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


CHANNELS = _choices([("phone", _l("Phone")), ("web", _l("Web form")), ("app", _l("App")),
                     ("email", _l("E-mail"))])
ORDER_TYPES = _choices([("repair", _l("Repair")), ("install", _l("Installation")),
                        ("maintenance", _l("Maintenance")), ("inspection", _l("Inspection")),
                        ("return_exchange", _l("Return or exchange"))])
SLOT_CHOICES = _choices([("any", _l("Any time")), ("morning", _l("Morning (8–12)")),
                         ("afternoon", _l("Afternoon (12–18)")),
                         ("evening", _l("Evening (18–21)"))])
PRIORITIES = _choices([("emergency", _l("Emergency")), ("high", _l("High")),
                       ("normal", _l("Normal")), ("low", _l("Low"))])
CATEGORIES = _choices([("air_conditioner", _l("Air conditioner")),
                       ("washing_machine", _l("Washing machine")),
                       ("water_heater", _l("Water heater")),
                       ("refrigerator", _l("Refrigerator")), ("range_hood", _l("Range hood"))])


class IntakeForm(FlaskForm):
    """A repair request. Which parts are required depends on the choices made: an existing
    customer or a new one, one of their addresses or a new one, an appliance on record, a
    new one or none."""

    channel = RadioField(_l("Channel"), choices=CHANNELS, default="phone",
                         validators=[InputRequired(_l("Say how the request came in."))])
    # existing | new: whether the caller is on record
    customer_mode = HiddenField(default="existing")
    customer_id = HiddenField()
    name = StringField(_l("Name"), [Optional(), Length(max=120)])
    phone = StringField(_l("Phone number"), [Optional(), Length(max=40)])
    email = EmailField(_l("E-mail"), [Optional(), Length(max=254)])
    language = SelectField(_l("Language"), choices=_choices([("zh", "中文"), ("en", "English")]),
                           default="zh")
    preferences = TextAreaField(_l("Preferences"), [Optional(), Length(max=1000)],
                                description=_l("One per line, e.g. “mornings only”."))
    # an address id, or "new"
    address_id = HiddenField()
    line1 = StringField(_l("Street address"), [Optional(), Length(max=200)])
    line2 = StringField(_l("Flat, floor"), [Optional(), Length(max=200)])
    district = StringField(_l("District"), [Optional(), Length(max=100)])
    city = StringField(_l("City"), [Optional(), Length(max=100)])
    postcode = StringField(_l("Postcode"), [Optional(), Length(max=20)])
    access_notes = StringField(_l("Access notes"), [Optional(), Length(max=500)])
    # an asset id, "new", or "none"
    asset_id = HiddenField()
    category = SelectField(_l("Product"), choices=[SelectChoice("", "—"), *CATEGORIES],
                           validators=[Optional()])
    brand = StringField(_l("Brand"), [Optional(), Length(max=80)])
    model = StringField(_l("Model"), [Optional(), Length(max=80)])
    serial = StringField(_l("Serial number"), [Optional(), Length(max=80)])
    production_batch = StringField(
        _l("Production batch"), [Optional(), Length(max=40)],
        description=_l("From the rating plate when it is printed there: batch-failure "
                       "detection groups appliances by it."))
    purchase_date = DateField(_l("Purchase date"), [Optional()])
    warranty_end = DateField(_l("Warranty ends"), [Optional()],
                             description=_l("From the warranty card; blank assumes the "
                                            "usual term for the product."))
    order_type = SelectField(_l("Job type"), choices=ORDER_TYPES, default="repair")
    symptom_code = StringField(_l("Symptom"), [Optional(), Length(max=60)])
    description = TextAreaField(_l("Description"), [Optional(), Length(max=5000)])
    preferred_date = DateField(_l("Preferred day"), [Optional()])
    preferred_slot = SelectField(_l("Preferred time"), choices=SLOT_CHOICES, default="any")
    customer_notes = TextAreaField(_l("Customer notes"), [Optional(), Length(max=2000)],
                                   description=_l("Parking, pets, who will be at home…"))
    priority = SelectField(_l("Priority"), choices=[SelectChoice("", _l("Automatic")),
                                                    *PRIORITIES],
                           default="", validators=[Optional()])
    respond_by_date = DateField(_l("Respond by (day)"), [Optional()])
    respond_by_time = TimeField(_l("Respond by (time)"), [Optional()])
    override_reason = StringField(_l("Reason for the override"),
                                  [Optional(), Length(max=500)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)

        def need(field, message):
            nonlocal ok
            if field.data is None or (isinstance(field.data, str) and not field.data.strip()):
                field.errors.append(message)
                ok = False

        new_customer = self.customer_mode.data == "new"
        if new_customer:
            need(self.name, _l("Enter the customer's name."))
            need(self.phone, _l("Enter a phone number to call back."))
            if self.phone.data and not PHONE.match(self.phone.data.strip()):
                self.phone.errors.append(_l("Use digits, spaces, + ( ) or -."))
                ok = False
        elif not self.customer_id.data:
            self.customer_id.errors.append(_l("Search for the customer or add a new one."))
            ok = False
        if new_customer or self.address_id.data == "new":
            need(self.line1, _l("Enter the street address."))
            need(self.city, _l("Enter the city."))
        elif not self.address_id.data:
            self.address_id.errors.append(_l("Choose the address for the visit."))
            ok = False
        if self.asset_id.data == "new":
            need(self.category, _l("Choose the kind of product."))
            need(self.brand, _l("Enter the brand."))
            need(self.model, _l("Enter the model, from the label."))
        elif not self.asset_id.data:
            self.asset_id.errors.append(_l("Choose the appliance, add it, or say there is "
                                           "none on record."))
            ok = False
        today = date.today()
        if self.asset_id.data == "new" and self.purchase_date.data:
            if self.purchase_date.data > today:
                self.purchase_date.errors.append(_l("The purchase date is in the future."))
                ok = False
            if self.warranty_end.data and self.warranty_end.data < self.purchase_date.data:
                self.warranty_end.errors.append(_l("The warranty cannot end before the "
                                                   "purchase."))
                ok = False
        if self.preferred_date.data:
            if self.preferred_date.data < today:
                self.preferred_date.errors.append(_l("The preferred day has passed."))
                ok = False
            elif self.preferred_date.data > today + timedelta(days=90):
                self.preferred_date.errors.append(_l("Book at most 90 days ahead."))
                ok = False
        if bool(self.respond_by_date.data) != bool(self.respond_by_time.data):
            (self.respond_by_time if self.respond_by_date.data else self.respond_by_date
             ).errors.append(_l("Give both the day and the time."))
            ok = False
        return ok


class AssignForm(FlaskForm):
    """Book an order with a technician (or move an appointment)."""

    technician_id = HiddenField(validators=[DataRequired(_l("Choose a technician."))])
    day = DateField(_l("Day"), [InputRequired(_l("Choose the day."))])
    start = TimeField(_l("From"), [InputRequired(_l("Choose the start time."))])
    end = TimeField(_l("To"), [InputRequired(_l("Choose the end time."))])
    version = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    loaded_at = HiddenField()

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The appointment must end after it starts."))


class UnassignForm(FlaskForm):
    reason = StringField(_l("Reason"), [DataRequired(_l("Say why the order goes back to the "
                                                        "queue.")), Length(max=500)])
    version = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    loaded_at = HiddenField()


class BulkForm(FlaskForm):
    """One action on several selected orders; ``sel`` values are ``<id>:<version>``."""

    action = SelectField(choices=_choices([("assign", "assign"), ("move", "move"),
                                           ("unassign", "unassign")]))
    technician_id = HiddenField()
    day = DateField(_l("Day"), [Optional()])
    reason = StringField(_l("Reason"), [Optional(), Length(max=500)])


class OrderEditForm(FlaskForm):
    """The office's edit of a request; ``version`` refuses a stale edit."""

    priority = SelectField(_l("Priority"), choices=PRIORITIES)
    type = SelectField(_l("Job type"), choices=ORDER_TYPES)
    description = TextAreaField(_l("Description"), [Optional(), Length(max=5000)])
    customer_notes = TextAreaField(_l("Customer notes"), [Optional(), Length(max=2000)])
    reason = StringField(_l("Reason for a priority change"), [Optional(), Length(max=500)])
    version = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    loaded_at = HiddenField()


class ResolveForm(FlaskForm):
    note = StringField(_l("Note"), [Optional(), Length(max=1000)])
