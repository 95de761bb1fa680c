"""Schools: who is on roll at each census, termly attendance, exclusions, contacts.

Census dates are the first Thursday of October and the third Thursdays of
January and May. A pupil on roll at a term's census has an attendance row
for that term. Attendance and on-roll status are keyed draws per (pupil,
term), so they are the same in every drop of the county.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from wholefamily.sources.calendar import Term, terms_between
from wholefamily.synth import population as P
from wholefamily.synth.events import poisson_in
from wholefamily.synth.population import County
from wholefamily.synth.rand import keyed_int, keyed_uniform, stream
from wholefamily.synth.timeline import day

I64 = npt.NDArray[np.int64]
Cols = dict[str, Any]


def _nth_thursday(year: int, month: int, n: int) -> date:
    d = date(year, month, 1)
    d += timedelta(days=(3 - d.weekday()) % 7)
    return d + timedelta(weeks=n - 1)


def census_date(term: Term) -> date:
    y = term.start_year
    if term.code == "AUT":
        return _nth_thursday(y, 10, 1)
    if term.code == "SPR":
        return _nth_thursday(y + 1, 1, 3)
    return _nth_thursday(y + 1, 5, 3)


def ncyear(dob: I64, on: date) -> I64:
    """National curriculum year on a date: Reception (0) starts the September after age 4."""
    d = dob.astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    cohort = np.where(m >= 9, y, y - 1)
    ay = on.year if on.month >= 8 else on.year - 1
    return np.asarray(ay - cohort - 5, dtype=np.int64)


def on_roll(c: County, pid: I64, on: date) -> npt.NDArray[np.bool_]:
    p = c.people
    nc = ncyear(p.dob[pid], on)
    track = p.school_track[pid]
    return np.asarray(
        (
            ((nc >= 0) & (nc <= 11))
            | ((nc == -1) & p.nursery[pid])
            | ((nc >= 12) & (nc <= 13) & (track == 1))
        )
        & (track != 2)
        & (p.dob[pid] < day(on)),
        dtype=bool,
    )


def school_of(c: County, pid: I64, nc: I64, when: I64) -> I64:
    """The school (index) a pupil attends: by phase and by the district they live in."""
    addr = c.addr_of(pid, when)
    district = c.gaz.district_idx[addr]
    phase = (nc >= 7).astype(np.int64)
    n_school = len(c.school_urns)
    out = np.empty(len(pid), dtype=np.int64)
    for ph in (0, 1):
        for d in range(6):
            cands = np.flatnonzero((c.school_phase == ph) & (c.school_district == d))
            if len(cands) == 0:
                cands = np.flatnonzero(c.school_phase == ph)
            sel = (phase == ph) & (district == d)
            k = keyed_int(c.seed, "school", len(cands), pid[sel], ph, d)
            out[sel] = cands[k]
    assert out.max(initial=0) < n_school
    return out


def school_terms(c: County) -> list[Term]:
    """Terms whose census falls in the drop's window and before the extract date."""
    tl = c.timeline
    return [
        t
        for t in terms_between(tl.window_start, tl.extract_date)
        if tl.window_start <= census_date(t) <= tl.extract_date
    ]


def _sessions_possible(term: Term) -> int:
    """Twice the weekdays of the term's teaching weeks, less a half-term week."""
    first, last = term.bounds
    if term.code == "AUT":
        first, last = date(first.year, 9, 3), date(first.year, 12, 19)
    elif term.code == "SPR":
        first, last = date(first.year, 1, 5), last - timedelta(days=16)
    else:
        first, last = first + timedelta(days=14), date(last.year, 7, 21)
    days = int(np.busday_count(first, last + timedelta(days=1))) - 5
    return 2 * max(days, 20)


