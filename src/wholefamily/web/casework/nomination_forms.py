"""The central check's form when the family was nominated: the decision, and, when the
already-known check found known families, which family the nominated people are."""

from __future__ import annotations

from typing import Any

from django import forms

from wholefamily.web.casework.forms import CheckForm

NEW = "new"


class CentralCheckForm(CheckForm):
    join = forms.ChoiceField(
        label="If it meets the criteria, which family is this?",
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Select the known family this is, or none of these"},
        help_text="The people named become its members.",
    )
    field_order = ["eligible", "join", "notes"]

    def __init__(self, *args: Any, known: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["join"].choices = [  # type: ignore[attr-defined]
            *known,
            (NEW, "None of these: a family not known to the programme yet"),
        ]
        if not known:
            del self.fields["join"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "join" in self.fields and data.get("eligible") == "yes" and not data.get("join"):
            self.add_error("join", "Select the known family this is, or none of these")
        return data
