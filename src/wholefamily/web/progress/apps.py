from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "wholefamily.web.progress"
    label = "progress"
    verbose_name = "Baselines and progress"
