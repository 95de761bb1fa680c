from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "wholefamily.web.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"