def census_and_attendance(c: County) -> tuple[Cols, Cols]:
    p = c.people
    candidates = np.flatnonzero(p.school_track != 2)
    cen: dict[str, list[Any]] = {k: [] for k in ("pid", "school", "census_date", "ncyear")}
    att: dict[str, list[Any]] = {
        k: []
        for k in (
            "pid",
            "school",
            "academic_year",
            "term",
            "possible",
            "authorised",
            "unauthorised",
            "term_last_day",
        )
    }
    base = 0.027 * np.exp(
        0.5 * _normal(keyed_uniform(c.seed, "absence-base", np.arange(c.n_people)))
    )
    lvl = c.hh.level[p.hh]
    base = np.where(lvl == 1, base * 1.3, base)
    unauth_share = 0.15 + 0.3 * keyed_uniform(c.seed, "unauth-share", np.arange(c.n_people))
    for term in school_terms(c):
        cd = census_date(term)
        pid = candidates[on_roll(c, candidates, cd)]
        nc = ncyear(p.dob[pid], cd)
        when = np.full(len(pid), day(cd))
        school = school_of(c, pid, nc, when)
        cen["pid"].append(pid)
        cen["school"].append(school)
        cen["census_date"].append(when)
        cen["ncyear"].append(nc)
        if term.last_day > c.timeline.extract_date:
            continue  # the term has not ended: no attendance row yet
        poss = _sessions_possible(term)
        tid = term.start_year * 3 + term.index
        mid = day(term.first_day) + (day(term.last_day) - day(term.first_day)) // 2
        u = keyed_uniform(c.seed, "absence-term", pid, tid)
        rate = base[pid] * (0.6 + 0.8 * u)
        trouble = c.troubled(pid, np.full(len(pid), mid), P.EDUCATION)
        rate = np.where(
            trouble, 0.14 + 0.22 * keyed_uniform(c.seed, "absence-trouble", pid, tid), rate
        )
        share = np.where(trouble, 0.65, unauth_share[pid])
        # A pupil who joins late in the term has fewer possible sessions.
        late = keyed_uniform(c.seed, "late-join", pid, tid) < 0.02
        possible = np.where(
            late, (poss * keyed_uniform(c.seed, "late-part", pid, tid)).astype(np.int64) + 2, poss
        )
        absent = np.minimum(np.round(possible * np.minimum(rate, 0.9)).astype(np.int64), possible)
        unauth = np.round(absent * share).astype(np.int64)
        att["pid"].append(pid)
        att["school"].append(school)
        att["academic_year"].append(np.full(len(pid), term.academic_year, dtype=object))
        att["term"].append(np.full(len(pid), term.code, dtype=object))
        att["possible"].append(possible.astype(np.int64))
        att["authorised"].append(absent - unauth)
        att["unauthorised"].append(unauth)
        att["term_last_day"].append(np.full(len(pid), day(term.last_day)))
    census = {k: np.concatenate(v) if v else np.array([], dtype=np.int64) for k, v in cen.items()}
    attendance = {
        k: np.concatenate(v) if v else np.array([], dtype=np.int64) for k, v in att.items()
    }
    return census, attendance


