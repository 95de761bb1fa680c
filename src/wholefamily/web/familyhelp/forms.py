"""The forms of Family Help: what a practitioner enters, in GOV.UK's words, before the
service (`familyhelp.services`, `protection.services`) checks it against the records.

A form only reads the input (a real date, today or before, a choice from the list);
every rule about the records is the service's, and its refusal is shown on the
field it names (`ChangeForm.refused`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from wholefamily.web.casework.forms import NotInFuture
from wholefamily.web.families.models import Family, Person
from wholefamily.web.familyhelp import access, codes
from wholefamily.web.familyhelp.history import in_sentence
from wholefamily.web.familyhelp.models import Decision, Episode, Level
from wholefamily.web.familyhelp.services import Refused

EXAMPLE_DATE = "For example, 27 3 2025"


class ChangeForm(forms.Form):
    """A form of one checked change. `refused_fields` maps a service's field names to
    the form's where they differ; a refusal naming no field of the form goes to the
    top of the error summary."""

    refused_fields: dict[str, str] = {}

    def refused(self, refusal: Refused) -> None:
        name = self.refused_fields.get(refusal.field or "", refusal.field)
        self.add_error(name if name in self.fields else None, refusal.message.rstrip("."))


def when(what: str, label: str, required: bool = True, **kw: Any) -> NotInFuture:
    kw.setdefault("help_text", EXAMPLE_DATE)
    return NotInFuture(what=what, label=label, required=required, **kw)


def words(label: str, required: str | None, max_length: int = 300, **kw: Any) -> forms.CharField:
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


def long_words(label: str, required: str | None, **kw: Any) -> forms.CharField:
    return words(label, required, 5000, widget=forms.Textarea, **kw)


def choice(
    label: str,
    choices: Any,
    message: str,
    widget: type[forms.Widget] = forms.RadioSelect,
    **kw: Any,
) -> forms.ChoiceField:
    """A choice from a list; `message` says what to choose when none (or no real one) is."""
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=widget,
        error_messages={"required": message, "invalid_choice": message},
        **kw,
    )


class PersonField(forms.ModelChoiceField):
    """A practitioner chosen by name, agency and role."""

    def label_from_instance(self, obj: Any) -> str:
        return access.practitioner(obj)


def person(
    label: str, queryset: QuerySet[Any], required: str | None, empty: str, **kw: Any
) -> PersonField:
    message = required or "Choose someone from the list"
    return PersonField(
        queryset=queryset,
        label=label,
        required=required is not None,
        empty_label=empty,
        error_messages={"required": message, "invalid_choice": "Choose someone from the list"},
        **kw,
    )


class ChildrenField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return child_name(obj)


def child_name(p: Person) -> str:
    born = f", born {p.dob.day} {p.dob:%B %Y}" if p.dob else ""
    return f"{p}{born}"


def children_of(family: Family) -> QuerySet[Person]:
    return Person.objects.filter(
        memberships__family=family, memberships__current=True, memberships__role="CHILD"
    ).order_by("dob", "forename")


def children(label: str, queryset: QuerySet[Person], **kw: Any) -> ChildrenField:
    message = "Select at least one child"
    return ChildrenField(
        queryset=queryset,
        label=label,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": message,
            "invalid_choice": message,
            "invalid_pk_value": message,
        },
        **kw,
    )


def code_choices(kind: str) -> list[tuple[str, str]]:
    return list(codes.CODES[kind].items())


# --- Requests for help ----------------------------------------------------------------


class RequestForm(ChangeForm):
    def __init__(self, *args: Any, family: Family, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["children"] = children(
            "Which children is the request about?", children_of(family)
        )
        self.order_fields(["children"])

    received_on = when("date the request came in", "When did the request come in?")
    source = choice(
        "Where did the request come from?",
        [("", "Choose where it came from"), *code_choices("referral_source")],
        "Select where the request came from",
        widget=forms.Select,
    )
    source_name = words(
        "Who asked (optional)", None, 200, help_text="For example, Mrs Patel, head teacher"
    )
    summary = long_words("What is the request about?", "Enter what the request is about")


class DecideForm(ChangeForm):
    refused_fields = {"lead": "lead"}

    decision = choice("What was decided?", Decision.choices, "Select what was decided")
    decided_on = when("date of the decision", "When was it decided?")
    level = choice(
        "Level of help",
        [(Level.TARGETED.value, Level.TARGETED.label), (Level.CIN.value, Level.CIN.label)],
        "Select the level of help",
        initial=Level.TARGETED.value,
        help_text="For Family Help or a child protection enquiry",
    )

    def __init__(self, *args: Any, episode: Episode | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if episode is None:
            self.fields["lead"] = person(
                "Lead practitioner",
                access.people(access.LEAD_ROLES),
                None,
                "Choose the lead practitioner",
                help_text="Who will lead the family’s Family Help, from any agency. Needed "
                "for Family Help or a child protection enquiry",
            )


# --- The episode ----------------------------------------------------------------------


class LevelForm(ChangeForm):
    """Step a child up or down: the lead practitioner stays unless another is chosen."""

    def __init__(self, *args: Any, episode: Episode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        now = {lv.child_id: lv for lv in episode.levels.filter(ended_on__isnull=True)}
        kids = [p for p in children_of(episode.family) if p.pk in now]
        self.fields["child"] = choice(
            "Which child?",
            [(str(p.pk), f"{p}, now at {in_sentence(Level(now[p.pk].level).label)}") for p in kids],
            "Select the child whose level changes",
        )
        self.fields["lead"] = person(
            "Lead practitioner from the change (optional)",
            access.people(access.LEAD_ROLES).exclude(pk=episode.lead_id),
            None,
            f"Keep {access.name_of(episode.lead)}",
            help_text="The lead practitioner stays the same unless you choose another",
        )
        self.order_fields(["child", "level", "on", "reason", "lead"])
        self.kids = {str(p.pk): p for p in kids}

    level = choice(
        "Level of help from the change",
        [(v, lbl) for v, lbl in Level.choices if v != Level.CP],
        "Select the level of help",
        help_text="A child protection plan starts at an initial conference and ends at a "
        "review conference or from the plan",
    )
    on = when("date of the change", "When does the level change?")
    reason = words("Why does the level change?", "Enter why the level changes")

    def child(self) -> Person:
        return self.kids[self.cleaned_data["child"]]


class LeadForm(ChangeForm):
    def __init__(self, *args: Any, episode: Episode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"] = person(
            "New lead practitioner",
            access.people(access.LEAD_ROLES).exclude(pk=episode.lead_id),
            "Select the new lead practitioner",
            "Choose the lead practitioner",
        )
        self.order_fields(["lead"])

    on = when("date of the change", "From when do they lead?")
    reason = words("Why does the lead practitioner change?", "Enter why the lead changes")


class OversightForm(ChangeForm):
    def __init__(self, *args: Any, episode: Episode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["oversight"] = person(
            "Social worker with oversight",
            access.people(access.OVERSIGHT_ROLES),
            "Select the social worker with oversight",
            "Choose the social worker",
            initial=episode.oversight_id,
        )


class CloseForm(ChangeForm):
    closed_on = when("date the episode closes", "When does the episode close?")
    closure_reason = choice(
        "Why does it close?", code_choices("closure_reason"), "Select why the episode closes"
    )


# --- Assessments ----------------------------------------------------------------------


class StartAssessmentForm(ChangeForm):
    def __init__(self, *args: Any, episode: Episode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["children"] = children(
            "Which children does it assess?", children_of(episode.family)
        )
        self.order_fields(["children"])

    started_on = when(
        "date the assessment started",
        "When did the assessment start?",
        help_text="It is due 45 working days after this. " + EXAMPLE_DATE,
    )


class CompleteAssessmentForm(ChangeForm):
    completed_on = when("date the assessment was completed", "When was it completed?")
    factors = forms.MultipleChoiceField(
        label="What did the assessment find?",
        choices=code_choices("factor"),
        widget=forms.CheckboxSelectMultiple,
        help_text="Select every factor the assessment found, or “No factors identified”",
        error_messages={
            "required": "Select the factors the assessment found, or no factors",
            "invalid_choice": "Select factors from the list",
        },
    )
    primary_need = choice(
        "Main need (if a child is in need)",
        [("", "No child is in need"), *code_choices("primary_need")],
        "Select the main need from the list",
        widget=forms.Select,
        required=False,
    )
    summary = long_words("Summary of the assessment", "Enter a summary of the assessment")


class AuthoriseForm(ChangeForm):
    refused_fields = {"on": "on"}

    on = when("date of authorisation", "When do you authorise it?")
