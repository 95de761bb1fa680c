from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "wholefamily.web.casework"
    label = "casework"
    verbose_name = "Case work"