def _normal(u: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Standard normal quantiles of uniforms (a logistic approximation, enough here)."""
    u = np.clip(u, 1e-9, 1 - 1e-9)
    return np.asarray(np.log(u / (1 - u)) / 1.702, dtype=np.float64)


def exclusions(c: County) -> Cols:
    rng = stream(c.seed, "exclusions")
    p, tl = c.people, c.timeline
    pid = np.flatnonzero(p.school_track != 2)
    dob = p.dob[pid]
    lo = np.maximum(tl.t0, dob + 5 * 365)
    hi = np.minimum(tl.t1, dob + 18 * 365)
    mult = np.where(c.hh.level[p.hh[pid]] >= 1, 5.0, 1.0)
    w1, d1 = poisson_in(rng, pid, 0.05 * mult, lo, hi)
    tsel = (c.hh.domains[p.hh[pid]] & P.EDUCATION) != 0
    ta = np.maximum(c.hh.onset[p.hh[pid]], lo)
    tb = np.minimum(c.hh.until[p.hh[pid]], hi)
    tsel &= tb > ta
    # In trouble, older pupils are the ones suspended.
    tsel &= (tb - dob) > 10 * 365
    w2, d2 = poisson_in(rng, pid[tsel], 2.4, np.maximum(ta, dob + 10 * 365)[tsel], tb[tsel])
    who = np.concatenate([w1, w2])
    d = np.concatenate([d1, d2])
    troubled = np.concatenate([np.zeros(len(w1), bool), np.ones(len(w2), bool)])
    # School days only: August moves to September, weekends to Monday.
    dd = d.astype("datetime64[D]")
    aug = (dd.astype("datetime64[M]").astype(np.int64) % 12) == 7
    d = np.where(aug, d + 35, d)
    wd = (d + 3) % 7  # 0 = Monday
    d = np.where(wd >= 5, d + (7 - wd), d)
    n = len(who)
    perm = rng.random(n) < np.where(troubled, 0.03, 0.004)
    category = np.where(perm, "PERMANENT", "SUSPENSION").astype(object)
    sessions = np.where(
        perm, np.where(rng.random(n) < 0.5, -1, 10), rng.choice([1, 2, 2, 4, 4, 6, 10, 20], size=n)
    )
    # Only pupils on roll on the day are excluded; the school is theirs on that day.
    keep = np.zeros(n, dtype=bool)
    nc = np.zeros(n, dtype=np.int64)
    # on_roll depends on the academic year only; evaluate per distinct year.
    months = d.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    years = months // 12 + 1970 - ((months % 12) < 7)
    for y in np.unique(years):
        sel = years == y
        on = date(int(y), 10, 1)
        keep[sel] = on_roll(c, who[sel], on) & (ncyear(p.dob[who[sel]], on) >= 0)
        nc[sel] = ncyear(p.dob[who[sel]], on)
    who, d, category, sessions, nc = who[keep], d[keep], category[keep], sessions[keep], nc[keep]
    school = school_of(c, who, nc, d)
    return {
        "pid": who,
        "start_date": d,
        "category": category,
        "sessions": sessions.astype(np.int64),
        "school": school,
        "key": np.arange(len(who)),
    }


def contacts(c: County, census: Cols) -> Cols:
    """Parents and carers of each pupil on roll at the latest census in the drop."""
    p = c.people
    if len(census["pid"]) == 0:
        return {k: np.array([], dtype=np.int64) for k in ("pid", "pupil", "rel", "pr", "when")}
    last = census["census_date"].max()
    pupils = census["pid"][census["census_date"] == last]
    mother, father = p.mother[pupils], p.father[pupils]
    step = p.step[pupils]
    # Grandparents of a multigenerational household: the lead's parents, living there too.
    rows_pupil: list[I64] = []
    rows_contact: list[I64] = []
    rows_rel: list[Any] = []
    rows_pr: list[Any] = []
    m = mother >= 0
    rows_pupil.append(pupils[m])
    rows_contact.append(mother[m])
    rows_rel.append(np.where(p.female[mother[m]], "MOTHER", "FATHER").astype(object))
    rows_pr.append(np.full(int(m.sum()), "Y", dtype=object))
    f = father >= 0
    rows_pupil.append(pupils[f])
    rows_contact.append(father[f])
    rows_rel.append(np.where(step[f], "STEPFATHER", "FATHER").astype(object))
    u = keyed_uniform(c.seed, "step-pr", pupils[f])
    rows_pr.append(np.where(step[f] & (u < 0.7), "N", "Y").astype(object))
    gp_child = np.isin(p.hh[pupils], np.flatnonzero(c.hh.type == P.T["MULTIGENERATIONAL"]))
    gp_pupils = pupils[gp_child]
    first = np.searchsorted(p.hh, p.hh[gp_pupils])
    for off in (1, 2, 3):
        cand = np.minimum(first + off, c.n_people - 1)
        ok = (p.kind[cand] == P.GRANDPARENT) & (p.hh[cand] == p.hh[gp_pupils])
        rows_pupil.append(gp_pupils[ok])
        rows_contact.append(cand[ok])
        rows_rel.append(np.full(int(ok.sum()), "GRANDPARENT", dtype=object))
        rows_pr.append(np.full(int(ok.sum()), "N", dtype=object))
    pupil = np.concatenate(rows_pupil)
    contact = np.concatenate(rows_contact)
    rel = np.concatenate(rows_rel)
    pr = np.concatenate(rows_pr)
    # A carer who is not a parent is sometimes recorded as CARER or OTHER.
    u = keyed_uniform(c.seed, "carer-rel", pupil, contact)
    rel = np.where((rel == "GRANDPARENT") & (u < 0.1), "CARER", rel).astype(object)
    order = np.lexsort((rel, pupil))
    when = np.full(len(pupil), int(last))
    return {
        "pid": contact[order],
        "pupil": pupil[order],
        "rel": rel[order],
        "pr": pr[order],
        "when": when,
    }
