"""Pages of the family journey. Every view checks the role and the family's
visibility (404 for a family not the user's), and writes the audit log."""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from wholefamily.safecsv import neutralise
from wholefamily.web.accounts.models import Role
from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action as Audit
from wholefamily.web.casework import forms as F
from wholefamily.web.casework import state
from wholefamily.web.casework.access import (
    can,
    family_or_404,
    role_of,
    sees_agency_detail,
    visible_families,
)
from wholefamily.web.casework.chart import distance_travelled
from wholefamily.web.casework.known import already_known
from wholefamily.web.casework.models import (
    Action,
    Assessment,
    Check,
    Event,
    NominatedPerson,
    Nomination,
    Note,
    Review,
    Score,
)
from wholefamily.web.families.models import Family, Intensity, Need, Origin, Status, SyncRun

NEED_NAMES = {
    "EDUCATION": "Getting a good education",
    "EARLY_YEARS": "Good early years development",
    "HEALTH": "Improved mental and physical health",
    "SUBSTANCE_USE": "Better managed substance use",
    "RELATIONSHIPS": "Improved family relationships",
    "CHILD_SAFETY": "Children safe from abuse and exploitation",
    "CRIME": "Crime prevention and tackling crime",
    "CRIME_ASB": "Crime and anti-social behaviour",
    "DOMESTIC_ABUSE": "Safe from domestic abuse",
    "HOUSING": "Secure housing",
    "FINANCE": "Improved financial stability",
    "WORK": "Worklessness",
    "WORK_FINANCE": "Worklessness and financial exclusion",
    "CHILDREN_NEED_HELP": "Children who need help",
    "LOCAL": "Local discretion filter",
}


def _forbid(request: HttpRequest, what: str) -> None:
    record(request, Audit.DENIED, what, "", "role may not do this")
    raise Http404("Not found")


