"""The audit log search, for the data protection officer."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from wholefamily.web.accounts.models import Role
from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action, AuditEntry


@login_required
def search(request: HttpRequest) -> HttpResponse:
    from wholefamily.web.casework.access import role_of
    from wholefamily.web.casework.forms import AuditSearchForm

    if role_of(request.user) != Role.DPO:
        record(request, Action.DENIED, "audit log", "", "role may not search the log")
        raise Http404("Not found")
    form = AuditSearchForm(request.GET or None)  # an empty search lists everything
    entries = AuditEntry.objects.all()
    if form.is_valid():
        d = form.cleaned_data
        if d["username"]:
            entries = entries.filter(username__iexact=d["username"])
        if d["object_id"]:
            entries = entries.filter(object_id=d["object_id"])
        if d["action"]:
            entries = entries.filter(action=d["action"])
        tz = timezone.get_current_timezone()
        if d["since"]:
            entries = entries.filter(at__gte=datetime.combine(d["since"], time.min, tz))
        if d["until"]:
            entries = entries.filter(at__lte=datetime.combine(d["until"], time.max, tz))
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    record(request, Action.VIEW, "audit log", "", "search")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "audit/search.html", {"form": form, "page": page, "query": query.urlencode()}
    )
