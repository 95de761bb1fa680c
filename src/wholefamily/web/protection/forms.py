"""The forms of child protection, as `familyhelp.forms`: the input in GOV.UK's words,
the rules about the records the service's (`protection.services`)."""

from __future__ import annotations

from typing import Any

from django import forms

from wholefamily.web.families.models import Person
from wholefamily.web.familyhelp import access
from wholefamily.web.familyhelp.forms import (
    ChangeForm,
    children,
    children_of,
    choice,
    long_words,
    person,
    when,
    words,
)
from wholefamily.web.familyhelp.models import Episode, Level
from wholefamily.web.protection.models import (
    Category,
    Outcome,
    Plan,
    StrategyDiscussion,
    TeamMember,
)

YES_NO = [("yes", "Yes"), ("no", "No")]
NO_PLAN = "none"
STEP_TO = [(v, lbl) for v, lbl in Level.choices if v != Level.CP]


def attended() -> forms.CharField:
    return long_words(
        "Who took part?",
        "Enter who took part",
        help_text="One on each line, with their agency: for example, DC Jones, Wessex Police",
    )


class StrategyForm(ChangeForm):
    def __init__(self, *args: Any, episode: Episode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["children"] = children(
            "Which children is it about?", children_of(episode.family)
        )
        self.order_fields(["children"])

    held_on = when("date of the strategy discussion", "When was it held?")
    attended = attended()
    summary = long_words("What was discussed (optional)", None)
    section_47 = choice(
        "Does a section 47 enquiry start for each child?",
        YES_NO,
        "Select yes if a section 47 enquiry starts",
        initial="yes",
    )


class OutcomeForm(ChangeForm):
    outcome = choice("What did the enquiry find?", Outcome.choices, "Select the outcome")
    completed_on = when("date the enquiry ended", "When did the enquiry end?")


class InitialConferenceForm(ChangeForm):
    """An initial conference: for each child of the strategy discussion, a plan in a
    category of abuse or none, and the plans they had before that are not held here."""

    refused_fields = {"category": "", "children": ""}

    held_on = when("date of the conference", "When was the conference held?")
    attended = attended()
    summary = long_words("What was decided (optional)", None)

    def __init__(self, *args: Any, strategy: StrategyDiscussion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kids: list[Person] = list(strategy.children.order_by("dob", "forename"))
        categories = [(NO_PLAN, "No child protection plan"), *Category.choices]
        for p in self.kids:
            self.fields[f"plan_{p.pk}"] = choice(
                f"{p}: child protection plan",
                [("", "Choose"), *categories],
                f"Select a category of abuse for {p}, or no plan",
                widget=forms.Select,
            )
            self.fields[f"earlier_{p.pk}"] = forms.IntegerField(
                label=f"{p}: earlier plans not held here (optional)",
                required=False,
                min_value=0,
                max_value=20,
                help_text="Child protection plans the child had before, in another council "
                "or before this service kept their records",
                widget=forms.NumberInput(
                    attrs={"inputmode": "numeric", "class": "govuk-input--width-2"}
                ),
                error_messages={
                    "invalid": f"Enter the number of earlier plans {p} had, like 0 or 1",
                    "min_value": f"Enter the number of earlier plans {p} had, like 0 or 1",
                    "max_value": f"Enter the number of earlier plans {p} had, up to 20",
                },
            )

    def plans(self) -> dict[Person, str]:
        out = {p: self.cleaned_data[f"plan_{p.pk}"] for p in self.kids}
        return {p: c for p, c in out.items() if c != NO_PLAN}

    def earlier(self) -> dict[Person, int]:
        return {p: self.cleaned_data.get(f"earlier_{p.pk}") or 0 for p in self.kids}


class ReviewConferenceForm(ChangeForm):
    """A review conference of every open plan: each plan's latest category, and whether
    it continues or ends (then with a reason and the level the child steps to)."""

    refused_fields = {"reason": "end_reason", "category": ""}

    held_on = when("date of the conference", "When was the conference held?")
    attended = attended()
    summary = long_words("What was decided (optional)", None)

    def __init__(self, *args: Any, plans: list[Plan], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plans = plans
        for plan in plans:
            child = plan.child
            self.fields[f"category_{plan.pk}"] = choice(
                f"{child}: category of abuse now",
                Category.choices,
                f"Select the category of abuse for {child}",
                widget=forms.Select,
                initial=plan.latest_category,
            )
            self.fields[f"decision_{plan.pk}"] = choice(
                f"Does {child}’s plan continue?",
                [("continue", "The plan continues"), ("end", "The plan ends")],
                f"Select whether {child}’s plan continues",
                initial="continue",
            )
        self.fields["end_reason"] = words(
            "Why does a plan end? (if one ends)",
            None,
            help_text="For example, the risk is reduced and the family is working with us",
        )
        self.fields["step_to"] = choice(
            "The level of help after a plan ends",
            STEP_TO,
            "Select the level of help after the plan",
            initial=Level.CIN.value,
        )

    def categories(self) -> dict[Plan, str]:
        return {p: self.cleaned_data[f"category_{p.pk}"] for p in self.plans}

    def ending(self) -> dict[Plan, str]:
        reason = self.cleaned_data.get("end_reason", "")
        return {p: reason for p in self.plans if self.cleaned_data[f"decision_{p.pk}"] == "end"}


class EndPlanForm(ChangeForm):
    ended_on = when("date the plan ends", "When does the plan end?")
    reason = words("Why does the plan end?", "Enter why the plan ends")
    step_to = choice(
        "The level of help after the plan",
        STEP_TO,
        "Select the level of help after the plan",
        initial=Level.CIN.value,
    )


class MemberForm(ChangeForm):
    role = choice("Role in the team", TeamMember.Role.choices, "Select the member’s role")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"] = person(
            "Their account (optional)",
            access.people(access.LEAD_ROLES),
            None,
            "They have no account here",
            help_text="A member with an account sees the family’s child protection work",
        )
        self.order_fields(["role", "user"])

    name = words("Name", None, 100, help_text="Leave empty to use the account’s name")
    agency = words(
        "Agency",
        None,
        100,
        help_text="For example, Wessex Police. Leave empty to use the account’s",
    )
    started_on = when("date they joined the team", "When did they join the team?")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user = data.get("user")
        if user is not None:
            data["name"] = data.get("name") or access.name_of(user)
            data["agency"] = data.get("agency") or access.agency_of(user)
        if not data.get("name") and not self.has_error("name"):
            self.add_error("name", "Enter the member’s name, or choose their account")
        if not data.get("agency") and not self.has_error("agency"):
            self.add_error(
                "agency",
                "Enter the member’s agency"
                if user is not None
                else "Enter the member’s agency, or choose their account",
            )
        return data


class EndMemberForm(ChangeForm):
    ended_on = when("date they left the team", "When did they leave the team?")


class OfferForm(ChangeForm):
    offered_on = when("date of the offer", "When was it offered?")
    offered_to = words(
        "Who was it offered to?",
        "Enter who it was offered to",
        200,
        help_text="For example, Lisa Carter, mother",
    )
    what = long_words(
        "What was offered?",
        "Enter what was offered",
        help_text="For example, an advocate, what to expect at the conference, bringing "
        "a supporter",
    )
    taken_up = choice(
        "Did they take it up?",
        [("yes", "Yes"), ("no", "No"), ("unknown", "Not known yet")],
        "Select whether they took it up",
        initial="unknown",
    )

    def taken(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data["taken_up"])
