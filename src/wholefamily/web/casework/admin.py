from __future__ import annotations

from django.contrib import admin

from wholefamily.web.casework.models import AssessmentArea


@admin.register(AssessmentArea)
class AssessmentAreaAdmin(admin.ModelAdmin):
    """The areas a whole-family assessment scores: add, reorder, or retire (not delete:
    past scores keep their area)."""

    list_display = ("name", "order", "active")
    list_editable = ("order", "active")

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
