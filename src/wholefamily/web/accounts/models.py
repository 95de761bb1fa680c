"""Who may do what: teams and the seven roles.

A user's role decides which families they can see (`casework.access`):
- key worker (lead practitioner): the families allocated to them or their team;
- team manager: the families of their team, and allocates them;
- programme analyst: every family; runs the central check and the review queue;
- partner professional: the families they nominated, and those whose Family Help
  they lead (what the family consented to share);
- child protection practitioner: a member of the multi-agency child protection team,
  the families whose child protection work they are part of;
- data protection officer: no family; searches the audit log;
- head of service: every family; approves Family Network Support Packages above a
  team manager's limit, and sets the budgets.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    KEY_WORKER = "key_worker", "Key worker"
    MANAGER = "manager", "Team manager"
    ANALYST = "analyst", "Programme analyst"
    PARTNER = "partner", "Partner professional"
    CP_PRACTITIONER = "cp_practitioner", "Child protection practitioner"
    DPO = "dpo", "Data protection officer"
    HEAD_OF_SERVICE = "head_of_service", "Head of service"


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    district = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT)
    agency = models.CharField(max_length=100, blank=True, help_text="For partners: their agency.")
    phone = models.CharField(
        max_length=30, blank=True, help_text="Shown to the families they lead, with their email."
    )

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"


class LoginFailure(models.Model):
    """A failed login, kept for throttling (the username as sign-in reads it, the
    client's address)."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=45, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
