from django.apps import AppConfig


class FamilyHelpConfig(AppConfig):
    name = "wholefamily.web.familyhelp"
    label = "familyhelp"
    verbose_name = "Family Help"
