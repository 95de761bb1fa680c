from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "wholefamily.web.returns"
    label = "returns"
    verbose_name = "Statutory returns"
