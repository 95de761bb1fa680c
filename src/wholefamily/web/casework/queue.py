"""The linkage review queue in the web app: doubtful pairs side by side, decided by an analyst.

It reads and writes the workspace's warehouse (`wholefamily.linkage.review`);
when a load or link holds the warehouse, the page says so and asks to retry.

A decided pair leaves the queue at once (the queue is the review band's pairs with
no decision now); "Undo" withdraws a decision, so the pair comes back. Both are
appended to the warehouse's `review_decisions` history and to the audit log, and
both are the same decisions `wholefamily review decide` and `review undo` make.
"""

from __future__ import annotations

import math
from datetime import UTC
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action
from wholefamily.web.casework.views import require

PAGE_SIZE = 10
VERDICTS = {"match": "the same person", "no_match": "different people"}
SEX = {"M": "Male", "F": "Female", "U": "Not known"}
NOT_RECORDED = "Not recorded"


def _filters(data: Any) -> dict[str, str]:
    return {k: str(data.get(k, ""))[:100] for k in ("source", "band")}


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() and 0 < int(value) < 10**6 else 1


def _query(chosen: dict[str, str], page: int = 1) -> str:
    pairs = [(k, v) for k, v in chosen.items() if v]
    if page > 1:
        pairs.append(("page", str(page)))
    return urlencode(pairs)


def _weight(w: float) -> str:
    return f"{w:+.1f}".replace("-", "\u2212")  # a real minus sign, read as "minus"


def _name(p: dict[str, Any], side: str) -> str:
    words = [str(p.get(f"{c}_{side}") or "").title() for c in ("forename", "surname")]
    return " ".join(w for w in words if w) or "No name"


def _rows(p: dict[str, Any]) -> dict[str, Any]:
    """One pair as the page shows it: every field in words, side by side, with the weight
    the model gave each comparison."""
    from wholefamily.linkage import review as R

    steps = {name: (label, w) for name, label, w in p["weights"]}

    def weight(comparison: str) -> str:
        if comparison not in steps:
            return ""
        label, w = steps[comparison]
        return f"{R.LEVEL_WORDS.get(label, label)}, {_weight(w)}"

    def text(col: str, side: str) -> str:
        value = p.get(f"{col}_{side}")
        if value is None or value == "":
            return NOT_RECORDED
        if col == "dob":
            return date_format(value, settings.DATE_FORMAT)
        if col == "sex":
            return SEX.get(str(value), str(value))
        return str(value).title() if col in ("forename", "surname") else str(value)

    def address(side: str) -> str:
        parts = [p.get(f"address_{side}") or "", p.get(f"postcode_{side}") or ""]
        return ", ".join(x for x in parts if x) or NOT_RECORDED

    def held(side: str) -> str:
        found = p.get(f"sources_{side}") or []
        return "; ".join(f"{name} ({n} record{'s' if n != 1 else ''})" for name, n in found)

    rows = [
        ("Held by", held("l"), held("r"), ""),
        ("Known as", p["words_l"], p["words_r"], ""),
        *[
            (R.COMPARISON_NAMES[c], text(c, "l"), text(c, "r"), weight(c))
            for c in ("forename", "surname", "dob", "sex")
        ],
        ("Address", address("l"), address("r"), weight("address")),
    ]
    extra = []
    if "prior" in steps:
        extra.append(("Before comparing (a match is rare)", _weight(steps["prior"][1])))
    if R.CONTEXT_STEP in steps:
        label, w = steps[R.CONTEXT_STEP]
        extra.append((f"Who they live with: {R.LEVEL_WORDS.get(label, label)}", _weight(w)))
    if "name frequency" in steps:
        extra.append(("How common the names are", _weight(steps["name frequency"][1])))
    return {
        "left": p["identity_id_l"],
        "right": p["identity_id_r"],
        "name_l": _name(p, "l"),
        "name_r": _name(p, "r"),
        "rows": rows,
        "extra": extra,
        "weight": _weight(p["match_weight"]),
        # Rounded down: 89.97% is not "90.0%", which the queue never holds.
        "percent": f"{math.floor(p['match_probability'] * 1000) / 10:.1f}%",
        "changes_family": p["changes_family"],
    }


