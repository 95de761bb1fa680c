from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "wholefamily.web.audit"
    label = "audit"
    verbose_name = "Audit log"
