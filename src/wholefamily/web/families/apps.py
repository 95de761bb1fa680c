from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    name = "wholefamily.web.families"
    label = "families"
    verbose_name = "Families, people, needs and evidence"

    def ready(self) -> None:
        from wholefamily.web.families import naming

        naming.connect()
