"""Forms of every step, validated on the server; rendered in GOV.UK Design System style."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.casework import dates as D
from wholefamily.web.casework.dates import months_after as months_after
from wholefamily.web.casework.models import Action, AssessmentArea
from wholefamily.web.families.models import Intensity


class DateWidget(forms.MultiWidget):
    template_name = "widgets/date.html"

    def __init__(self) -> None:
        attrs = {"inputmode": "numeric"}
        super().__init__([forms.TextInput(attrs) for _ in range(3)])

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


def _and(words: list[str]) -> str:
    return " and ".join(words) if len(words) < 3 else f"{', '.join(words[:-1])} and {words[-1]}"


class DateField(forms.MultiValueField):
    """Day, month and year boxes (the GOV.UK date input), one date or a clear error
    in GOV.UK's words, naming the date (`what`: "date of consent")."""

    widget = DateWidget

    def __init__(self, *, what: str = "date", **kwargs: Any) -> None:
        self.what = what
        messages = {"required": f"Enter the {what}", "incomplete": f"Enter the {what}"}
        messages.update(kwargs.pop("error_messages", None) or {})
        fields = [forms.CharField(required=False) for _ in range(3)]
        kwargs.setdefault("require_all_fields", False)
        super().__init__(fields, error_messages=messages, **kwargs)

    def compress(self, data_list: list[Any]) -> date | None:
        if not data_list or not any(data_list):
            return None
        missing = [n for n, x in zip(("day", "month", "year"), data_list, strict=True) if not x]
        if missing:
            raise ValidationError(f"The {self.what} must include a {_and(missing)}")
        try:
            day, month, year = (int(str(x).strip()) for x in data_list)
            if year < 1900 or year > 2100:
                raise ValueError
            return date(year, month, day)
        except ValueError:
            raise ValidationError(f"The {self.what} must be a real date") from None


class NotInFuture(DateField):
    """A date that has happened: today or before (`clock.today()`)."""

    def compress(self, data_list: list[Any]) -> date | None:
        d = super().compress(data_list)
        refusal = D.past(self.what, d)
        if refusal:
            raise ValidationError(refusal)
        return d


class CaseForm(forms.Form):
    """A step's form whose dates are checked against the case's own timeline
    (`dates.CaseDates`): `step_page` calls `check_dates` with the case as the form
    was posted, and again with the case locked, before anything is written."""

    def date_errors(self, case: D.CaseDates) -> list[tuple[str, str | None]]:
        return []

    def check_dates(self, case: D.CaseDates) -> bool:
        """Adds each refusal to its field (one that has no error yet); False if any."""
        ok = True
        for field, refusal in self.date_errors(case):
            if refusal and field not in self.errors:
                self.add_error(field, refusal)
                ok = False
        return ok

    def _date(self, name: str) -> date | None:
        value = self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None
        return value if isinstance(value, date) else None


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


