from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "wholefamily.web.reporting"
    label = "reporting"
    verbose_name = "Reporting"
