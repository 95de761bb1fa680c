from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "wholefamily.web.team"
    label = "team"
    verbose_name = "Team around the family"