def _post(request: HttpRequest, R: Any, W: Any) -> str:
    """Decide or undo the posted pair; returns an error to show, or "" when done."""
    left, right = request.POST.get("left", ""), request.POST.get("right", "")
    lo, hi = sorted((left, right))
    pair = f"{lo}|{hi}"
    action = request.POST.get("action", "decide")
    note = request.POST.get("note", "")[:300]
    who = request.user.get_username()
    con = W.connect(settings.WORKSPACE)
    try:
        with W.transaction(con):
            if action == "undo":
                withdrawn = R.undo(con, left, right, who)
                done = f"undo {withdrawn}"
            else:
                decision = request.POST.get("decision", "")
                before = R.decision_of(con, lo, hi) if left and right else None
                if before is not None:
                    messages.info(
                        request,
                        f"That pair was already decided by {before['decided_by']}: "
                        f"{VERDICTS.get(before['decision'], before['decision'])}. "
                        "It has left the queue.",
                    )
                    return ""
                R.decide(con, left, right, decision, note, who)
                done = decision
    finally:
        con.disconnect()
    record(request, Action.CHANGE, "link pair", pair, f"{done}: {lo} | {hi}")
    if action == "undo":
        request.session.pop("review_last", None)
        messages.success(request, "Decision undone: the pair is back in the queue.")
    else:
        request.session["review_last"] = {
            "left": lo,
            "right": hi,
            "verdict": VERDICTS[done],
            "names": request.POST.get("names", "")[:200],
        }
    return ""


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    # Imported here: the linkage stack (Splink, Ibis) is heavy, and the URLconf
    # imports this module on a server's first request.
    from wholefamily import warehouse as W
    from wholefamily.linkage import review as R
    from wholefamily.linkage.known import saved_model

    require(request, "review_queue")
    error = ""
    if request.method == "POST":
        chosen = _filters(request.POST)
        page_no = _page_number(request.POST.get("page", ""))
        try:
            error = _post(request, R, W)
        except (R.ReviewError, W.WarehouseError) as exc:
            error = str(exc)
        if not error:
            query = _query(chosen, page_no)
            return redirect(reverse("review_queue") + (f"?{query}" if query else ""))
    else:
        chosen = _filters(request.GET)
        page_no = _page_number(request.GET.get("page", ""))
    bands = {v for v, _, _ in R.BANDS}
    if chosen["band"] not in bands:
        chosen["band"] = ""
    data, recent = None, []
    try:
        con = W.connect(settings.WORKSPACE, read_only=True)
        try:
            model = saved_model(settings.WORKSPACE)

            def fetch(n: int) -> Any:
                return R.queue_page(
                    con,
                    model,
                    offset=(n - 1) * PAGE_SIZE,
                    limit=PAGE_SIZE,
                    source_pair=chosen["source"],
                    band=chosen["band"],
                )

            data = fetch(page_no)
            last = max(1, -(-data.total // PAGE_SIZE))
            if page_no > last:  # the last pairs of a page decided: show the page before
                page_no = last
                data = fetch(page_no)
            recent = R.recent_decisions(con, 10, who=request.user.get_username())
        finally:
            con.disconnect()
    except (R.ReviewError, W.WarehouseError) as exc:
        error = error or str(exc)
    last_decision = request.session.pop("review_last", None) if not error else None
    total = data.total if data else 0
    pages = max(1, -(-total // PAGE_SIZE))
    record(
        request,
        Action.VIEW,
        "review queue",
        "",
        f"page {page_no} of {pages}, {total} pairs {_query(chosen)}".strip(),
    )
    return render(
        request,
        "casework/review_queue.html",
        {
            "error": error,
            "data": data,
            "pairs": [_rows(p) for p in data.pairs] if data else [],
            "first": (page_no - 1) * PAGE_SIZE + 1,
            "chosen": chosen,
            "page_no": page_no,
            "pages": pages,
            "current": _query(chosen, page_no),
            "previous": _query(chosen, page_no - 1) if page_no > 1 else None,
            "next": _query(chosen, page_no + 1) if page_no < pages else None,
            "last_decision": last_decision,
            "recent": [
                {
                    **r,
                    "verdict": VERDICTS.get(r["decision"], r["decision"]),
                    "when": date_format(
                        timezone.localtime(r["decided_at"].replace(tzinfo=UTC)),
                        f"{settings.DATE_FORMAT}, H:i",
                    ),
                }
                for r in recent
            ],
        },
    )
