from __future__ import annotations

from django.contrib import admin

from wholefamily.web.team.models import TeamContact, WorkContact


@admin.register(WorkContact)
class WorkContactAdmin(admin.ModelAdmin):
    """A practitioner's work phone and email (they can also set their own)."""

    list_display = ("user", "phone", "email")


@admin.register(TeamContact)
class TeamContactAdmin(admin.ModelAdmin):
    """A team's duty phone and shared mailbox."""

    list_display = ("team", "phone", "email")
