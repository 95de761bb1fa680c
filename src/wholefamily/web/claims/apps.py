from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "wholefamily.web.claims"
    label = "claims"
    verbose_name = "Payment-by-results claims"
