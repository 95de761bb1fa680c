"""The "already known" check of a nomination against the people in the case database.

It is the central team's: the analyst sees it at the central check, never the
nominating partner (whether someone is known to the programme is not theirs to
learn). Candidates are people with the same date of birth, or the same first
and last name; the linkage model (`wholefamily.linkage.known`) scores each
pair, and those it would link (probability 0.5 or more) are kept. A known
family is offered once, however many of the named people match its members,
with each match and its reasons in words.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q

from wholefamily.web.families.models import Family, Member, Person

SHOW_FROM = 0.5
# What each comparison is called when the reasons are given in words.
COMPARED = (("forename", "first name"), ("surname", "last name"), ("dob", "date of birth"))


def name_key(p: dict[str, Any]) -> str:
    """One named person, as the matches refer to them."""
    return f"{p['forename']}|{p['surname']}|{p.get('dob') or ''}"


def reasons(levels: dict[str, str]) -> str:
    """ "first name the same, last name spelt nearly the same, date of birth missing on
    one side": the level each comparison reached, in words."""
    from wholefamily.linkage.review import LEVEL_WORDS

    return ", ".join(
        f"{words} {LEVEL_WORDS.get(levels.get(name, ''), levels.get(name, '') or 'not compared')}"
        for name, words in COMPARED
    )


def already_known(
    named: list[dict[str, Any]], exclude: Family | None = None
) -> list[dict[str, Any]]:
    """The known families some of `named` (dicts with forename, surname, dob) may
    belong to, best match first, each once: {"family", "family_id", "probability"
    (its best match), "matches": [{"named", "name_key", "person", "person_pk",
    "probability", "reasons"}]}. `exclude` (the nominated family itself) is left out."""
    # The linkage stack (Splink, Ibis) loads on the first check, not with every page.
    from wholefamily.linkage.known import saved_model, score_levels

    pairs: list[dict[str, Any]] = []
    for p in named:
        q = Q(forename__iexact=p["forename"], surname__iexact=p["surname"])
        if p.get("dob"):
            q |= Q(dob=p["dob"])
        for person in Person.objects.filter(q).order_by("pk")[:50]:
            pairs.append(
                {
                    "named": p,
                    "person": person,
                    "forename_l": p["forename"],
                    "forename_r": person.forename,
                    "surname_l": p["surname"],
                    "surname_r": person.surname,
                    "dob_l": p.get("dob"),
                    "dob_r": person.dob,
                }
            )
    if not pairs:
        return []
    scored = score_levels(pairs, saved_model(settings.WORKSPACE))
    families: dict[int, dict[str, Any]] = {}
    seen: set[tuple[int, str, int]] = set()
    for pair, (prob, levels) in zip(pairs, scored, strict=True):
        if prob < SHOW_FROM:
            continue
        person, p = pair["person"], pair["named"]
        memberships = Member.objects.filter(person=person, current=True).select_related("family")
        for m in memberships:
            if exclude is not None and m.family_id == exclude.pk:
                continue
            key = (m.family_id, name_key(p), person.pk)
            if key in seen:  # the same person named twice, or found by two queries
                continue
            seen.add(key)
            entry = families.setdefault(
                m.family_id, {"family": m.family, "family_id": m.family.family_id, "matches": []}
            )
            entry["matches"].append(
                {
                    "named": f"{p['forename']} {p['surname']}",
                    "named_dob": p.get("dob"),
                    "name_key": name_key(p),
                    "person": person,
                    "person_pk": person.pk,
                    "probability": prob,
                    "reasons": reasons(levels),
                }
            )
    found = list(families.values())
    for f in found:
        f["matches"].sort(key=lambda m: (-m["probability"], m["named"]))
        f["probability"] = f["matches"][0]["probability"]
    found.sort(key=lambda f: (-f["probability"], f["family_id"]))
    return found
