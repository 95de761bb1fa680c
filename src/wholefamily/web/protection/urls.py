from django.urls import path

from wholefamily.web.protection.views import section, steps

C = "families/<str:family_id>/child-protection"

urlpatterns = [
    path(C, section.protection, name="family_protection"),
    path(f"{C}/strategy", steps.strategy, name="cp_strategy"),
    path(f"{C}/enquiries/<int:pk>/outcome", steps.outcome, name="cp_outcome"),
    path(f"{C}/strategies/<int:pk>/conference", steps.initial_conference, name="cp_initial"),
    path(f"{C}/review", steps.review_conference, name="cp_review"),
    path(f"{C}/plans/<int:pk>/end", steps.end_plan, name="cp_end_plan"),
    path(f"{C}/team/add", steps.add_member, name="cp_member"),
    path(f"{C}/team/<int:pk>/end", steps.end_member, name="cp_end_member"),
    path(f"{C}/offer", steps.offer, name="cp_offer"),
]
