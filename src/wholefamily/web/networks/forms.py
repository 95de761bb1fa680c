"""The forms of the network pages. A form only reads the input (a real date, today or
before, a choice from the list); every rule about the records is the service's
(`networks.services`), whose refusal is shown on the field it names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from wholefamily.web.casework.forms import DateField
from wholefamily.web.families.models import Family, Person
from wholefamily.web.familyhelp.forms import (
    ChangeForm,
    child_name,
    choice,
    long_words,
    when,
    words,
)
from wholefamily.web.networks.models import (
    LivingArrangement,
    Meeting,
    NetworkMember,
    Offer,
    Relationship,
)
from wholefamily.web.networks.services import Tie, children_of

YES_NO = [("yes", "Yes"), ("no", "No")]


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class MembersChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def current_network(family: Family) -> QuerySet[NetworkMember]:
    return NetworkMember.objects.filter(family=family, ended_on__isnull=True).order_by("name")


def member(label: str, family: Family, required: str | None, empty: str, **kw: Any) -> MemberChoice:
    return MemberChoice(
        queryset=current_network(family),
        label=label,
        required=required is not None,
        empty_label=empty,
        error_messages={
            "required": required or "Choose someone from the list",
            "invalid_choice": "Choose someone in the family’s network",
        },
        **kw,
    )


class MemberForm(ChangeForm):
    """Someone in the network: who they are, what they are to each child (one choice per
    child) and for which children they hold parental responsibility."""

    name = words(
        "Their name, as the family says it",
        "Enter the name the family uses for them",
        100,
        help_text="For example, Nan Carol or Mr Ahmed next door",
    )
    kind = choice(
        "Who are they to the family?",
        NetworkMember.Kind.choices,
        "Select who they are to the family",
    )
    lives_at = words("Where they live (optional)", None, 300, help_text="A town or an address")
    phone = words("Phone (optional)", None, 30)
    email = forms.EmailField(
        label="Email (optional)",
        required=False,
        max_length=200,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "The email address must be 200 characters or fewer",
        },
    )
    offers = long_words(
        "What they offer (optional)",
        None,
        help_text="In the family’s words, for example: school pick-ups on Tuesdays",
    )
    support = choice(
        "Is their support formal or informal?",
        NetworkMember.Support.choices,
        "Select whether their support is formal or informal",
        initial=NetworkMember.Support.INFORMAL,
        help_text="Formal support is arranged with the council (paid or supported)",
    )

    def __init__(
        self, *args: Any, family: Family, member: NetworkMember | None = None, **kw: Any
    ) -> None:
        if member is not None and not args[0]:
            ties = {r.child_id: r for r in member.relationships.all()}
            kw["initial"] = {
                "name": member.name,
                "kind": member.kind,
                "lives_at": member.lives_at,
                "phone": member.phone,
                "email": member.email,
                "offers": member.offers,
                "support": member.support,
                "pr": [str(c) for c, r in ties.items() if r.parental_responsibility],
                **{f"to_{c}": r.relationship for c, r in ties.items()},
            }
        super().__init__(*args, **kw)
        self.kids = children_of(family)
        order = ["name", "kind"]
        for k in self.kids:
            name = f"to_{k.pk}"
            self.fields[name] = choice(
                f"What are they to {child_name(k)}?",
                [("", f"Not part of {k.forename or k}’s network"), *Relationship.To.choices],
                "Select what they are from the list",
                widget=forms.Select,
                required=False,
            )
            order.append(name)
        self.fields["pr"] = forms.MultipleChoiceField(
            label="Do they hold parental responsibility? (optional)",
            choices=[(str(k.pk), child_name(k)) for k in self.kids],
            widget=forms.CheckboxSelectMultiple,
            required=False,
            help_text="Select each child they hold parental responsibility for",
            error_messages={"invalid_choice": "Select children of this family"},
        )
        self.order_fields([*order, "pr", "lives_at", "phone", "email", "offers", "support"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ties = [k for k in self.kids if data.get(f"to_{k.pk}")]
        if not ties and self.kids and not self.errors:
            self.add_error(f"to_{self.kids[0].pk}", "Say what they are to at least one child")
        pr = set(data.get("pr") or [])
        for k in self.kids:
            if str(k.pk) in pr and not data.get(f"to_{k.pk}"):
                self.add_error(
                    "pr", f"Say what they are to {k} to give them parental responsibility"
                )
        return data

    def ties(self) -> list[Tie]:
        d = self.cleaned_data
        pr = set(d.get("pr") or [])
        return [Tie(k, d[f"to_{k.pk}"], str(k.pk) in pr) for k in self.kids if d.get(f"to_{k.pk}")]


class AddMemberForm(MemberForm):
    added_on = when("date they joined the network", "Since when are they in the network?")


class EndForm(ChangeForm):
    ended_on = when("date it ended", "When did it end?")


class NoNetworkForm(ChangeForm):
    on = when("date of the record", "Date")
    reason = long_words(
        "Why does the family have no network?", "Enter why the family has no network"
    )


class OfferForm(ChangeForm):
    source = choice(
        "Who offered or asked for family group decision making?",
        Offer.Source.choices,
        "Select who offered or asked for it",
    )
    made_on = when("date of the offer or request", "When was it offered or asked for?")
    pre_proceedings = choice(
        "Is this the offer at the pre-proceedings stage?",
        YES_NO,
        "Select yes if this is the pre-proceedings offer",
        initial="no",
    )
    letter_before_proceedings_on = when(
        "date of the letter before proceedings",
        "Date of the letter before proceedings (for the pre-proceedings offer)",
        required=False,
        help_text="The offer is in time if made on or before this day. For example, 27 3 2025",
    )


class OutcomeForm(ChangeForm):
    outcome = choice("What happened?", Offer.Outcome.choices, "Select what happened")
    outcome_on = when("date of the outcome", "When?")
    reason = long_words(
        "Why was it declined or not held?", None, help_text="Needed if declined or not held"
    )


class MeetingForm(ChangeForm):
    refused_fields = {"offer": "offer"}

    kind = choice("Kind of meeting", Meeting.Kind.choices, "Select the kind of meeting")
    coordinator = words("Coordinator", "Enter the coordinator’s name", 100)
    held_on = when("date of the meeting", "When was it held?")
    others = long_words(
        "Others who came (optional)", None, help_text="One a line: the family, professionals"
    )
    private_family_time = choice(
        "Did the family have private family time?", YES_NO, "Select yes or no", initial="yes"
    )
    outcome = choice("Outcome", Meeting.Outcome.choices, "Select the outcome")
    notes = long_words("Notes (optional)", None)

    def __init__(self, *args: Any, family: Family, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["came"] = MembersChoice(
            queryset=current_network(family),
            label="Who from the network came? (optional)",
            widget=forms.CheckboxSelectMultiple,
            required=False,
            error_messages={
                "invalid_choice": "Select people in the family’s network",
                "invalid_pk_value": "Select people in the family’s network",
            },
        )
        offers = Offer.objects.filter(family=family).exclude(
            outcome__in=[Offer.Outcome.DECLINED, Offer.Outcome.NOT_HELD]
        )
        self.fields["offer"] = forms.ModelChoiceField(
            queryset=offers,
            label="Which offer or request is it for? (optional)",
            required=False,
            empty_label="None",
            widget=forms.Select,
            error_messages={"invalid_choice": "Select an offer from the list"},
        )
        self.fields["offer"].label_from_instance = lambda o: (  # type: ignore[attr-defined]
            f"{Offer.Source(o.source).label}, {o.made_on.day} {o.made_on:%B %Y}"
        )
        self.order_fields(["kind", "coordinator", "held_on", "offer", "came", "others"])


class PlanLineForm(ChangeForm):
    what = words("What will they do?", "Enter what they will do", 500)
    by_when = DateField(
        what="date it will be done by",
        label="By when?",
        help_text="For example, 27 3 2026",
    )
    support_needed = words(
        "Support needed (optional)",
        None,
        300,
        help_text="Money or goods that would help, for example a sofa bed so they can stay over",
    )

    def __init__(self, *args: Any, family: Family, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["member"] = member(
            "Who in the network will do it?", family, "Select who will do it", "Choose someone"
        )
        self.order_fields(["member", "what", "by_when", "support_needed"])


class ArrangementForm(ChangeForm):
    kind = choice(
        "Who does the child live with?",
        LivingArrangement.Kind.choices,
        "Select who the child lives with",
    )
    started_on = when("date it began", "Since when?")
    carer_name = words(
        "Carer’s name, if not in the network (optional)",
        None,
        100,
        help_text="For example, the foster carers’ names or the home",
    )

    def __init__(self, *args: Any, family: Family, **kw: Any) -> None:
        super().__init__(*args, **kw)
        kids = children_of(family)
        self.kids = {str(k.pk): k for k in kids}
        self.fields["child"] = choice(
            "Which child?", [(str(k.pk), child_name(k)) for k in kids], "Select the child"
        )
        self.fields["carer"] = member(
            "The carer, if in the family’s network (optional)", family, None, "Not in the network"
        )
        self.order_fields(["child", "kind", "started_on", "carer", "carer_name"])

    def child(self) -> Person:
        return self.kids[self.cleaned_data["child"]]
