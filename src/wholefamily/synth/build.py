"""One builder per source: events in the window -> ordered rows with noise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from wholefamily.synth import events as E
from wholefamily.synth import school as S
from wholefamily.synth.render import (
    I64,
    TRUE_UPRN,
    Renderer,
    Table,
    _finish,
    _order,
    _take,
    address_date,
    close_at_cut,
    d,
    i,
    in_window,
    num,
    overlaps_window,
    s,
    zfill,
)

Counts = dict[str, tuple[int, int]]


def _urn(r: Renderer, school: I64) -> Any:
    return r.c.school_urns[school].astype(str).astype(object)


def school_census(r: Renderer, cen: dict[str, Any]) -> Table:
    src = "school_census"
    c = r.c
    pid, when = cen["pid"], cen["census_date"]
    o = _order(when, c.school_urns[cen["school"]], pid)
    cen = _take(cen, o)
    pid, when = cen["pid"], cen["census_date"]
    counts: Counts = {}
    keys = (pid, when)
    cols = r.person(src, pid, when, keys, counts)
    hh = c.people.hh[pid]
    workless = c.hh.level[hh] >= 1
    from wholefamily.synth.rand import keyed_uniform

    u = keyed_uniform(c.seed, "fsm", pid)
    fsm = np.where(u < np.where(workless, 0.55, 0.14), "Y", "N").astype(object)
    v = keyed_uniform(c.seed, "sen", pid)
    boost = np.where(c.hh.level[hh] == 2, 2.0, 1.0)
    sen = np.where(v < 0.04 * boost, "E", np.where(v < 0.17 * boost, "K", "N")).astype(object)
    cols.update(
        upn=s(r.ids.upn(pid)),
        school_urn=s(_urn(r, cen["school"])),
        census_date=d(when),
        ncyear=i(cen["ncyear"]),
        fsm=s(fsm),
        sen=s(sen),
    )
    return _finish(r, src, pid, cols, r.uk_dates(src, len(pid), keys, counts), counts)


def school_contacts(r: Renderer, ct: dict[str, Any]) -> Table:
    src = "school_contacts"
    pid, pupil, when = ct["pid"], ct["pupil"], ct["when"]
    counts: Counts = {}
    keys = (pupil, pid)
    fn, sn = r.names(src, pid, counts)
    addr = r.address_index(src, pid, when, keys, counts)
    pc = r.postcode(src, addr, keys, counts)
    cols = {
        "upn": s(r.ids.upn(pupil)),
        "contact_forename": s(fn),
        "contact_surname": s(sn),
        "relationship": s(ct["rel"]),
        "parental_responsibility": s(ct["pr"]),
        "contact_address_line1": s(r.c.gaz.line1[addr]),
        "contact_postcode": s(pc),
        "contact_phone": s(r.ids.phone(pid)),
        TRUE_UPRN: s(r.c.gaz.uprn[addr].astype(str).astype(object)),
    }
    return _finish(r, src, pid, cols, np.zeros(len(pid), bool), counts)


def school_attendance(r: Renderer, att: dict[str, Any]) -> Table:
    src = "school_attendance"
    c = r.c
    o = _order(att["term_last_day"], c.school_urns[att["school"]], att["pid"])
    att = _take(att, o)
    cols = {
        "upn": s(r.ids.upn(att["pid"])),
        "school_urn": s(_urn(r, att["school"])),
        "academic_year": s(att["academic_year"]),
        "term": s(att["term"]),
        "sessions_possible": i(att["possible"]),
        "sessions_authorised_absence": i(att["authorised"]),
        "sessions_unauthorised_absence": i(att["unauthorised"]),
    }
    return _finish(r, src, att["pid"], cols, np.zeros(len(att["pid"]), bool), {})


def school_exclusions(r: Renderer, ex: dict[str, Any]) -> Table:
    src = "school_exclusions"
    ex = _take(ex, np.flatnonzero(in_window(r.c, ex["start_date"])))
    ex = _take(ex, _order(ex["start_date"], ex["key"]))
    counts: Counts = {}
    keys = (ex["key"],)
    sessions = ex["sessions"]
    cols = {
        "exclusion_ref": s(r.ids.prefixed("EX", ex["key"], 8, "exclusion")),
        "upn": s(r.ids.upn(ex["pid"])),
        "school_urn": s(_urn(r, ex["school"])),
        "start_date": d(ex["start_date"]),
        "category": s(ex["category"]),
        "sessions": i(sessions, sessions < 0),
    }
    uk = r.uk_dates(src, len(ex["pid"]), keys, counts)
    return _finish(r, src, ex["pid"], cols, uk, counts)


def police_offences(r: Renderer, ev: dict[str, Any]) -> Table:
    src = "police_offences"
    ev = _take(ev, np.flatnonzero(in_window(r.c, ev["outcome_date"])))
    ev = _take(ev, _order(ev["offence_date"], ev["key"]))
    counts: Counts = {}
    keys = (ev["key"],)
    pid = ev["pid"]
    cols = r.person(src, pid, ev["offence_date"], keys, counts)
    cols.update(
        offence_ref=s(r.ids.prefixed("OF", ev["key"], 9, "offence")),
        person_ref=s(r.ids.prefixed("WXP", pid, 8, "police-person")),
        offence_date=d(ev["offence_date"]),
        outcome_date=d(ev["outcome_date"]),
        outcome=s(ev["outcome"]),
        offence_group=s(ev["offence_group"]),
    )
    return _finish(r, src, pid, cols, r.uk_dates(src, len(pid), keys, counts), counts)


def asb(r: Renderer, ev: dict[str, Any]) -> Table:
    src = "asb"
    ev = _take(ev, np.flatnonzero(in_window(r.c, ev["incident_date"])))
    ev = _take(ev, _order(ev["incident_date"], ev["key"]))
    counts: Counts = {}
    keys = (ev["key"],)
    pid = ev["pid"]
    cols = r.person(src, pid, ev["incident_date"], keys, counts)
    cols.update(
        incident_ref=s(r.ids.prefixed("ASB", ev["key"], 8, "asb")),
        agency=s(ev["agency"]),
        incident_date=d(ev["incident_date"]),
        intervention=s(ev["intervention"]),
        housing_related=s(ev["housing_related"]),
    )
    return _finish(r, src, pid, cols, r.uk_dates(src, len(pid), keys, counts), counts)


def domestic_abuse(r: Renderer, ev: dict[str, Any]) -> Table:
    src = "domestic_abuse"
    ev = _take(ev, np.flatnonzero(in_window(r.c, ev["incident_date"])))
    ev = _take(ev, _order(ev["incident_date"], ev["incident"], np.arange(len(ev["pid"]))))
    counts: Counts = {}
    pid = ev["pid"]
    keys = (ev["incident"], pid)
    cols = r.person(src, pid, ev["incident_date"], keys, counts)
    cols.update(
        incident_ref=s(r.ids.prefixed("DA", ev["incident"], 8, "da")),
        incident_date=d(ev["incident_date"]),
        role=s(ev["role"]),
        risk=s(ev["risk"]),
        marac=s(ev["marac"]),
    )
    # The incident's date is typed once: all its rows share the date format.
    uk = r.uk_dates(src, len(pid), (ev["incident"],), counts)
    return _finish(r, src, pid, cols, uk, counts)


def _interval_rows(r: Renderer, ev: dict[str, Any]) -> dict[str, Any]:
    ev = _take(ev, np.flatnonzero(overlaps_window(r.c, ev["start_date"], ev["end_date"])))
    ev["end_date"] = close_at_cut(r.c, ev["end_date"])
    return _take(ev, _order(ev["start_date"], ev["key"]))


def _nino(r: Renderer, src: str, pid: I64, keys: tuple[I64, ...], counts: Counts) -> Any:
    from wholefamily.synth import noise as N

    miss = N.draw(r.c.seed, src, "id_missing", r.rate(src, "id_missing"), *keys)
    counts["id_missing"] = (int(miss.sum()), len(pid))
    return np.where(miss, "", r.ids.nino(pid)).astype(object)


def dwp_benefits(r: Renderer, ev: dict[str, Any]) -> Table:
    src = "dwp_benefits"
    ev = _interval_rows(r, ev)
    counts: Counts = {}
    pid = ev["pid"]
    keys = (ev["key"],)
    cols = r.person(src, pid, address_date(r.c, ev["end_date"]), keys, counts)
    cols.update(
        claim_ref=s(r.ids.prefixed("CL", ev["claim"], 9, "claim")),
        nino=s(_nino(r, src, pid, keys, counts)),
        benefit=s(ev["benefit"]),
        start_date=d(ev["start_date"]),
        end_date=d(ev["end_date"]),
    )
    return _finish(r, src, pid, cols, r.uk_dates(src, len(pid), keys, counts), counts)


def employment(r: Renderer, ev: dict[str, Any]) -> Table:
    src = "employment"
    ev = _interval_rows(r, ev)
    counts: Counts = {}
    pid = ev["pid"]
    keys = (ev["key"],)
    cols = r.person(src, pid, address_date(r.c, ev["end_date"]), keys, counts)
    cols.update(
        employment_ref=s(r.ids.prefixed("EM", ev["key"], 9, "employment")),
        nino=s(_nino(r, src, pid, keys, counts)),
        start_date=d(ev["start_date"]),
        end_date=d(ev["end_date"]),
        weekly_hours=i(ev["weekly_hours"]),
    )
    return _finish(r, src, pid, cols, r.uk_dates(src, len(pid), keys, counts), counts)


def health(r: Renderer, ev: dict[str, Any]) -> Table:
    src = "health"
    ev = _interval_rows(r, ev)
    counts: Counts = {}
    pid = ev["pid"]
    keys = (ev["key"],)
    cols = r.person(src, pid, address_date(r.c, ev["end_date"]), keys, counts)
    cols.update(
        nhs_number=s(r.ids.nhs(pid)),
        service=s(ev["service"]),
        start_date=d(ev["start_date"]),
        end_date=d(ev["end_date"]),
    )
    return _finish(r, src, pid, cols, r.uk_dates(src, len(pid), keys, counts), counts)


def social_care(r: Renderer, ev: dict[str, Any]) -> Table:
    src = "social_care"
    ev = _interval_rows(r, ev)
    counts: Counts = {}
    pid = ev["pid"]
    keys = (ev["key"],)
    cols = r.person(src, pid, address_date(r.c, ev["end_date"]), keys, counts)
    m = ev["missing_episodes"]
    cols.update(
        episode_ref=s(r.ids.prefixed("EP", ev["key"], 8, "episode")),
        child_ref=s(r.ids.prefixed("CR", pid, 7, "child-ref")),
        episode=s(ev["episode"]),
        start_date=d(ev["start_date"]),
        end_date=d(ev["end_date"]),
        category=s(ev["category"]),
        missing_episodes=i(m, m < 0),
    )
    return _finish(r, src, pid, cols, r.uk_dates(src, len(pid), keys, counts), counts)


def housing(r: Renderer, ev: dict[str, Any]) -> Table:
    src = "housing"
    ev = _take(ev, np.flatnonzero(in_window(r.c, ev["event_date"])))
    ev = _take(ev, _order(ev["event_date"], ev["key"]))
    counts: Counts = {}
    pid = ev["pid"]
    keys = (ev["key"],)
    cols = r.person(src, pid, ev["event_date"], keys, counts)
    ten = ev["tenancy"]
    tref = np.where(ten >= 0, "TEN" + zfill(np.maximum(ten, 0), 7), "")
    cols.update(
        event_ref=s(r.ids.prefixed("HE", ev["key"], 8, "housing")),
        tenancy_ref=s(tref),
        event=s(ev["event"]),
        event_date=d(ev["event_date"]),
        arrears_amount=num(ev["arrears_amount"]),
    )
    return _finish(r, src, pid, cols, r.uk_dates(src, len(pid), keys, counts), counts)


def referrals(r: Renderer, ev: dict[str, Any]) -> Table:
    src = "referrals"
    ev = _take(ev, np.flatnonzero(in_window(r.c, ev["referral_date"])))
    ev = _take(ev, _order(ev["referral_date"], ev["referral"], np.arange(len(ev["pid"]))))
    counts: Counts = {}
    pid = ev["pid"]
    keys = (ev["referral"], pid)
    cols = r.person(src, pid, ev["referral_date"], keys, counts)
    cols.update(
        referral_ref=s(r.ids.prefixed("RF", ev["referral"], 7, "referral")),
        referral_date=d(ev["referral_date"]),
        referrer_agency=s(ev["referrer_agency"]),
        referrer_name=s(ev["referrer_name"]),
        family_role=s(ev["family_role"]),
        family_ref=s(r.ids.prefixed("FAM", ev["referral"], 6, "family-ref")),
        needs=s(ev["needs"]),
        consent=s(ev["consent"]),
    )
    uk = r.uk_dates(src, len(pid), (ev["referral"],), counts)
    return _finish(r, src, pid, cols, uk, counts)


def gazetteer(r: Renderer) -> Table:
    g = r.c.gaz
    cols = {
        "uprn": s(g.uprn.astype(str).astype(object)),
        "address_line1": s(g.line1),
        "address_line2": s(g.line2),
        "town": s(g.town),
        "postcode": s(g.postcode),
        "district": s(g.district),
        "lsoa": s(g.lsoa),
    }
    return _finish(r, "gazetteer", None, cols, np.zeros(len(g.uprn), bool), {})


# The order sources are generated in, with the events each needs.
def plan(r: Renderer) -> list[tuple[str, Callable[[], Table]]]:
    c = r.c
    shared: dict[str, Any] = {}

    def census() -> tuple[dict[str, Any], dict[str, Any]]:
        if "census" not in shared:
            shared["census"] = S.census_and_attendance(c)
        return shared["census"]  # type: ignore[no-any-return]

    def careers() -> tuple[dict[str, Any], dict[str, Any]]:
        if "careers" not in shared:
            shared["careers"] = E.careers(c)
        return shared["careers"]  # type: ignore[no-any-return]

    def done_with(key: str) -> None:
        shared.pop(key, None)

    def census_table() -> Table:
        return school_census(r, census()[0])

    def contacts_table() -> Table:
        return school_contacts(r, S.contacts(c, census()[0]))

    def attendance_table() -> Table:
        t = school_attendance(r, census()[1])
        done_with("census")
        return t

    def benefits_table() -> Table:
        return dwp_benefits(r, careers()[1])

    def employment_table() -> Table:
        t = employment(r, careers()[0])
        done_with("careers")
        return t

    return [
        ("gazetteer", lambda: gazetteer(r)),
        ("school_census", census_table),
        ("school_contacts", contacts_table),
        ("school_attendance", attendance_table),
        ("school_exclusions", lambda: school_exclusions(r, S.exclusions(c))),
        ("police_offences", lambda: police_offences(r, E.offences(c))),
        ("asb", lambda: asb(r, E.asb(c))),
        ("domestic_abuse", lambda: domestic_abuse(r, E.domestic_abuse(c))),
        ("dwp_benefits", benefits_table),
        ("employment", employment_table),
        ("health", lambda: health(r, E.health(c))),
        ("social_care", lambda: social_care(r, E.social_care(c))),
        ("housing", lambda: housing(r, E.housing(c))),
        ("referrals", lambda: referrals(r, E.referrals(c))),
    ]
