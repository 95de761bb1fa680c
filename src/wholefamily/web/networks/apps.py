from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "wholefamily.web.networks"
    label = "networks"
    verbose_name = "Family networks and family group decision making"
