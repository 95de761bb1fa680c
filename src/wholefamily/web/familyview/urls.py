"""The family's own view (`my-family/...`, URL names `my_*`: the only pages a family
account reaches) and the practitioner's side of it (`families/<id>/family-view/...`)."""

from django.urls import path

from wholefamily.web.familyview.views import pages, practice, signin

M = "my-family"
P = "families/<str:family_id>/family-view"

urlpatterns = [
    # A family member's way in and out.
    path(f"{M}/invitation/<str:token>", signin.invitation, name="my_invite"),
    path(f"{M}/sign-in", signin.sign_in, name="my_login"),
    path(f"{M}/sign-in/code", signin.sign_in_code, name="my_code"),
    path(f"{M}/sign-out", signin.sign_out, name="my_logout"),
    path(f"{M}/language", signin.language, name="my_language"),
    # The family's pages.
    path(M, pages.home, name="my_home"),
    path(f"{M}/plan", pages.plan, name="my_plan"),
    path(f"{M}/plan/<int:action_id>/done", pages.done, name="my_done"),
    path(f"{M}/plan/add", pages.add, name="my_add"),
    path(f"{M}/network", pages.network, name="my_network"),
    path(f"{M}/before-review", pages.before_review, name="my_before_review"),
    path(f"{M}/assessment", pages.assessment, name="my_assessment"),
    path(f"{M}/shared", pages.shared, name="my_shared"),
    path(f"{M}/feedback", pages.feedback, name="my_feedback"),
    # The practitioner's side.
    path(P, practice.section, name="family_view"),
    path(f"{P}/invite", practice.invite, name="fv_invite"),
    path(f"{P}/invitations/<int:pk>/withdraw", practice.withdraw_invitation, name="fv_uninvite"),
    path(f"{P}/accounts/<int:pk>/withdraw", practice.withdraw, name="fv_withdraw"),
    path(f"{P}/proposals/<int:pk>", practice.decide, name="fv_decide"),
    path(f"{P}/notes/<int:pk>/share", practice.share, name="fv_share"),
    path(f"{P}/preview", pages.preview, name="fv_preview"),
]
