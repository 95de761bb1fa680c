"""The practitioner's forms of the family's own view: inviting a family member, and
accepting or declining an action the family added. A form only reads the input; the
rules are the service's (`familyview.services`), whose refusal is shown on its field."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from wholefamily.web.casework.forms import DateField
from wholefamily.web.families.models import Family, Member
from wholefamily.web.familyhelp.forms import ChangeForm, choice, words
from wholefamily.web.familyview.models import Relation
from wholefamily.web.familyview.services import YOUNG_PERSON_AGE, age_on

SOMEONE_ELSE = "other"


def members_of(family: Family) -> list[Member]:
    return list(
        family.member_set.filter(current=True)
        .select_related("person")
        .order_by("role", "person__dob", "person__forename")
    )


def member_label(m: Member, today: date) -> str:
    if m.role == "CHILD":
        age = age_on(m.person.dob, today)
        return f"{m.person}, {age if age is not None else 'age not known'}"
    return f"{m.person}, parent or carer"


class WhoField(forms.ChoiceField):
    """A current member of the family, or someone else. The list offers the parents and
    carers and the children of 13 or over; any current member posted is read, so that
    the service says why a younger child cannot have an account."""

    def __init__(self, *args: Any, members: list[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {str(m.person.pk): m for m in members}

    def valid_value(self, value: Any) -> bool:
        return str(value) in self.members or super().valid_value(value)


class InviteForm(ChangeForm):
    refused_fields = {"person": "who", "name": "name", "relation": "relation"}

    def __init__(self, *args: Any, family: Family, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = members_of(family)
        offered = [
            (str(m.person.pk), member_label(m, today))
            for m in members
            if m.role != "CHILD" or (age_on(m.person.dob, today) or 0) >= YOUNG_PERSON_AGE
        ]
        message = "Choose who you are inviting"
        self.fields["who"] = WhoField(
            label="Who are you inviting?",
            choices=[*offered, (SOMEONE_ELSE, "Someone else (type their name below)")],
            widget=forms.RadioSelect,
            members=members,
            error_messages={"required": message, "invalid_choice": message},
        )
        self.order_fields(["who", "name", "relation"])

    name = words(
        "Their name",
        None,
        100,
        help_text="Needed for someone else. For someone in the list, leave it empty to use "
        "the name shown",
    )
    relation = choice(
        "Who are they in the family?",
        Relation.choices,
        "Choose whether they are a parent, a carer or a young person",
    )

    def member(self) -> Member | None:
        who = self.cleaned_data.get("who")
        field = self.fields["who"]
        assert isinstance(field, WhoField)
        return field.members.get(str(who))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        m = self.member() if "who" in data else None
        if m is not None and m.role == "CHILD" and data.get("relation") != Relation.YOUNG_PERSON:
            self.add_error(
                "relation", "A child in the family can only be invited as a young person"
            )
        return data

    def invitee_name(self) -> str:
        m = self.member()
        typed = (self.cleaned_data.get("name") or "").strip()
        return typed or (str(m.person) if m is not None else "")


class DecideForm(ChangeForm):
    """Accept (with the date it should be done by) or decline (with the reason the
    family will see); which one is the button pressed (`choice`)."""

    refused_fields = {"due": "due", "reason": "reason"}

    choice = forms.ChoiceField(
        choices=[("accept", "Accept"), ("decline", "Decline")],
        error_messages={
            "required": "Choose whether to accept or decline",
            "invalid_choice": "Choose whether to accept or decline",
        },
    )
    due = DateField(
        what="date it should be done by",
        label="When should it be done by?",
        required=False,
        help_text="For example, 27 3 2026",
    )
    reason = words(
        "Why not?",
        None,
        300,
        widget=forms.Textarea,
        help_text="The family will see this. Write it in plain words",
    )
