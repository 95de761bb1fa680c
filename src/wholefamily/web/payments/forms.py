"""The forms of support packages and budgets: they read the input (a real date, an
amount of pounds and pence, a choice from the list); every rule about the records is
the service's (`services`), and its refusal is shown on the field it names."""

from __future__ import annotations

from typing import Any

from django import forms

from wholefamily.web.casework.forms import DateField
from wholefamily.web.families.models import Family, Person
from wholefamily.web.familyhelp.forms import EXAMPLE_DATE, ChangeForm, choice, long_words, words
from wholefamily.web.networks.models import Meeting, NetworkMember, NoNetwork
from wholefamily.web.payments import services as S
from wholefamily.web.payments.models import Budget, Frequency, Group, Purpose
from wholefamily.web.payments.money import BadAmount, pence, pounds


class AmountField(forms.CharField):
    """Pounds and pence, read exactly: the cleaned value is in pence."""

    def __init__(self, what: str = "amount", **kw: Any) -> None:
        self.what = what
        kw.setdefault("error_messages", {"required": f"Enter the {what}"})
        kw.setdefault("widget", forms.TextInput(attrs={"class": "govuk-input--width-10"}))
        super().__init__(max_length=20, **kw)

    def clean(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        try:
            return pence(text, self.what)
        except BadAmount as exc:
            raise forms.ValidationError(str(exc)) from None


class Named(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class PackageForm(ChangeForm):
    refused_fields = {"basis": "basis"}

    child = Named(
        queryset=Person.objects.none(),
        label="Which child is it for?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the child", "invalid_choice": "Choose the child"},
    )
    payee = Named(
        queryset=NetworkMember.objects.none(),
        label="Who is paid or supplied?",
        help_text="A member of the family’s network now.",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose who is paid or supplied",
            "invalid_choice": "Choose a current member of the family’s network",
        },
    )
    purpose = choice("What is it for?", Purpose.choices, "Choose what the package is for")
    what = words("What it pays for, in words", "Say what the package pays for")
    amount = AmountField(
        label="Amount, in pounds",
        help_text="For a recurring package, each payment. For example, 25.50",
    )
    frequency = choice(
        "How often is it paid?", Frequency.choices, "Choose one-off, weekly or monthly"
    )
    starts_on = DateField(
        what="start date",
        label="Start date (a one-off: the day it is paid)",
        help_text=EXAMPLE_DATE,
    )
    ends_on = DateField(
        what="end date",
        label="End date (weekly or monthly only)",
        required=False,
        help_text="The last day it may be paid. " + EXAMPLE_DATE,
    )
    budget = Named(
        queryset=Budget.objects.none(),
        label="Which budget does it draw on?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the budget",
            "invalid_choice": "Choose a support package budget for the family’s district",
        },
    )
    basis = choice(
        "What identified the support?",
        [],
        "Choose the meeting that identified the support, or the family’s no-network record",
    )

    def __init__(self, data: Any = None, *, family: Family) -> None:
        super().__init__(data)
        self.family = family
        f: Any = self.fields
        f["child"].queryset = Person.objects.filter(
            memberships__family=family, memberships__current=True, memberships__role="CHILD"
        ).order_by("dob")
        f["payee"].queryset = NetworkMember.objects.filter(family=family, ended_on__isnull=True)
        f["payee"].label_from_instance = lambda m: f"{m.name} ({m.get_kind_display().lower()})"
        f["budget"].queryset = Budget.objects.filter(district=family.district, group=Group.FNSP)
        f["budget"].label_from_instance = lambda b: (
            f"{b}: {pounds(S.position(b).remaining)} remaining"
        )
        f["basis"].choices = [
            (f"meeting:{m.pk}", S.meeting_words(m)) for m in S.support_meetings(family)
        ] + [
            (f"none:{n.pk}", f"No network, recorded on {S.day(n.on)}: {n.reason}")
            for n in NoNetwork.objects.filter(family=family)
        ]

    def basis_records(self) -> dict[str, Any]:
        kind, _, pk = self.cleaned_data["basis"].partition(":")
        if kind == "meeting":
            return {"meeting": Meeting.objects.get(pk=int(pk), family=self.family)}
        return {"no_network": NoNetwork.objects.get(pk=int(pk), family=self.family)}


class DecideForm(ChangeForm):
    decision = choice(
        "Your decision",
        [("approve", "Approve"), ("refuse", "Refuse")],
        "Choose whether to approve or refuse the package",
    )
    reason = long_words("Why it is refused (for a refusal)", None)

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("decision") == "refuse" and not (d.get("reason") or "").strip():
            self.add_error("reason", "Say why the package is refused")
        return d


class BudgetForm(ChangeForm):
    year = words("Financial year", "Enter the financial year", 7, help_text="For example, 2026/27")
    district = words("District (local coordination group)", "Enter the district", 100)
    group = choice("What is it for?", Group.choices, "Choose what the budget is for")
    amount = AmountField(what="budget", label="Budget, in pounds", help_text="For example, 25000")


class RecordPaymentsForm(ChangeForm):
    up_to = DateField(
        what="date payments are due up to",
        label="Record payments due up to",
        help_text=EXAMPLE_DATE,
    )
