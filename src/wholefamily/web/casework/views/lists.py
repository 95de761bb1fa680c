"""The dashboard and the family list, with their filters."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from wholefamily.web import clock
from wholefamily.web.accounts.models import Role
from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action as Audit
from wholefamily.web.casework.access import role_of, visible_families
from wholefamily.web.casework.caseload import OPEN_ACTIONS, caseloads, key_workers, with_overdue
from wholefamily.web.casework.models import Action
from wholefamily.web.casework.views.common import forbid
from wholefamily.web.families.labels import need_label
from wholefamily.web.families.models import Family, Intensity, Need, Status, SyncRun

DASHBOARD_PER_PAGE = 25
AWAITING_SHOWN = 25


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Overdue reviews and actions, the user's open families (every one, paged); for a
    team manager, the caseload of each key worker of the team and the families
    awaiting allocation."""
    role = role_of(request.user)
    if role == Role.DPO:
        return redirect("audit")
    today = clock.today()
    mine = visible_families(request.user)
    if role == Role.KEY_WORKER:
        mine = mine.filter(key_worker=request.user)
    overdue_reviews = mine.filter(status=Status.ACTIVE, review_due__lt=today)
    overdue_actions = (
        Action.objects.filter(family__in=mine, due__lt=today)
        .filter(state__in=OPEN_ACTIONS)
        .select_related("family")
        .order_by("due", "id")[:50]
    )
    counts = dict(mine.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    # Open: a case not closed and not found ineligible, or any family in Family Help now
    # (children's services families come in as not eligible for the programme's criteria).
    in_family_help = Family.objects.filter(
        episodes__opened_on__isnull=False, episodes__closed_on__isnull=True
    ).values("pk")
    open_families = with_overdue(
        mine.filter(
            ~Q(status__in=[Status.CLOSED, Status.NOT_ELIGIBLE]) | Q(pk__in=in_family_help)
        ).select_related("key_worker")
    ).order_by(F("review_due").asc(nulls_last=True), "family_id")
    page = Paginator(open_families, DASHBOARD_PER_PAGE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "page": page,
        "overdue_reviews": overdue_reviews.order_by("review_due", "family_id")[:50],
        "overdue_actions": overdue_actions,
        "counts": [(s.label, counts.get(s.value, 0), s.value) for s in Status],
        "today": today,
        "role": role,
    }
    team = getattr(getattr(request.user, "profile", None), "team", None)
    if role == Role.MANAGER and team is not None:
        awaiting = mine.filter(status=Status.AWAITING_ALLOCATION).order_by(
            F("identified_on").asc(nulls_last=True), "family_id"
        )
        context |= {
            "team": team,
            "caseloads": caseloads(key_workers(team.pk)),
            "awaiting": awaiting[:AWAITING_SHOWN],
            "awaiting_count": awaiting.count(),
        }
    record(request, Audit.VIEW, "dashboard", "", f"my dashboard, page {page.number}")
    return render(request, "casework/dashboard.html", context)


FILTERS = ("district", "need", "status", "key_worker", "intensity")


FILTER_CODES_SECONDS = 300


User = get_user_model()


@login_required
def family_list(request: HttpRequest) -> HttpResponse:
    if role_of(request.user) == Role.DPO:
        forbid(request, "family list")
    qs = visible_families(request.user).select_related("key_worker", "team")
    chosen = {k: request.GET.get(k, "") for k in FILTERS}
    if chosen["district"]:
        qs = qs.filter(district=chosen["district"])
    if chosen["need"]:
        qs = qs.filter(need_set__need=chosen["need"], need_set__current=True)
    if chosen["status"]:
        qs = qs.filter(status=chosen["status"])
    if chosen["key_worker"]:
        qs = qs.filter(key_worker__username=chosen["key_worker"])
    if chosen["intensity"]:
        qs = qs.filter(intensity=chosen["intensity"])
    page = Paginator(with_overdue(qs).order_by("family_id"), settings.FAMILIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = urlencode([(k, v) for k, v in chosen.items() if v])  # for the paging links
    record(request, Audit.VIEW, "family list", "", _in_words(chosen, page.number)[:300])
    districts, needs = filter_codes()
    return render(
        request,
        "casework/family_list.html",
        {
            "page": page,
            "chosen": chosen,
            "query": query,
            "districts": districts,
            "needs": need_choices(needs),
            "today": clock.today(),
            "statuses": Status.choices,
            "intensities": Intensity.choices,
            "workers": _worker_options(request.user),
        },
    )


def filter_codes() -> tuple[list[str], list[str]]:
    """The districts and need codes offered as filters.

    Codes only, no personal data, so they are the same for every user and are
    cached: a DISTINCT over every family on each page view cost more than the
    page. The key moves with the newest family, need and sync run, so a sync
    or a nomination shows at once; the five minutes only bound the cache's life.
    """
    newest = (
        Family.objects.aggregate(m=Max("pk"))["m"],
        Need.objects.aggregate(m=Max("pk"))["m"],
        SyncRun.objects.aggregate(m=Max("pk"))["m"],
    )
    key = "family-filter-codes:" + ":".join(str(n) for n in newest)

    def read() -> tuple[list[str], list[str]]:
        districts = (
            Family.objects.exclude(district="")
            .values_list("district", flat=True)
            .distinct()
            .order_by("district")
        )
        needs = (
            Need.objects.filter(current=True)
            .values_list("need", flat=True)
            .distinct()
            .order_by("need")
        )
        return list(districts), list(needs)

    codes: tuple[list[str], list[str]] = cache.get_or_set(key, read, FILTER_CODES_SECONDS)
    return codes


def _in_words(chosen: dict[str, str], page: int) -> str:
    """The filters of a family list as the audit log reads them: "need: Children not
    attending school regularly; status: Active; page 2"."""
    from wholefamily.web.reporting.metrics import main_framework

    words = {
        "need": lambda v: need_label(v, main_framework()),
        "status": lambda v: str(dict(Status.choices).get(v, v)),
        "intensity": lambda v: str(dict(Intensity.choices).get(v, v)),
    }
    parts = [
        f"{k.replace('_', ' ')}: {words[k](v) if k in words else v}" for k, v in chosen.items() if v
    ]
    return "; ".join(parts + ([f"page {page}"] if page > 1 else []))


def need_choices(codes: list[str]) -> list[tuple[str, str]]:
    """The need filter's options: each code with its title under the framework most
    families were identified under, by title."""
    from wholefamily.web.reporting.metrics import main_framework

    fw = main_framework()
    return sorted(((c, need_label(c, fw)) for c in codes), key=lambda x: x[1])


def _worker_options(user: Any) -> list[tuple[str, str, str]]:
    """Key workers of the families this user may see, for the key-worker filter.

    One index probe per staff user (EXISTS on the family's key worker) rather
    than a DISTINCT over every visible family.
    """
    visible = visible_families(user).order_by()
    workers = (
        User.objects.filter(Exists(visible.filter(key_worker=OuterRef("pk"))))
        .order_by("first_name", "last_name", "username")
        .values_list("username", "first_name", "last_name")
    )
    return list(workers)
