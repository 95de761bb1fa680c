"""Forms of every step, validated on the server; rendered in GOV.UK Design System style."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.casework.models import Action, AssessmentArea
from wholefamily.web.families.models import Intensity


def months_after(d: date, months: int) -> date:
    import calendar

    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


class DateWidget(forms.MultiWidget):
    template_name = "widgets/date.html"

    def __init__(self) -> None:
        attrs = {"inputmode": "numeric"}
        super().__init__([forms.TextInput(attrs) for _ in range(3)])

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateField(forms.MultiValueField):
    """Day, month and year boxes (the GOV.UK date input), one date or a clear error."""

    widget = DateWidget
    default_error_messages = {"incomplete": "Enter a day, month and year"}

    def __init__(self, **kwargs: Any) -> None:
        fields = [forms.CharField(), forms.CharField(), forms.CharField()]
        kwargs.setdefault("require_all_fields", False)
        super().__init__(fields, **kwargs)

    def compress(self, data_list: list[Any]) -> date | None:
        if not data_list or not any(data_list):
            return None
        if not all(data_list):
            raise ValidationError("Enter a day, month and year")
        try:
            day, month, year = (int(str(x).strip()) for x in data_list)
            if year < 1900 or year > 2100:
                raise ValueError
            return date(year, month, day)
        except ValueError:
            raise ValidationError("Enter a real date, for example 27 3 2025") from None


class NotInFuture(DateField):
    def compress(self, data_list: list[Any]) -> date | None:
        d = super().compress(data_list)
        if d is not None and d > date.today():
            raise ValidationError("The date must be today or in the past")
        return d


YES_NO = [("yes", "Yes"), ("no", "No")]


class CheckForm(forms.Form):
    eligible = forms.ChoiceField(
        label="Does the family meet the framework's criteria?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if the family meets the criteria"},
    )
    notes = forms.CharField(
        label="Notes for the team", widget=forms.Textarea, required=False, max_length=2000
    )


class AllocateForm(forms.Form):
    key_worker = forms.ModelChoiceField(
        label="Key worker",
        queryset=get_user_model().objects.none(),
        error_messages={"required": "Select a key worker"},
    )
    team = forms.ModelChoiceField(
        label="Team", queryset=Team.objects.all(), error_messages={"required": "Select a team"}
    )
    intensity = forms.ChoiceField(
        label="Intensity",
        choices=Intensity.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the intensity of the work"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = (
            get_user_model()
            .objects.filter(profile__role=Role.KEY_WORKER, is_active=True)
            .order_by("first_name", "last_name", "username")
        )
        field = self.fields["key_worker"]
        field.queryset = users  # type: ignore[attr-defined]
        field.label_from_instance = lambda u: u.get_full_name() or u.get_username()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        worker, team = data.get("key_worker"), data.get("team")
        if worker is not None and team is not None and worker.profile.team_id != team.id:
            self.add_error("key_worker", "Select a key worker from the chosen team")
        return data


class ConsentForm(forms.Form):
    decision = forms.ChoiceField(
        label="Consent",
        choices=[("given", "Given"), ("refused", "Refused"), ("withdrawn", "Withdrawn")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether consent was given, refused or withdrawn"},
    )
    on = NotInFuture(
        label="Date",
        help_text="For example, 27 3 2025",
        error_messages={"required": "Enter the date of the decision"},
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=300,
        help_text="Needed when consent is refused or withdrawn",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") in ("refused", "withdrawn") and not data.get("reason"):
            self.add_error("reason", "Enter the reason consent was refused or withdrawn")
        return data


class AssessmentForm(forms.Form):
    on = NotInFuture(
        label="Date of the assessment",
        help_text="For example, 27 3 2025",
        error_messages={"required": "Enter the date of the assessment"},
    )
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False, max_length=5000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = list(AssessmentArea.objects.filter(active=True))
        for area in self.areas:
            self.fields[f"area_{area.pk}"] = forms.IntegerField(
                label=area.name,
                min_value=1,
                max_value=10,
                help_text="From 1 (serious concern) to 10 (no concern)",
                error_messages={
                    "required": f"Enter a score for {area.name.lower()}",
                    "min_value": f"The score for {area.name.lower()} must be 1 or more",
                    "max_value": f"The score for {area.name.lower()} must be 10 or less",
                    "invalid": f"The score for {area.name.lower()} must be a whole number",
                },
                widget=forms.TextInput(
                    attrs={"inputmode": "numeric", "class": "govuk-input--width-2"}
                ),
            )

    def scores(self) -> list[tuple[AssessmentArea, int]]:
        return [(a, int(self.cleaned_data[f"area_{a.pk}"])) for a in self.areas]


class ActionForm(forms.Form):
    part = forms.ChoiceField(
        label="Part of the plan",
        choices=Action.Part.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select which part of the plan the action belongs to"},
    )
    text = forms.CharField(
        label="Action", max_length=500, error_messages={"required": "Enter the action"}
    )
    owner = forms.CharField(
        label="Who will do it", max_length=100, error_messages={"required": "Enter who will do it"}
    )
    due = DateField(
        label="Due by",
        help_text="For example, 27 3 2025",
        error_messages={"required": "Enter the date the action is due by"},
    )


class ActionStateForm(forms.Form):
    state = forms.ChoiceField(
        label="Status",
        choices=Action.State.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the status"},
    )


class ReviewForm(forms.Form):
    on = NotInFuture(
        label="Date of the review",
        help_text="For example, 27 3 2025",
        error_messages={"required": "Enter the date of the review"},
    )
    summary = forms.CharField(
        label="What has changed",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": "Enter what has changed"},
    )
    next_due = DateField(
        label="Next review by",
        help_text="At most 3 months after this review",
        error_messages={"required": "Enter the date of the next review"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        on, nxt = data.get("on"), data.get("next_due")
        if on and nxt:
            if nxt <= on:
                self.add_error("next_due", "The next review must be after this one")
            elif nxt > months_after(on, 3):
                self.add_error(
                    "next_due",
                    "Reviews are at least quarterly: the next review must be within 3 months",
                )
        return data


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Note",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": "Enter the note"},
    )


class IntensityForm(forms.Form):
    intensity = forms.ChoiceField(
        label="Intensity",
        choices=Intensity.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the intensity"},
    )


class StepForm(forms.Form):
    on = NotInFuture(
        label="Date",
        help_text="For example, 27 3 2025",
        error_messages={"required": "Enter the date"},
    )
    reason = forms.CharField(
        label="Reason", max_length=300, error_messages={"required": "Enter the reason"}
    )


CLOSURE_REASONS = [
    ("outcomes", "Outcomes achieved"),
    ("step_up", "Stepped up to social care"),
    ("moved", "Family moved away"),
    ("disengaged", "Family disengaged"),
    ("other", "Other"),
]


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why is the case closing?",
        choices=CLOSURE_REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why the case is closing"},
    )
    on = NotInFuture(
        label="Date closed",
        help_text="For example, 27 3 2025",
        error_messages={"required": "Enter the date the case closed"},
    )
    detail = forms.CharField(label="More detail", required=False, max_length=200)


ROLES = [("LEAD_ADULT", "Lead adult"), ("ADULT", "Adult"), ("CHILD", "Child")]


class NominationForm(forms.Form):
    agency = forms.CharField(
        label="Your agency", max_length=100, error_messages={"required": "Enter your agency"}
    )
    needs = forms.MultipleChoiceField(
        label="Which needs do you see?",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one need"},
    )
    evidence = forms.CharField(
        label="What have you seen?",
        widget=forms.Textarea,
        max_length=5000,
        help_text="The evidence for each need: what, when, and how you know",
        error_messages={"required": "Enter the evidence for the needs"},
    )
    consent = forms.ChoiceField(
        label="Has the family agreed to their information being shared?",
        choices=[("Y", "Yes"), ("N", "No"), ("U", "Not asked yet")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the family agreed to share information"},
    )

    def __init__(self, *args: Any, needs: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["needs"].choices = needs  # type: ignore[attr-defined]


class PersonForm(forms.Form):
    forename = forms.CharField(label="First name", max_length=100, required=False)
    surname = forms.CharField(label="Last name", max_length=100, required=False)
    dob = NotInFuture(label="Date of birth", required=False, help_text="For example, 27 3 2012")
    role = forms.ChoiceField(label="Role in the family", choices=ROLES, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [data.get(k) for k in ("forename", "surname", "dob")]
        if any(given) and not (data.get("forename") and data.get("surname")):
            self.add_error(
                "surname" if data.get("forename") else "forename",
                "Enter the first and last name of each person you name",
            )
        if any(given) and not data.get("role"):
            self.add_error("role", "Select the person's role in the family")
        return data


PeopleFormSet = forms.formset_factory(PersonForm, extra=5, max_num=8)


class AuditSearchForm(forms.Form):
    username = forms.CharField(label="User", required=False, max_length=150)
    object_id = forms.CharField(label="Family or record ID", required=False, max_length=64)
    action = forms.ChoiceField(label="Action", required=False)
    since = DateField(label="From", required=False, help_text="For example, 1 4 2025")
    until = DateField(label="To", required=False, help_text="For example, 30 6 2025")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from wholefamily.web.audit.models import Action as AuditAction

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any"), *AuditAction.choices]  # type: ignore[attr-defined]


class BaselineForm(forms.Form):
    reason = forms.CharField(
        label="Why is the baseline being frozen again?",
        max_length=300,
        help_text="For example: the police corrected an offence record dated before the start",
        error_messages={"required": "Enter why the baseline is being frozen again"},
    )
    on = NotInFuture(
        label="Start date",
        required=False,
        help_text="Only when the family has no start date yet. For example, 27 3 2025",
    )


class FoundNeedForm(forms.Form):
    need = forms.ChoiceField(
        label="Need found",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the need found"},
    )
    found_on = NotInFuture(
        label="Date found",
        help_text="For example, 27 3 2025",
        error_messages={"required": "Enter the date the need was found"},
    )
    note = forms.CharField(
        label="What was found",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Describe the need, not the people: no names",
        error_messages={"required": "Enter what was found"},
    )

    def __init__(
        self, *args: Any, choices: list[tuple[str, str]], started: date | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = choices
        self.started = started

    def clean_found_on(self) -> date:
        found: date = self.cleaned_data["found_on"]
        if self.started and found < self.started:
            raise forms.ValidationError(
                "The date found must be the same as or after the start of the work, "
                f"{self.started.day} {self.started:%B %Y}"
            )
        return found
