from django.urls import path

from wholefamily.web.networks.views import section, steps

N = "families/<str:family_id>/network"

urlpatterns = [
    path(N, section.network, name="family_network"),
    path(f"{N}/add", steps.add_member, name="nw_add"),
    path(f"{N}/members/<int:pk>/change", steps.edit_member, name="nw_edit"),
    path(f"{N}/members/<int:pk>/end", steps.end_member, name="nw_end"),
    path(f"{N}/none", steps.no_network, name="nw_none"),
    path(f"{N}/offer", steps.offer, name="nw_offer"),
    path(f"{N}/offers/<int:pk>/outcome", steps.outcome, name="nw_outcome"),
    path(f"{N}/meeting", steps.meeting, name="nw_meeting"),
    path(f"{N}/meetings/<int:pk>/plan", steps.plan_line, name="nw_plan"),
    path(f"{N}/living", steps.arrangement, name="nw_living"),
    path(f"{N}/living/<int:pk>/end", steps.end_arrangement, name="nw_living_end"),
]
