"""The forms of the team around the family: every date checked against the case and
today (`clock.today()`), every refusal in GOV.UK's words."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format

from wholefamily.web import clock
from wholefamily.web.casework.forms import DateField
from wholefamily.web.families.models import Family
from wholefamily.web.team.models import Address, Preferred

PHONE_ERROR = "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"
EMAIL_ERROR = "Enter an email address in the correct format, like name@example.com"
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


def identified_on(family: Family) -> date:
    """When the programme first knew the family: the identification run's date, else its
    first nomination, else the day its case was created."""
    if family.identified_on is not None:
        return family.identified_on
    first = family.nominations.order_by("created_at").values_list("created_at", flat=True).first()
    return timezone.localdate(first or family.created_at)


def long_date(d: date) -> str:
    return str(date_format(d, "j F Y"))


def clean_phone(value: str) -> str:
    value = " ".join(value.split())
    if value and (
        not re.fullmatch(r"\+?[0-9 ()-]+", value) or not 10 <= len(re.sub(r"\D", "", value)) <= 15
    ):
        raise forms.ValidationError(PHONE_ERROR)
    return value


def text(label: str, required: str | None, max_length: int = 100, **kw: Any) -> forms.CharField:
    messages = {"max_length": f"{label} must be {max_length} characters or fewer"}
    if required:
        messages["required"] = required
    return forms.CharField(
        label=label,
        required=required is not None,
        max_length=max_length,
        error_messages=messages,
        **kw,
    )


def phone_field(label: str = "Phone number") -> forms.CharField:
    return text(label, None, 30, widget=forms.TextInput(attrs={"inputmode": "tel"}))


def email_field(label: str = "Email address") -> forms.EmailField:
    return forms.EmailField(
        label=label,
        required=False,
        max_length=200,
        error_messages={"invalid": EMAIL_ERROR, "max_length": EMAIL_ERROR},
    )


class FamilyForm(forms.Form):
    """A form about one family: its dates are checked against the family's."""

    def __init__(self, *args: Any, family: Family, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.family = family

    def past(self, name: str, what: str) -> date | None:
        d: date | None = self.cleaned_data.get(name)
        if d is not None and d > clock.today():
            self.add_error(name, f"{what} must be today or in the past")
            return None
        return d


class ProfessionalForm(FamilyForm):
    name = text("Name", "Enter the professional’s name")
    agency = text(
        "Agency", "Enter the agency they work for", help_text="For example, Wessex Police"
    )
    role = text("Role", "Enter their role", help_text="For example, school nurse")
    phone = phone_field()
    email = email_field()
    started_on = DateField(
        label="When did they start working with the family?",
        help_text="For example, 27 3 2025",
        error_messages={"required": "Enter the date they started working with the family"},
    )
    ended_on = DateField(
        label="When did they stop working with the family?",
        required=False,
        help_text="Leave this empty while they are still involved",
    )

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start = self.past("started_on", "The date they started working with the family")
        end = self.past("ended_on", "The date they stopped working with the family")
        first = identified_on(self.family)
        if start is not None and start < first:
            self.add_error(
                "started_on",
                "The date they started working with the family must be the same as or after "
                f"{long_date(first)}, when the family was identified",
            )
        elif start is not None and end is not None and end < start:
            self.add_error(
                "ended_on",
                "The date they stopped working with the family must be the same as or after "
                "the date they started",
            )
        given = data.get("phone") or data.get("email")
        if not (given or self.has_error("phone") or self.has_error("email")):
            self.add_error("phone", "Enter a phone number or an email address")
        return data


YES_NO = [("yes", "Yes"), ("no", "No")]


class ContactForm(FamilyForm):
    phone = phone_field()
    email = email_field()
    preferred = forms.ChoiceField(
        label="How do they prefer to be contacted?",
        choices=Preferred.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    times = text(
        "Best times to contact them",
        None,
        200,
        help_text="For example, weekday mornings, not at school pick-up",
    )
    language = text("Main language", None, 60, help_text="The language the family prefers to speak")
    interpreter = forms.ChoiceField(
        label="Do they need an interpreter?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if the family needs an interpreter"},
    )

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        way = data.get("preferred")
        by_phone = way in (Preferred.PHONE, Preferred.TEXT)
        if by_phone and not (data.get("phone") or self.has_error("phone")):
            how = "by phone" if way == Preferred.PHONE else "by text message"
            self.add_error("phone", f"Enter a phone number to contact the family {how}")
        if way == Preferred.EMAIL and not data.get("email") and not self.has_error("email"):
            self.add_error("email", "Enter an email address to contact the family by email")
        if data.get("interpreter") == "yes" and not data.get("language"):
            self.add_error("language", "Enter the language the interpreter needs to speak")
        return data


class AddressForm(FamilyForm):
    line1 = text("Address line 1", "Enter address line 1, typically the building and street")
    line2 = text("Address line 2 (optional)", None)
    town = text("Town or city", "Enter town or city", 60)
    postcode = text(
        "Postcode",
        "Enter postcode",
        8,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    )
    moved_in = DateField(
        label="When did the family move in?",
        help_text="For example, 27 3 2025",
        error_messages={"required": "Enter the date the family moved in"},
    )
    moved_out = DateField(
        label="When did the family move out?",
        required=False,
        help_text="Leave this empty if it is where they live now",
    )

    def __init__(self, *args: Any, current: Address | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current

    def clean_postcode(self) -> str:
        raw = "".join(self.cleaned_data.get("postcode", "").split()).upper()
        m = POSTCODE.match(raw)
        if not m:
            raise forms.ValidationError("Enter a full UK postcode, like AA1 1AA")
        return f"{m.group(1)} {m.group(2)}"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        moved_in = self.past("moved_in", "The date the family moved in")
        moved_out = self.past("moved_out", "The date the family moved out")
        if moved_in is not None and moved_out is not None and moved_out < moved_in:
            self.add_error(
                "moved_out",
                "The date the family moved out must be the same as or after the date they moved in",
            )
            return data
        now = self.current
        if now is None or moved_in is None or self.has_error("moved_in"):
            return data
        since = long_date(now.moved_in)
        if moved_out is None and moved_in <= now.moved_in:
            self.add_error(
                "moved_in",
                f"The date the family moved in must be after {since}, when they moved into "
                "their current address",
            )
        elif moved_out is not None and moved_out > now.moved_in:
            self.add_error(
                "moved_out",
                f"The date the family moved out must be the same as or before {since}, "
                "when they moved into their current address",
            )
        return data


class WorkContactForm(forms.Form):
    phone = phone_field("Your work phone number")
    email = email_field("Your work email address")
    team_phone = phone_field("Your team’s phone number")
    team_email = email_field("Your team’s email address")

    def __init__(self, *args: Any, team: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not team:
            del self.fields["team_phone"], self.fields["team_email"]

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""))

    def clean_team_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("team_phone", ""))