class ConsentForm(CaseForm):
    decision = forms.ChoiceField(
        label="Consent",
        choices=[("given", "Given"), ("refused", "Refused"), ("withdrawn", "Withdrawn")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether consent was given, refused or withdrawn"},
    )
    on = NotInFuture(
        label="Date",
        what="date of consent",
        help_text="For example, 27 3 2025",
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

    def date_errors(self, case: D.CaseDates) -> list[tuple[str, str | None]]:
        bounds = [case.began]
        if self.cleaned_data.get("decision") in ("refused", "withdrawn"):
            bounds.append(case.started)  # withdrawn after the work started: not before it
        bounds.append(case.last_consent)
        return [("on", D.not_before("date of consent", self._date("on"), *bounds))]


class AssessmentForm(CaseForm):
    on = NotInFuture(
        label="Date of the assessment",
        what="date of the assessment",
        help_text="For example, 27 3 2025",
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

    def date_errors(self, case: D.CaseDates) -> list[tuple[str, str | None]]:
        on = self._date("on")
        return [("on", D.not_before("date of the assessment", on, case.began, case.started))]

    def scores(self) -> list[tuple[AssessmentArea, int]]:
        return [(a, int(self.cleaned_data[f"area_{a.pk}"])) for a in self.areas]


class ActionForm(CaseForm):
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
        what="date the action is due by",
        help_text="For example, 27 3 2025",
    )

    def date_errors(self, case: D.CaseDates) -> list[tuple[str, str | None]]:
        # A planned date: it may be in the future, not before the work started.
        due = self._date("due")
        return [("due", D.not_before("date the action is due by", due, case.began, case.started))]


class ActionStateForm(forms.Form):
    state = forms.ChoiceField(
        label="Status",
        choices=Action.State.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the status"},
    )


class ReviewForm(CaseForm):
    on = NotInFuture(
        label="Date of the review",
        what="date of the review",
        help_text="For example, 27 3 2025",
    )
    summary = forms.CharField(
        label="What has changed",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": "Enter what has changed"},
    )
    next_due = DateField(
        label="Next review by",
        what="date of the next review",
        help_text=f"After this review and at most {D.REVIEW_MONTHS} months after it",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        on, nxt = data.get("on"), data.get("next_due")
        if on and nxt:
            if nxt <= on:
                self.add_error(
                    "next_due",
                    "The date of the next review must be after the date of this review, "
                    + D.day(on),
                )
            elif nxt > (latest := months_after(on, D.REVIEW_MONTHS)):
                self.add_error(
                    "next_due",
                    f"The date of the next review must be on or before {D.day(latest)}, "
                    f"{D.REVIEW_MONTHS} months after this review (reviews are at least quarterly)",
                )
        return data

    def date_errors(self, case: D.CaseDates) -> list[tuple[str, str | None]]:
        on = self._date("on")
        return [("on", D.not_before("date of the review", on, case.began, case.started))]


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


class StepForm(CaseForm):
    """Stepping up to children's social care (`up`), or down again."""

    on = NotInFuture(label="Date", help_text="For example, 27 3 2025")
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        widget=forms.Textarea,
    )

    def __init__(self, *args: Any, up: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.up = up
        what = "date of the step up" if up else "date of the step down"
        on = self.fields["on"]
        assert isinstance(on, DateField)
        on.what = what
        on.label = "Date of the step up" if up else "Date of the step down"
        on.error_messages.update(required=f"Enter the {what}", incomplete=f"Enter the {what}")
        reason = self.fields["reason"]
        if up:
            reason.label = "Why is the family being stepped up?"
            reason.help_text = "What has changed, and the referral made to children's social care"
            reason.error_messages["required"] = "Enter why the family is being stepped up"
        else:
            reason.label = "Why is the family being stepped down?"
            reason.help_text = "What social care has done, and what the family needs from us now"
            reason.error_messages["required"] = "Enter why the family is being stepped down"

    def date_errors(self, case: D.CaseDates) -> list[tuple[str, str | None]]:
        on = self._date("on")
        what = "date of the step up" if self.up else "date of the step down"
        return [("on", D.not_before(what, on, case.began, case.last_state, case.started))]


CLOSURE_REASONS = [
    ("outcomes", "Outcomes achieved"),
    ("step_up", "Stepped up to social care"),
    ("moved", "Family moved away"),
    ("disengaged", "Family disengaged"),
    ("other", "Other"),
]


class CloseForm(CaseForm):
    reason = forms.ChoiceField(
        label="Why is the case closing?",
        choices=CLOSURE_REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why the case is closing"},
    )
    on = NotInFuture(
        label="Date closed",
        what="date the case closed",
        help_text="For example, 27 3 2025",
    )
    detail = forms.CharField(
        label="More detail",
        required=False,
        max_length=150,
        widget=forms.Textarea,
        help_text="Needed when the reason is Other",
        error_messages={"max_length": "The detail must be 150 characters or fewer"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == "other" and not str(data.get("detail") or "").strip():
            self.add_error("detail", "Describe why the case is closing")
        return data

    def date_errors(self, case: D.CaseDates) -> list[tuple[str, str | None]]:
        on = self._date("on")
        return [("on", D.not_before("date the case closed", on, case.began, case.last_event))]


class CorrectStartForm(CaseForm):
    """A manager's correction of the date of consent that started the work."""

    on = NotInFuture(label="Correct date of consent", what="date of consent")
    reason = forms.CharField(
        label="Why is the date being corrected?",
        max_length=200,
        widget=forms.Textarea,
        help_text="For example: the year was typed wrongly; the consent form is dated 3 April",
        error_messages={"required": "Enter why the date is being corrected"},
    )

    def __init__(self, *args: Any, recorded: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recorded = recorded
        if recorded is not None:
            self.fields["on"].help_text = (
                f"Recorded now: {D.day(recorded)}. The work started on the date of consent, "
                "so the start of the work and the baseline follow it. For example, 27 3 2025"
            )

    def date_errors(self, case: D.CaseDates) -> list[tuple[str, str | None]]:
        on, what = self._date("on"), "date of consent"
        same = None
        if on is not None and case.started is not None and on == case.started.on:
            same = f"The date of consent is already {D.day(on)}: enter the correct date"
        return [
            (
                "on",
                D.first(
                    same,
                    D.not_before(what, on, case.began, case.before_start),
                    D.not_after(what, on, case.after_start),
                ),
            )
        ]


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why is the case being reopened?",
        max_length=200,
        widget=forms.Textarea,
        help_text="For example: closed by mistake; the family asked for help again",
        error_messages={"required": "Enter why the case is being reopened"},
    )


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
    dob = NotInFuture(
        label="Date of birth",
        what="date of birth",
        required=False,
        help_text="For example, 27 3 2012",
    )
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
    since = DateField(
        label="From", what="date to search from", required=False, help_text="For example, 1 4 2025"
    )
    until = DateField(
        label="To", what="date to search to", required=False, help_text="For example, 30 6 2025"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from wholefamily.web.audit.models import Action as AuditAction

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any"), *AuditAction.choices]  # type: ignore[attr-defined]


class BaselineForm(CaseForm):
    reason = forms.CharField(
        label="Why is the baseline being frozen again?",
        max_length=300,
        help_text="For example: the police corrected an offence record dated before the start",
        error_messages={"required": "Enter why the baseline is being frozen again"},
    )
    on = NotInFuture(
        label="Start date",
        what="start date",
        required=False,
        help_text="Only when the family has no start date yet. For example, 27 3 2025",
    )

    def date_errors(self, case: D.CaseDates) -> list[tuple[str, str | None]]:
        return [("on", D.not_before("start date", self._date("on"), case.began))]


class FoundNeedForm(CaseForm):
    need = forms.ChoiceField(
        label="Need found",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the need found"},
    )
    found_on = NotInFuture(
        label="Date found",
        what="date the need was found",
        help_text="For example, 27 3 2025",
    )
    note = forms.CharField(
        label="What was found",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Describe the need, not the people: no names",
        error_messages={"required": "Enter what was found"},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = choices

    def date_errors(self, case: D.CaseDates) -> list[tuple[str, str | None]]:
        found = self._date("found_on")
        return [
            ("found_on", D.not_before("date the need was found", found, case.began, case.started))
        ]
