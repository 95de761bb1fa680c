from django.urls import path

from wholefamily.web.familyhelp.views import section, steps

F = "families/<str:family_id>/family-help"

urlpatterns = [
    path(F, section.family_help, name="family_help"),
    path(f"{F}/request", steps.record_request, name="fh_request"),
    path(f"{F}/requests/<int:pk>/decide", steps.decide, name="fh_decide"),
    path(f"{F}/level", steps.change_level, name="fh_level"),
    path(f"{F}/lead", steps.change_lead, name="fh_lead"),
    path(f"{F}/oversight", steps.oversight, name="fh_oversight"),
    path(f"{F}/close", steps.close, name="fh_close"),
    path(f"{F}/assessment", steps.start_assessment, name="fh_assess"),
    path(f"{F}/assessments/<int:pk>/complete", steps.complete_assessment, name="fh_complete"),
    path(f"{F}/assessments/<int:pk>/authorise", steps.authorise_assessment, name="fh_authorise"),
]
