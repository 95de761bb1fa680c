from django.urls import path

from wholefamily.web.team import views

urlpatterns = [
    path("families/<str:family_id>/team", views.team_page, name="family_team"),
    path("families/<str:family_id>/team/add", views.add_professional, name="team_add"),
    path("families/<str:family_id>/team/<int:pk>", views.change_professional, name="team_change"),
    path("families/<str:family_id>/contact-details", views.contacts_page, name="family_contacts"),
    path(
        "families/<str:family_id>/contact-details/change",
        views.change_contacts,
        name="contacts_change",
    ),
    path(
        "families/<str:family_id>/contact-details/address",
        views.add_address,
        name="address_add",
    ),
    path("my-work-contact-details", views.work_contact, name="team_work_contact"),
]
