"""Forms of the work with the family kept apart from the journey's steps (`forms.py`):
a note with its kind and the day of the contact, and the editing of a plan's action."""

from __future__ import annotations

from typing import Any

from django import forms

from wholefamily.web.casework import forms as F
from wholefamily.web.casework.models import Action, Note


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of contact was it?",
        choices=Note.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what kind of contact it was"},
    )
    on = F.NotInFuture(
        label="Date of the contact",
        help_text="For example, 27 3 2025",
        error_messages={"required": "Enter the date of the contact"},
    )
    text = forms.CharField(
        label="Note",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={
            "required": "Enter the note",
            "max_length": "The note must be 5,000 characters or fewer",
        },
    )


class ActionEditForm(F.ActionForm):
    """An action's text, who will do it and its due date: the add form's own fields and
    checks, without the part of the plan (an action keeps its part)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["part"]

    def changes(self, action: Action) -> list[tuple[str, str, str]]:
        """(field, before, after) for each field the form changes, in the form's order."""
        found = []
        for name in ("text", "owner", "due"):
            before, after = getattr(action, name), self.cleaned_data[name]
            if before != after:
                found.append((name, str(before), str(after)))
        return found
