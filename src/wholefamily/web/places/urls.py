from django.urls import path

from wholefamily.web.places import views

urlpatterns = [
    path("services", views.directory, name="services"),
    path("services/add", views.add_service, name="service_add"),
    path("services/<int:pk>", views.service_detail, name="service"),
    path("services/<int:pk>/change", views.edit_service, name="service_edit"),
    path("services/<int:pk>/places", views.set_places, name="service_places"),
    path(
        "families/<str:family_id>/plan/<int:action_id>/refer",
        views.refer,
        name="refer",
    ),
    path(
        "families/<str:family_id>/referrals/<int:pk>",
        views.update_referral,
        name="referral",
    ),
]
