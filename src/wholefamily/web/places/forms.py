"""The forms of the directory of services and of referrals: they read the input (a
choice from the list, a whole number, a real date); every rule about the records is the
service's (`services`), and its refusal is shown on the field it names."""

from __future__ import annotations

from typing import Any

from django import forms

from wholefamily.web.familyhelp.forms import EXAMPLE_DATE, ChangeForm, choice, long_words, when
from wholefamily.web.familyhelp.forms import words as text
from wholefamily.web.places import services as S
from wholefamily.web.places.models import Category, Intensity, Kind, Service

YES_NO = [("yes", "Yes"), ("no", "No")]


class ServiceForm(ChangeForm):
    name = text("Name of the service", "Enter the service’s name", 150)
    category = choice(
        "What kind of support is it?", Category.choices, "Choose what kind of support it is"
    )
    kind = choice("Who runs it?", Kind.choices, "Choose whether it is internal or commissioned")
    provider = text(
        "Provider",
        "Enter who provides it",
        150,
        help_text="The team or organisation that delivers it.",
    )
    needs = forms.MultipleChoiceField(
        label="Which needs does it meet?",
        help_text="A family is referred only when one of its needs is among these.",
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one need the service meets",
                        "invalid_choice": "Choose the needs from the list"},
    )  # fmt: skip
    intensity = choice("How intensive is it?", Intensity.choices, "Choose how intensive it is")
    description = long_words("What it offers (optional)", None)
    active = choice("Does it take referrals now?", YES_NO, "Choose whether it takes referrals now")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["needs"].choices = S.need_choices()  # type: ignore[attr-defined]


class PlacesForm(ChangeForm):
    year = text("Financial year", "Enter the financial year", 7, help_text="For example, 2026/27")
    places = forms.IntegerField(
        label="Places",
        help_text="How many families it can work with at once in the year.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}),
        error_messages={"required": "Enter the number of places",
                        "invalid": "The number of places must be a whole number, like 12"},
    )  # fmt: skip


class Named(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class ReferForm(ChangeForm):
    service = Named(
        queryset=Service.objects.none(),
        label="Which service?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the service",
            "invalid_choice": "Choose a service from the list",
        },
    )
    on = when("day referred", "Day referred")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        f: Any = self.fields["service"]
        f.queryset = Service.objects.filter(active=True)
        f.label_from_instance = lambda s: f"{s.name} ({s.provider}): {S.needs_label(s.need_list)}"


class UpdateForm(ChangeForm):
    what = choice(
        "What happened?",
        [("start", "The family took up the place offered"),
         ("end", "The referral ended (finished, the place turned down, or off the waiting list)")],
        "Choose what happened",
    )  # fmt: skip
    on = when("day it happened", "Day it happened", help_text=EXAMPLE_DATE)
    reason = text("Why it ended (when it ended)", None, 300)

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("what") == "end" and not (d.get("reason") or "").strip():
            self.add_error("reason", "Say why the referral ends")
        return d
