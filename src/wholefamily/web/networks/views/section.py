"""The network section of a family's page: the network table and its map, the record
that the family has no network, family group decision making (offers and requests,
meetings, the family's own plan) and who each child lives with."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from wholefamily.web.familyhelp.views.common import section
from wholefamily.web.networks import access, facts
from wholefamily.web.networks.models import NoNetwork
from wholefamily.web.networks.services import children_of


@login_required
def network(request: HttpRequest, family_id: str) -> HttpResponse:
    family, ctx = section(request, family_id, "family_network", access.sees_network)
    may = access.may_change(request.user, family)
    kids = children_of(family)
    rows = facts.member_rows(family, kids)
    current = [r for r in rows if r["m"].ended_on is None]
    ctx.update(
        {
            "may": may,
            "kids": kids,
            "members": current,
            "past_members": [r for r in rows if r["m"].ended_on is not None],
            # The map is built by `networks.map` from escaped text: safe as it is.
            "map": mark_safe(facts.draw_map(family, ctx["family_name"], rows, ctx["today"])),
            "no_network": NoNetwork.objects.filter(family=family).select_related("by").first(),
            "offers": facts.offer_rows(family, may),
            "meetings": facts.meeting_rows(family, may),
            "arrangements": facts.arrangement_rows(family, kids, may),
        }
    )
    return render(request, "networks/section.html", ctx)
