from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "wholefamily.web.payments"
    label = "payments"
    verbose_name = "Family Network Support Packages, budgets and the ledger"
