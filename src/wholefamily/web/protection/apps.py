from django.apps import AppConfig


class ProtectionConfig(AppConfig):
    name = "wholefamily.web.protection"
    label = "protection"
    verbose_name = "Child protection"
