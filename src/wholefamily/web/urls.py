from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path, reverse

from wholefamily.web.accounts.views import LoginView, logout_view
from wholefamily.web.audit.views import search
from wholefamily.web.casework import queue
from wholefamily.web.casework import views as v
from wholefamily.web.claims import views as claims
from wholefamily.web.reporting import views as reporting


def admin_login(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """The admin signs in through the service's own (throttled, audited) sign-in page."""
    if request.user.is_authenticated:
        raise Http404("Not found")  # signed in, but not staff
    return redirect_to_login(request.get_full_path(), reverse("login"))


admin.site.login = admin_login  # type: ignore[method-assign]
admin.site.site_header = "wholefamily administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", v.dashboard, name="dashboard"),
    path("sign-in", LoginView.as_view(), name="login"),
    path("sign-out", logout_view, name="logout"),
    path("families", v.family_list, name="families"),
    path("families/<str:family_id>", v.family_detail, name="family"),
    path("families/<str:family_id>/evidence.csv", v.evidence_csv, name="evidence_csv"),
    path("families/<str:family_id>/assessments", v.assessments, name="family_assessments"),
    path("families/<str:family_id>/reviews", v.reviews, name="family_reviews"),
    path("families/<str:family_id>/notes", v.notes, name="family_notes"),
    path("families/<str:family_id>/progress", v.progress, name="family_progress"),
    path("families/<str:family_id>/evidence", v.evidence, name="family_evidence"),
    path("families/<str:family_id>/chronology", v.chronology, name="family_chronology"),
    path(
        "families/<str:family_id>/chronology.csv",
        v.chronology_csv,
        name="family_chronology_csv",
    ),
    path(
        "families/<str:family_id>/chronology.pdf",
        v.chronology_pdf,
        name="family_chronology_pdf",
    ),
    path("families/<str:family_id>/changes", v.changes, name="family_changes"),
    path("families/<str:family_id>/check", v.check, name="check"),
    path("families/<str:family_id>/allocate", v.allocate, name="allocate"),
    path("families/<str:family_id>/consent", v.consent, name="consent"),
    path("families/<str:family_id>/assessment", v.assess, name="assess"),
    path("families/<str:family_id>/plan", v.family_plan, name="family_plan"),
    path("families/<str:family_id>/plan/add", v.add_action, name="plan"),
    path("families/<str:family_id>/plan/<int:action_id>", v.update_action, name="action"),
    path("families/<str:family_id>/plan/<int:action_id>/edit", v.edit_action, name="action_edit"),
    path("families/<str:family_id>/review", v.review, name="review"),
    path("families/<str:family_id>/note", v.note, name="note"),
    path("families/<str:family_id>/intensity", v.intensity, name="intensity"),
    path("families/<str:family_id>/step", v.step, name="step"),
    path("families/<str:family_id>/close", v.close, name="close"),
    path("families/<str:family_id>/baseline", v.baseline, name="baseline"),
    path("families/<str:family_id>/found-need", v.found_need, name="found_need"),
    path("families/<str:family_id>/correct-start", v.correct, name="correct"),
    path("families/<str:family_id>/reopen", v.reopen, name="reopen"),
    path("nominate", v.nominate, name="nominate"),
    path("nominations", v.my_nominations, name="nominations"),
    path("review-queue", queue.review_queue, name="review_queue"),
    path("audit", search, name="audit"),
    path("claims", claims.claim_list, name="claims"),
    path("funding", claims.funding_view, name="funding"),
    path("reports", reporting.dashboard, name="reports"),
    path("reports/<slug:key>.csv", reporting.figure_csv, name="report_csv"),
    path("claims/prepare", claims.prepare_claim, name="claim_prepare"),
    path("claims/<int:pk>", claims.claim_detail, name="claim"),
    path("claims/<int:pk>/claim.csv", claims.claim_file, name="claim_file"),
    path("claims/<int:pk>/sign-off", claims.sign_off, name="claim_sign_off"),
    path("claims/<int:pk>/lines/<int:line_id>/pack", claims.pack, name="claim_pack"),
    path("", include("wholefamily.web.team.urls")),
    path("", include("wholefamily.web.familyhelp.urls")),
    path("", include("wholefamily.web.protection.urls")),
    path("", include("wholefamily.web.networks.urls")),
    path("", include("wholefamily.web.returns.urls")),
    path("", include("wholefamily.web.payments.urls")),
    path("", include("wholefamily.web.places.urls")),
    path("", include("wholefamily.web.familyview.urls")),
]
