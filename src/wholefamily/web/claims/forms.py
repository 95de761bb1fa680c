"""The claims pages' forms: preparing a quarter's claim, and the sign-off declaration."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from wholefamily.web.claims.models import ClaimError

DECLARATION = (
    "I have looked at the evidence pack of each family listed. I confirm that, to the "
    "best of my knowledge, each family has achieved the result claimed for it, the "
    "work with the family was the programme's, and the family has not been claimed "
    "for this result before. I understand that a signed family cannot be changed."
)


class PrepareClaimForm(forms.Form):
    period = forms.CharField(
        label="Quarter",
        max_length=6,
        help_text="The year and quarter, for example 2025Q1 (January to March 2025)",
        error_messages={"required": "Enter the quarter, for example 2025Q1"},
    )
    framework = forms.ChoiceField(
        label="Framework",
        error_messages={"required": "Select the framework"},
    )

    def __init__(self, *args: Any, frameworks: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["framework"].choices = [(n, n) for n in frameworks]

    def clean_period(self) -> str:
        period = str(self.cleaned_data["period"]).strip().upper()
        if not re.fullmatch(r"\d{4}Q[1-4]", period):
            raise forms.ValidationError("Enter the quarter as a year and quarter, like 2025Q1")
        return period

    def clean(self) -> dict[str, Any]:
        from wholefamily.web.claims.guard import claimable
        from wholefamily.web.claims.services import period_end

        data = super().clean() or {}
        period, framework = data.get("period"), data.get("framework")
        if period and framework:
            try:
                claimable(period, period_end(period), framework)
            except ClaimError as exc:
                self.add_error("period", str(exc))
        return data


class SignOffForm(forms.Form):
    """The lines chosen on the claim's page, and the manager's declaration."""

    line = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={
            "required": "Select the families to sign off",
            "invalid_choice": "A family chosen is no longer awaiting sign-off: choose again",
        },
    )
    declaration = forms.BooleanField(
        label="I confirm the declaration",
        error_messages={"required": "Confirm the declaration to sign off these families"},
    )

    def __init__(self, *args: Any, lines: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [(pk, str(pk)) for pk in lines]