def _require(request: HttpRequest, what: str, family: Family | None = None) -> None:
    if not can(request.user, what, family):
        _forbid(request, what)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    role = role_of(request.user)
    if role == Role.DPO:
        return redirect("audit")
    today = date.today()
    mine = visible_families(request.user)
    if role == Role.KEY_WORKER:
        mine = mine.filter(key_worker=request.user)
    overdue_reviews = mine.filter(status=Status.ACTIVE, review_due__lt=today)
    overdue_actions = (
        Action.objects.filter(family__in=mine, due__lt=today)
        .filter(state__in=[Action.State.NOT_STARTED, Action.State.IN_PROGRESS])
        .select_related("family")[:50]
    )
    counts = dict(mine.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    record(request, Audit.VIEW, "dashboard", "", "my dashboard")
    return render(
        request,
        "casework/dashboard.html",
        {
            "families": mine.exclude(status__in=[Status.CLOSED, Status.NOT_ELIGIBLE])
            .select_related("key_worker")
            .order_by("review_due", "family_id")[:20],
            "overdue_reviews": overdue_reviews.order_by("review_due")[:50],
            "overdue_actions": overdue_actions,
            "counts": [(s.label, counts.get(s.value, 0), s.value) for s in Status],
            "today": today,
        },
    )


FILTERS = ("district", "need", "status", "key_worker", "intensity")
FILTER_CODES_SECONDS = 300
User = get_user_model()


@login_required
def family_list(request: HttpRequest) -> HttpResponse:
    if role_of(request.user) == Role.DPO:
        _forbid(request, "family list")
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
    page = Paginator(qs.order_by("family_id"), settings.FAMILIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = urlencode([(k, v) for k, v in chosen.items() if v])  # for the paging links
    record(request, Audit.VIEW, "family list", "", query[:300])
    districts, needs = filter_codes()
    return render(
        request,
        "casework/family_list.html",
        {
            "page": page,
            "chosen": chosen,
            "query": query,
            "districts": districts,
            "needs": needs,
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


def _timeline(family: Family, agency: bool) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for e in family.events.select_related("by"):
        items.append({"on": e.on, "what": e.get_kind_display(), "detail": e.detail, "by": e.by})
    for c in family.checks.select_related("by"):
        items.append(
            {
                "on": c.at.date(),
                "what": "Central check",
                "detail": ("meets " if c.eligible else "does not meet ") + c.framework,
                "by": c.by,
            }
        )
    for r in family.reviews.select_related("by"):
        items.append({"on": r.on, "what": "Review", "detail": r.summary[:120], "by": r.by})
    for a in family.assessments.select_related("by"):
        items.append({"on": a.on, "what": "Whole-family assessment", "detail": "", "by": a.by})
    for n in family.nominations.select_related("nominated_by"):
        items.append(
            {
                "on": n.created_at.date(),
                "what": "Nominated",
                "detail": n.agency,
                "by": n.nominated_by,
            }
        )
    if agency:
        for ev in family.evidence.select_related("person"):
            items.append(
                {
                    "on": ev.date,
                    "what": f"{ev.source.replace('_', ' ')} row {ev.row}",
                    "detail": f"{ev.indicator} ({ev.person})",
                    "by": None,
                    "agency": True,
                }
            )
    items.sort(key=lambda i: i["on"] or date.min, reverse=True)
    return items


@login_required
def family_detail(request: HttpRequest, family_id: str) -> HttpResponse:
    family = family_or_404(request, family_id)
    role = role_of(request.user)
    record(request, Audit.VIEW, "family", family.family_id)
    if role == Role.PARTNER:
        return render(
            request,
            "casework/family_partner.html",
            {
                "family": family,
                "nominations": family.nominations.filter(
                    nominated_by=request.user
                ).prefetch_related("people"),
            },
        )
    agency = sees_agency_detail(request.user, family)
    evidence: dict[str, list[Any]] = {}
    if agency:
        for ev in family.evidence.select_related("person"):
            evidence.setdefault(ev.need, []).append(ev)
    needs = [
        {"need": n, "name": NEED_NAMES.get(n.need, n.need), "evidence": evidence.get(n.need, [])}
        for n in family.need_set.all()
    ]
    assessments = list(family.assessments.prefetch_related("scores__area"))
    plan = {p: [] for p in Action.Part}  # type: dict[Any, list[Action]]
    for a in family.actions.all():
        plan[Action.Part(a.part)].append(a)
    steps = [
        w
        for w in (
            "check",
            "allocate",
            "consent",
            "assess",
            "plan",
            "review",
            "intensity",
            "step",
            "close",
            "note",
            "found_need",
        )
        if can(request.user, w, family) and (w != "found_need" or _counts_found_needs(family))
    ]
    return render(
        request,
        "casework/family_detail.html",
        {
            "family": family,
            "members": family.member_set.filter(current=True)
            .select_related("person")
            .order_by("role", "person__dob"),
            "needs": needs,
            "agency": agency,
            "timeline": _timeline(family, agency),
            "plan": [(Action.Part(p).label, p, items) for p, items in plan.items()],
            "assessments": assessments,
            "chart": distance_travelled(assessments),
            "reviews": family.reviews.select_related("by")[:10],
            "notes": family.notes.select_related("by")[:20],
            "changes": family.changes.select_related("run")[:10],
            "baseline": family.baselines.order_by("-version").select_related("by").first(),
            "sustain": _sustain(family),
            "progress": family.progress.order_by("-at", "-created_at").first(),
            "found_needs": family.found_needs.select_related("by"),
            "steps": steps,
            "today": date.today(),
        },
    )


def _sustain(family: Family) -> str:
    """For a framework that asks outcomes to be sustained after closure: how long to go."""
    from wholefamily.web.progress.services import framework_or_none

    fw = framework_or_none(family.framework)
    days = fw.get("sustain_after_closure_days") if fw else None
    if family.closed_on is None or days is None:
        return ""
    left = int(days) - (date.today() - family.closed_on).days
    if left <= 0:
        return f"Sustained for {days} days since closure"
    return f"{-(-left // 7)} more week{'s' if left > 7 else ''} to sustain ({left} days)"


@login_required
def evidence_csv(request: HttpRequest, family_id: str) -> HttpResponse:
    family = family_or_404(request, family_id)
    if not (can(request.user, "evidence") and sees_agency_detail(request.user, family)):
        _forbid(request, "evidence download")
    record(request, Audit.DOWNLOAD, "family", family.family_id, "evidence CSV")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="evidence-{family.family_id}.csv"'
    w = csv.writer(response)
    w.writerow(["family_id", "need", "person_id", "source", "row", "date", "indicator"])
    for ev in family.evidence.select_related("person"):
        w.writerow(
            [
                neutralise(str(x))
                for x in (
                    family.family_id,
                    ev.need,
                    ev.person.person_id if ev.person else "",
                    ev.source,
                    ev.row,
                    ev.date or "",
                    ev.indicator,
                )
            ]
        )
    return response


def _step(
    request: HttpRequest,
    family_id: str,
    what: str,
    form_class: Callable[..., Any],
    apply: Callable[[Family, Any], str],
    title: str,
    initial: dict[str, Any] | None = None,
) -> HttpResponse:
    """GET shows the form, with the version of the case it is opened at. A valid POST
    is checked and applied in one transaction with the family's row locked
    (`state.lock`), audited, and returns to the family page. If the case changed
    since the form was opened, or is no longer in a state the step is allowed in,
    nothing is written and the form is shown again with what the user entered and
    a message saying so (409); an invalid form shows its errors."""
    family = family_or_404(request, family_id)
    posted = request.POST if request.method == "POST" else None
    # A form posted to a case that has moved on is answered below, with the user's input.
    _require(request, what, None if posted is not None else family)
    form = form_class(posted, initial=initial)
    version, status, changed = family.version, 200, None
    if posted is not None:
        seen = state.seen_version(posted)
        version = family.version if seen is None else seen
        if form.is_valid():
            try:
                with transaction.atomic():
                    now = state.lock(request.user, family, what, seen)
                    detail = apply(now, form)
                    record(request, Audit.CHANGE, "family", now.family_id, f"{what}: {detail}")
                return redirect(reverse("family", args=[now.family_id]))
            except state.NotVisible:
                record(request, Audit.DENIED, "family", family_id, "no longer visible to this user")
                raise Http404("No such family") from None
            except state.CaseChanged as exc:
                family = Family.objects.get(pk=family.pk)  # as it is, after the rollback
                changed, version, status = state.CaseChanged(family, exc.stale), family.version, 409
                form.add_error(None, changed.message())
    return render(
        request,
        "casework/step.html",
        {
            "family": family,
            "form": form,
            "title": title,
            "version": version,
            "changed": changed,
            "can_save": changed is None or can(request.user, what, family),
        },
        status=status,
    )


@login_required
def check(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        ok = form.cleaned_data["eligible"] == "yes"
        Check.objects.create(
            family=family,
            by=request.user,
            eligible=ok,
            framework=family.framework or "nomination",
            notes=form.cleaned_data["notes"],
        )
        family.status = Status.AWAITING_ALLOCATION if ok else Status.NOT_ELIGIBLE
        family.save(update_fields=["status"])
        return "eligible" if ok else "not eligible"

    return _step(request, family_id, "check", F.CheckForm, apply, "Central check")


@login_required
def allocate(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        d = form.cleaned_data
        family.key_worker, family.team, family.intensity = (
            d["key_worker"],
            d["team"],
            d["intensity"],
        )
        if family.status == Status.AWAITING_ALLOCATION:
            family.status = Status.ALLOCATED
        family.save(update_fields=["key_worker", "team", "intensity", "status"])
        name = d["key_worker"].get_full_name() or d["key_worker"].get_username()
        Event.objects.create(
            family=family,
            kind=Event.Kind.ALLOCATED,
            on=date.today(),
            by=request.user,
            detail=f"to {name}, {d['team']}, {family.get_intensity_display()} intensity",
        )
        return f"to {d['key_worker'].get_username()}"

    return _step(request, family_id, "allocate", F.AllocateForm, apply, "Allocate the family")


@login_required
def consent(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        d = form.cleaned_data
        family.consent = d["decision"]
        if d["decision"] == "given":
            family.status = Status.ACTIVE
            # Work starts when a family allocated to a key worker consents: the baseline.
            first = family.started_on is None
            family.started_on = family.started_on or d["on"]
            family.review_due = family.review_due or F.months_after(d["on"], 3)
            if first:
                _freeze(request, family, d["on"], "work started (consent given)")
        else:
            family.status = Status.CONSENT_REFUSED
        family.save(update_fields=["consent", "status", "started_on", "review_due"])
        Event.objects.create(
            family=family,
            kind=Event.Kind.CONSENT,
            on=d["on"],
            by=request.user,
            detail=d["decision"] + (f": {d['reason']}" if d["reason"] else ""),
        )
        return str(d["decision"])

    return _step(request, family_id, "consent", F.ConsentForm, apply, "Record consent")


def _freeze(request: HttpRequest, family: Family, start: date, reason: str) -> None:
    from wholefamily.web.progress.services import ProgressError, freeze

    try:
        b = freeze(family, start, request.user, reason)
        messages.success(request, f"Baseline version {b.version} frozen at {start:%d %B %Y}")
    except ProgressError as exc:
        messages.warning(request, f"The baseline could not be frozen yet: {exc}")


@login_required
def baseline(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        start = family.started_on or form.cleaned_data["on"]
        _freeze(request, family, start, form.cleaned_data["reason"])
        return f"baseline at {start}: {form.cleaned_data['reason']}"

    return _step(
        request,
        family_id,
        "baseline",
        F.BaselineForm,
        apply,
        "Freeze or correct the baseline",
        initial={"on": None},
    )


def _counts_found_needs(family: Family) -> bool:
    from wholefamily.web.progress.services import framework_or_none

    fw = framework_or_none(family.framework)
    return bool(fw and fw.get("needs_found_during_work"))


@login_required
def found_need(request: HttpRequest, family_id: str) -> HttpResponse:
    """Record a need found during the work (frameworks that count them: sf-2022)."""
    from wholefamily.web.progress.models import FoundNeed
    from wholefamily.web.progress.services import framework_data

    family = family_or_404(request, family_id)
    _require(request, "found_need", None if request.method == "POST" else family)
    if not _counts_found_needs(family):
        _forbid(request, "found_need")
    known = set(family.need_list) | set(family.found_needs.values_list("need", flat=True))
    latest = family.baselines.order_by("-version").first()
    if latest is not None:
        known |= set(latest.need_list)
    choices = [
        (code, NEED_NAMES.get(code, code))
        for code in framework_data(family.framework)["needs"]
        if code not in known
    ]
    if not choices:
        messages.info(request, "Every need of the framework is already recorded for this family.")
        return redirect(reverse("family", args=[family.family_id]))

    def form_class(data: Any, initial: Any = None) -> F.FoundNeedForm:
        return F.FoundNeedForm(data, initial=initial, choices=choices, started=family.started_on)

    def apply(family: Family, form: Any) -> str:
        d = form.cleaned_data
        FoundNeed.objects.create(
            family=family, need=d["need"], found_on=d["found_on"], note=d["note"], by=request.user
        )
        Event.objects.create(
            family=family,
            kind=Event.Kind.NEED_FOUND,
            on=d["found_on"],
            by=request.user,
            detail=NEED_NAMES.get(d["need"], d["need"]),
        )
        return f"need found: {d['need']}"

    return _step(
        request, family_id, "found_need", form_class, apply, "Record a need found during the work"
    )


@login_required
def assess(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        a = Assessment.objects.create(
            family=family,
            on=form.cleaned_data["on"],
            by=request.user,
            notes=form.cleaned_data["notes"],
        )
        Score.objects.bulk_create(
            [Score(assessment=a, area=area, score=s) for area, s in form.scores()]
        )
        return f"assessment {a.pk}"

    return _step(request, family_id, "assess", F.AssessmentForm, apply, "Whole-family assessment")


@login_required
def add_action(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        a = Action.objects.create(family=family, **form.cleaned_data)
        return f"action {a.pk} added"

    return _step(request, family_id, "plan", F.ActionForm, apply, "Add an action to the plan")


@login_required
def update_action(request: HttpRequest, family_id: str, action_id: int) -> HttpResponse:
    family = family_or_404(request, family_id)
    try:
        action = family.actions.get(pk=action_id)
    except Action.DoesNotExist:
        raise Http404("No such action") from None

    def apply(family: Family, form: Any) -> str:
        action.state = form.cleaned_data["state"]
        action.save(update_fields=["state"])
        return f"action {action.pk} {action.state}"

    return _step(
        request,
        family_id,
        "plan",
        F.ActionStateForm,
        apply,
        f"Update: {action.text}",
        initial={"state": action.state},
    )


@login_required
def review(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        d = form.cleaned_data
        Review.objects.create(family=family, by=request.user, **d)
        family.review_due = d["next_due"]
        family.save(update_fields=["review_due"])
        return f"review on {d['on']}"

    return _step(request, family_id, "review", F.ReviewForm, apply, "Record a review")


@login_required
def note(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        n = Note.objects.create(family=family, by=request.user, text=form.cleaned_data["text"])
        return f"note {n.pk}"

    return _step(request, family_id, "note", F.NoteForm, apply, "Add a note")


@login_required
def intensity(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        family.intensity = form.cleaned_data["intensity"]
        family.save(update_fields=["intensity"])
        Event.objects.create(
            family=family,
            kind=Event.Kind.INTENSITY,
            on=date.today(),
            by=request.user,
            detail=family.get_intensity_display(),
        )
        return str(family.intensity)

    return _step(request, family_id, "intensity", F.IntensityForm, apply, "Change intensity")


@login_required
def step(request: HttpRequest, family_id: str) -> HttpResponse:
    family = family_or_404(request, family_id)
    up = family.status == Status.ACTIVE

    def apply(family: Family, form: Any) -> str:
        d = form.cleaned_data
        if (family.status == Status.ACTIVE) != up:  # stepped the other way meanwhile
            raise state.CaseChanged(family, stale=True)
        family.status = Status.STEPPED_UP if up else Status.ACTIVE
        family.save(update_fields=["status"])
        Event.objects.create(
            family=family,
            kind=Event.Kind.STEP_UP if up else Event.Kind.STEP_DOWN,
            on=d["on"],
            by=request.user,
            detail=d["reason"],
        )
        return "step up" if up else "step down"

    title = "Step up to children's social care" if up else "Step down from social care"
    return _step(request, family_id, "step", F.StepForm, apply, title)


@login_required
def close(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        d = form.cleaned_data
        reason = dict(F.CLOSURE_REASONS)[d["reason"]]
        family.status, family.closed_on = Status.CLOSED, d["on"]
        family.closure_reason = (reason + (f": {d['detail']}" if d["detail"] else ""))[:200]
        family.review_due = None
        family.save(update_fields=["status", "closed_on", "closure_reason", "review_due"])
        Event.objects.create(
            family=family,
            kind=Event.Kind.CLOSED,
            on=d["on"],
            by=request.user,
            detail=family.closure_reason,
        )
        return family.closure_reason

    return _step(request, family_id, "close", F.CloseForm, apply, "Close the case")


def _framework_needs() -> list[tuple[str, str]]:
    from wholefamily.frameworks.files import check as check_file
    from wholefamily.frameworks.files import shipped

    latest = Family.objects.exclude(framework="").order_by("-as_of").first()
    name = latest.framework if latest else "sf-2022"
    files = shipped()
    fw = check_file(files.get(name, files["sf-2022"])).data
    return [(n, NEED_NAMES.get(n, n)) for n in fw["needs"]]


@login_required
def nominate(request: HttpRequest) -> HttpResponse:
    _require(request, "nominate")
    needs = _framework_needs()
    posted = request.POST if request.method == "POST" else None
    form = F.NominationForm(posted, needs=needs)
    people = F.PeopleFormSet(posted, prefix="person")
    if request.method == "POST" and form.is_valid() and people.is_valid():
        named = [p.cleaned_data for p in people if p.cleaned_data.get("forename")]
        if not named:
            form.add_error(None, "Name at least one member of the family")
        else:
            candidates = already_known(named)
            choice = request.POST.get("known", "")
            if candidates and not choice:
                record(request, Audit.VIEW, "nomination", "", "already-known check")
                return render(
                    request,
                    "casework/nominate_known.html",
                    {
                        "candidates": candidates,
                        "posted": [
                            (k, v)
                            for k, values in request.POST.lists()
                            if k not in ("csrfmiddlewaretoken", "known")
                            for v in values
                        ],
                    },
                )
            family = _nominated_family(request, form.cleaned_data, named, candidates, choice)
            return redirect(reverse("family", args=[family.family_id]))
    return render(request, "casework/nominate.html", {"form": form, "people": people})


def _nominated_family(
    request: HttpRequest,
    data: dict[str, Any],
    named: list[dict[str, Any]],
    candidates: list[dict[str, Any]],
    choice: str,
) -> Family:
    with transaction.atomic():
        chosen = {c["family_id"] for c in candidates}
        family = None
        if choice and choice != "new" and choice in chosen:
            family = Family.objects.get(family_id=choice)
        if family is None:
            n = Family.objects.filter(origin=Origin.NOMINATION).count() + 1
            family = Family.objects.create(
                family_id=f"N{n:06d}",
                origin=Origin.NOMINATION,
                status=Status.NOMINATED,
                members=len(named),
                children=sum(p["role"] == "CHILD" for p in named),
                adults=sum(p["role"] != "CHILD" for p in named),
                needs=";".join(data["needs"]),
            )
        else:
            # Nominating a family not being worked with puts it back to the central check.
            # Being worked with (or just nominated): the nomination joins the case as it is.
            with contextlib.suppress(state.CaseChanged):
                family = state.guard(
                    family,
                    (Status.IDENTIFIED, Status.NOT_ELIGIBLE, Status.CLOSED),
                    status=Status.NOMINATED,
                )
        nomination = Nomination.objects.create(
            family=family,
            nominated_by=request.user,
            agency=data["agency"],
            needs=";".join(data["needs"]),
            evidence=data["evidence"],
            consent=data["consent"],
            matched_existing=family.origin == Origin.DATA,
        )
        matched = {c["name_key"]: c["person_pk"] for c in candidates if c["family_id"] == choice}
        NominatedPerson.objects.bulk_create(
            [
                NominatedPerson(
                    nomination=nomination,
                    forename=p["forename"],
                    surname=p["surname"],
                    dob=p["dob"],
                    role=p["role"],
                    person_id=matched.get(f"{p['forename']}|{p['surname']}|{p['dob']}"),
                )
                for p in named
            ]
        )
        record(request, Audit.CREATE, "family", family.family_id, f"nomination {nomination.pk}")
    return family


@login_required
def my_nominations(request: HttpRequest) -> HttpResponse:
    _require(request, "nominate")
    rows = Nomination.objects.filter(nominated_by=request.user).select_related("family")
    record(request, Audit.VIEW, "nominations", "", "my nominations")
    return render(request, "casework/nominations.html", {"nominations": rows})
