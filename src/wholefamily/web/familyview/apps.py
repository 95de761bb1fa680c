from django.apps import AppConfig


class FamilyViewConfig(AppConfig):
    name = "wholefamily.web.familyview"
    label = "familyview"
    verbose_name = "The family's own view"
