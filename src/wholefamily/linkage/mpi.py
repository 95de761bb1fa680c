"""The master person index: `person_id`s that stay the same from drop to drop.

What persists between runs is the map from identity keys (a UPN, a NINO, a
police person reference...) to the `person_id` they were last part of. A new
run's clusters vote with their keys:

- a cluster whose keys all belonged to one person keeps that person's id;
- a cluster holding keys of several persons keeps the id of the person with
  most keys there (ties: the smaller id); the others are recorded as merged
  into it;
- a person whose keys are now spread over several clusters keeps its id in
  the cluster holding most of them; the other clusters get new ids, recorded
  as split from it;
- a cluster with no known key is a new person.

The same rule, over member person_ids instead of keys, keeps `family_id`s.
All of it is joins and window functions.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir


def assign(
    members: ir.Table,
    previous: ir.Table,
    *,
    group: str,
    member: str,
    ident: str,
    prefix: str,
    next_number: int,
) -> tuple[ir.Table, ir.Table]:
    """Stable ids for groups.

    members:  (group, member) — this run's groups and what they hold;
    previous: (member, ident) — the id each member had last time.
    Returns (group -> ident, events (kind, ident, other, group)).
    """
    j = members.left_join(previous, member)
    votes = j.filter(j[ident].notnull()).group_by([group, ident]).aggregate(n=ibis._.count())
    ranked = votes.mutate(
        r_group=ibis.row_number().over(
            ibis.window(group_by=votes[group], order_by=[ibis.desc(votes.n), votes[ident]])
        ),
        r_ident=ibis.row_number().over(
            ibis.window(group_by=votes[ident], order_by=[ibis.desc(votes.n), votes[group]])
        ),
    )
    kept = ranked.filter((ranked.r_group == 0) & (ranked.r_ident == 0)).select(group, ident)
    groups = members.select(group).distinct()
    fresh = groups.anti_join(kept, group)
    fresh = fresh.mutate(n=ibis.row_number().over(ibis.window(order_by=fresh[group])) + next_number)
    fresh = fresh.select(
        group, **{ident: ibis.literal(prefix) + fresh.n.cast("string").lpad(8, "0")}
    )
    assigned = ibis.union(kept, fresh, distinct=False)
    # Merges: an old id that voted for a group but lost it to another id.
    lost = ranked.filter(ranked.r_ident == 0).anti_join(kept, [group, ident])
    merged = lost.join(assigned, group).select(
        kind=ibis.literal("merged"),
        ident=lost[ident],
        other=assigned[ident],
        group=lost[group],
    )
    # Splits: an old id that also voted for groups other than the one it kept.
    spread = ranked.filter(ranked.r_ident > 0).join(assigned, group)
    spread = spread.filter(spread[ident] != spread[f"{ident}_right"])
    split = spread.select(
        kind=ibis.literal("split"),
        ident=spread[f"{ident}_right"],
        other=spread[ident],
        group=spread[group],
    )
    events = ibis.union(merged, split, distinct=False)
    return assigned, events
