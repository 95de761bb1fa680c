"""The linkage review queue in the web app: doubtful pairs side by side, decided by an analyst.

It reads and writes the workspace's warehouse (`wholefamily.linkage.review`);
when a load or link holds the warehouse, the page says so and asks to retry.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action
from wholefamily.web.casework.views import _require


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    # Imported here: the linkage stack (Splink, Ibis) is heavy, and the URLconf
    # imports this module on a server's first request.
    from wholefamily import warehouse as W
    from wholefamily.linkage import review as R

    _require(request, "review_queue")
    error, pairs = "", []
    if request.method == "POST":
        left, right = request.POST.get("left", ""), request.POST.get("right", "")
        decision = request.POST.get("decision", "")
        try:
            con = W.connect(settings.WORKSPACE)
            try:
                R.decide(
                    con,
                    left,
                    right,
                    decision,
                    request.POST.get("note", "")[:300],
                    request.user.get_username(),
                )
            finally:
                con.disconnect()
            record(request, Action.CHANGE, "link pair", f"{left}|{right}"[:64], decision)
            return redirect("review_queue")
        except (R.ReviewError, W.WarehouseError) as exc:
            error = str(exc)
    try:
        con = W.connect(settings.WORKSPACE, read_only=True)
        try:
            pairs = R.queue(con, limit=20)
        finally:
            con.disconnect()
    except (R.ReviewError, W.WarehouseError) as exc:
        error = error or str(exc)
    record(request, Action.VIEW, "review queue", "", f"{len(pairs)} pairs")
    return render(
        request,
        "casework/review_queue.html",
        {"pairs": pairs, "error": error, "fields": R.SHOWN},
    )
