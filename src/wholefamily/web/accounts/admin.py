"""The admin (for a council's system administrators, staff users only): users and their
roles, teams, the assessment areas, funding settings and targets."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from wholefamily.web.accounts.models import Profile, Team


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class UserWithRole(UserAdmin):
    inlines = [ProfileInline]
    list_display = ("username", "first_name", "last_name", "is_active", "is_staff")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "district")
