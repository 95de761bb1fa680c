from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "wholefamily.web.places"
    label = "places"
    verbose_name = "Services with places, and referrals to them"
