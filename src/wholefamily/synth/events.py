"""What happens to the county's people over the simulated span.

Each function draws one domain's events for the whole timeline and returns
plain columns (numpy arrays): the person, dates as day numbers, codes, and a
`key` that identifies the event for good (references are derived from it, so
the same event keeps its reference in every drop). Rates rise inside a
household's trouble window for the domains it is troubled in, and fall back
when the family improves.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from wholefamily.synth import population as P
from wholefamily.synth import vocab
from wholefamily.synth.population import County
from wholefamily.synth.rand import stream
from wholefamily.synth.timeline import day, years_days

I64 = npt.NDArray[np.int64]
Cols = dict[str, Any]
OPEN = np.int64(-1)  # end day of something still open at the end of the span


def _years(days: I64) -> npt.NDArray[np.float64]:
    return np.maximum(days, 0).astype(np.float64) / 365.25


def poisson_in(
    rng: np.random.Generator, who: I64, rate: npt.ArrayLike, lo: I64, hi: I64
) -> tuple[I64, I64]:
    """Events at `rate` a year for each `who` over [lo, hi): (who, day) per event."""
    rate_arr = np.broadcast_to(np.asarray(rate, dtype=np.float64), who.shape)
    k = rng.poisson(rate_arr * _years(hi - lo))
    idx = np.repeat(np.arange(len(who)), k)
    width = np.maximum(hi - lo, 1)[idx]
    d = lo[idx] + np.floor(rng.random(len(idx)) * width).astype(np.int64)
    return who[idx], d


def _cat(*pairs: tuple[I64, I64]) -> tuple[I64, I64]:
    return (np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs]))


def _pick(rng: np.random.Generator, codes: list[str], p: list[float], n: int) -> Any:
    arr = np.array(codes, dtype=object)
    return arr[rng.choice(len(codes), size=n, p=np.array(p) / np.sum(p))]


def _trouble_span(c: County, pid: I64, domain: int, lo: I64, hi: I64) -> tuple[I64, I64, I64]:
    """For people whose household is troubled in `domain`: the window clipped to [lo, hi)."""
    h = c.people.hh[pid]
    sel = (c.hh.domains[h] & domain) != 0
    who = pid[sel]
    a = np.maximum(c.hh.onset[h][sel], lo[sel])
    b = np.minimum(c.hh.until[h][sel], hi[sel])
    keep = b > a
    return who[keep], a[keep], b[keep]


def _level_mult(c: County, pid: I64) -> npt.NDArray[np.float64]:
    lvl = c.hh.level[c.people.hh[pid]]
    return np.where(lvl >= 1, 1.6, 1.0)


def _age_window(c: County, pid: I64, lo_age: float, hi_age: float) -> tuple[I64, I64]:
    dob = c.people.dob[pid]
    tl = c.timeline
    lo = np.maximum(tl.t0, dob + years_days(lo_age))
    hi = np.minimum(tl.t1, dob + years_days(hi_age))
    return lo, hi


def offences(c: County) -> Cols:
    rng = stream(c.seed, "offences")
    p = c.people
    pid = np.arange(c.n_people)
    lo, hi = _age_window(c, pid, 10, 70)
    base = np.where(p.female, 0.004, 0.014) * _level_mult(c, pid)
    young_lo, young_hi = _age_window(c, pid, 14, 26)
    tw, ta, tb = _trouble_span(
        c,
        pid[~p.female | (p.kind == P.CHILD)],
        P.CRIME,
        *_age_window(c, pid[~p.female | (p.kind == P.CHILD)], 10, 45),
    )
    who, d = _cat(
        poisson_in(rng, pid, base, lo, hi),
        poisson_in(rng, pid, np.where(p.female, 0.004, 0.02), young_lo, young_hi),
        poisson_in(rng, tw, 1.3, ta, tb),
    )
    n = len(who)
    age = (d - p.dob[who]) / 365.25
    youth = age < 18
    u = rng.random(n)
    outcome = np.where(
        youth,
        np.select(
            [u < 0.30, u < 0.55, u < 0.78, u < 0.9],
            ["YOUTH_CAUTION", "YOUTH_CONDITIONAL_CAUTION", "CONVICTION", "COMMUNITY_RESOLUTION"],
            "NO_FURTHER_ACTION",
        ),
        np.select(
            [u < 0.45, u < 0.62, u < 0.74, u < 0.88],
            ["CONVICTION", "CAUTION", "CONDITIONAL_CAUTION", "COMMUNITY_RESOLUTION"],
            "NO_FURTHER_ACTION",
        ),
    ).astype(object)
    outcome_day = d + 1 + np.floor(rng.gamma(1.6, 30.0, n)).astype(np.int64)
    group = _pick(
        rng,
        list(vocab.OFFENCE_GROUPS),
        [0.3, 0.25, 0.12, 0.13, 0.12, 0.08],
        n,
    )
    return {
        "pid": who,
        "offence_date": d,
        "outcome_date": outcome_day,
        "outcome": outcome,
        "offence_group": group,
        "key": np.arange(n),
    }


def asb(c: County) -> Cols:
    rng = stream(c.seed, "asb")
    p = c.people
    pid = np.arange(c.n_people)
    lo, hi = _age_window(c, pid, 10, 75)
    tlo, thi = _age_window(c, pid, 10, 60)
    tw, ta, tb = _trouble_span(c, pid, P.ASB, tlo, thi)
    who, d = _cat(
        poisson_in(rng, pid, 0.005 * _level_mult(c, pid), lo, hi),
        poisson_in(rng, tw, 1.1, ta, tb),
    )
    n = len(who)
    social = c.hh.tenure[p.hh[who]] == P.TENURE_SOCIAL
    agency = np.where(
        social & (rng.random(n) < 0.4),
        "HOUSING",
        np.where(rng.random(n) < 0.6, "POLICE", "COUNCIL"),
    ).astype(object)
    intervention = _pick(
        rng,
        ["NONE", "WARNING", "ABC", "INJUNCTION", "CBO", "ASBO", "CLOSURE_ORDER"],
        [0.42, 0.28, 0.15, 0.06, 0.04, 0.01, 0.04],
        n,
    )
    housing_related = np.where((agency == "HOUSING") | (rng.random(n) < 0.15), "Y", "N")
    return {
        "pid": who,
        "incident_date": d,
        "agency": agency,
        "intervention": intervention,
        "housing_related": housing_related.astype(object),
        "key": np.arange(n),
    }


def _members(c: County, hh: I64) -> tuple[I64, I64]:
    """Every member of each given household: (index into hh, pid)."""
    p = c.people
    first = np.searchsorted(p.hh, hh)
    last = np.searchsorted(p.hh, hh, side="right")
    cnt = last - first
    idx = np.repeat(np.arange(len(hh)), cnt)
    offs = np.arange(len(idx)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    return idx, first[idx] + offs


def domestic_abuse(c: County) -> Cols:
    rng = stream(c.seed, "domestic_abuse")
    p, h = c.people, c.hh
    n_hh = len(h.type)
    hh_ids = np.arange(n_hh)
    first = np.searchsorted(p.hh, hh_ids)
    lo = np.full(n_hh, c.timeline.t0)
    hi = np.full(n_hh, c.timeline.t1)
    adult_hh = ~np.isin(h.type, [P.T["PENSIONER_SINGLE"]])
    base_rate = np.where(adult_hh, 0.004, 0.0) * np.where(h.level >= 1, 3.0, 1.0)
    sel = (h.domains & P.DOMESTIC_ABUSE) != 0
    ta, tb = np.maximum(h.onset, lo), np.minimum(h.until, hi)
    inc_hh, d = _cat(
        poisson_in(rng, hh_ids, base_rate, lo, hi),
        poisson_in(rng, hh_ids[sel], 1.2, ta[sel], tb[sel]),
    )
    n_inc = len(inc_hh)
    lead = first[inc_hh]
    has_partner = (p.kind[np.minimum(lead + 1, c.n_people - 1)] == P.PARTNER) & (
        p.hh[np.minimum(lead + 1, c.n_people - 1)] == inc_hh
    )
    partner = np.where(has_partner, lead + 1, -1)
    lead_f = p.female[lead]
    victim = np.where(lead_f | (partner < 0), lead, partner)
    other_in_hh = np.where(victim == lead, partner, lead)
    # Without a partner at home the perpetrator is an ex-partner living elsewhere.
    men = np.flatnonzero(~p.female & (p.kind != P.CHILD))
    outsider = men[rng.integers(0, len(men), n_inc)]
    perp = np.where(other_in_hh >= 0, other_in_hh, outsider)
    # Children present: the household's children born by then, each with probability 0.6.
    ci, cp = _members(c, inc_hh)
    kid = (p.kind[cp] == P.CHILD) & (p.dob[cp] < d[ci]) & (rng.random(len(cp)) < 0.6)
    ci, cp = ci[kid], cp[kid]
    inc = np.concatenate([np.arange(n_inc), np.arange(n_inc), ci])
    who = np.concatenate([victim, perp, cp])
    role = np.concatenate(
        [
            np.full(n_inc, "VICTIM", object),
            np.full(n_inc, "PERPETRATOR", object),
            np.full(len(cp), "CHILD_PRESENT", object),
        ]
    )
    risk_i = _pick(rng, ["STANDARD", "MEDIUM", "HIGH"], [0.55, 0.3, 0.15], n_inc)
    marac_i = np.where((risk_i == "HIGH") & (rng.random(n_inc) < 0.9), "Y", "N").astype(object)
    order = np.lexsort((np.arange(len(inc)), inc))
    inc, who, role = inc[order], who[order], role[order]
    return {
        "pid": who,
        "incident": inc,
        "incident_date": d[inc],
        "role": role,
        "risk": risk_i[inc],
        "marac": marac_i[inc],
        "key": inc,
    }


def _spells_alternating(
    rng: np.random.Generator, who: I64, lo: I64, hi: I64, mean_on: float, mean_off: float
) -> tuple[I64, I64, I64, I64, I64, I64]:
    """Alternating on/off segments over [lo, hi): (who, start, end) for on and for off."""
    k = 40
    n = len(who)
    lens = np.empty((n, k), dtype=np.int64)
    lens[:, 0::2] = 30 + rng.exponential(mean_on, (n, k // 2)).astype(np.int64)
    lens[:, 1::2] = 14 + rng.exponential(mean_off, (n, k // 2)).astype(np.int64)
    start0 = lo - rng.integers(0, int(mean_on), n)
    ends = start0[:, None] + np.cumsum(lens, axis=1)
    starts = ends - lens
    valid = (starts < hi[:, None]) & (ends > lo[:, None])
    ends = np.where(ends >= hi[:, None], OPEN, ends)
    is_on = np.zeros((n, k), dtype=bool)
    is_on[:, 0::2] = True
    rows = np.broadcast_to(who[:, None], (n, k))
    on, off = valid & is_on, valid & ~is_on
    return rows[on], starts[on], ends[on], rows[off], starts[off], ends[off]


def careers(c: County) -> tuple[Cols, Cols]:
    """Employment spells and benefit claims: (employment, dwp_benefits)."""
    rng = stream(c.seed, "careers")
    p, h, tl = c.people, c.hh, c.timeline
    pid = np.arange(c.n_people)
    lo, hi = _age_window(c, pid, 18, 66)
    lo = np.maximum(lo, tl.t0 - years_days(8))
    hi = np.where(p.dob + years_days(66) < tl.t1, hi, tl.t1)
    working = hi > lo
    # Trouble in work: leads and partners of WORKLESS households are out of work in the window.
    adultish = np.isin(p.kind, [P.LEAD, P.PARTNER])
    wl = working & adultish & ((h.domains[p.hh] & P.WORKLESS) != 0)
    w_on = np.maximum(h.onset[p.hh], lo)
    w_off = np.minimum(h.until[p.hh], hi)
    wl &= w_off > w_on

    emp_who: list[I64] = []
    emp_s: list[I64] = []
    emp_e: list[I64] = []
    ben_who: list[I64] = []
    ben_s: list[I64] = []
    ben_e: list[I64] = []
    ben_code: list[Any] = []

    # A spell never ends before it starts (a person leaving the county early, say):
    # such a spell lasts its first day only.
    def add_emp(w: I64, s: I64, e: I64) -> None:
        e = np.where((e != OPEN) & (e < s), s, e)
        emp_who.append(w)
        emp_s.append(s)
        emp_e.append(e)

    def add_ben(w: I64, s: I64, e: I64, code: Any) -> None:
        e = np.where((e != OPEN) & (e < s), s, e)
        ben_who.append(w)
        ben_s.append(s)
        ben_e.append(e)
        ben_code.append(np.broadcast_to(np.asarray(code, dtype=object), w.shape))

    # Stable careers: a job from before the span, changing jobs now and then.
    st = working & (p.career == P.STABLE)
    who = pid[st]
    s0 = lo[st] + rng.integers(0, 120, len(who))
    n_changes = rng.poisson(_years(hi[st] - s0) / 5.0)
    idx = np.repeat(np.arange(len(who)), n_changes)
    chg = s0[idx] + np.floor(rng.random(len(idx)) * np.maximum(hi[st] - s0, 1)[idx]).astype(
        np.int64
    )
    order = np.lexsort((chg, idx))
    idx, chg = idx[order], chg[order]
    gap = rng.integers(-3, 22, len(idx))
    # Spells: start -> first change, change+gap -> next change ... -> end.
    sp_who = np.concatenate([np.arange(len(who)), idx])
    sp_start = np.concatenate([s0, chg + np.maximum(gap, 1)])
    order = np.lexsort((sp_start, sp_who))
    sp_who, sp_start = sp_who[order], sp_start[order]
    nxt_same = np.append(sp_who[1:] == sp_who[:-1], False)
    # A spell ends a few days before the next begins; the last at retirement, or stays open.
    end_last = np.where(hi[st] < tl.t1, hi[st], OPEN)[sp_who]
    next_start = np.append(sp_start[1:], 0)
    sp_end = np.where(nxt_same, next_start - rng.integers(1, 10, len(sp_who)), end_last)
    ok = (sp_end == OPEN) | (sp_end > sp_start)
    add_emp(who[sp_who][ok], sp_start[ok], sp_end[ok])

    # Churning careers: short jobs, spells out of work often on a benefit.
    ch = working & (p.career == P.CHURN)
    on_w, on_s, on_e, off_w, off_s, off_e = _spells_alternating(
        rng, pid[ch], lo[ch], hi[ch], 420.0, 150.0
    )
    add_emp(on_w, on_s, on_e)
    claims = rng.random(len(off_w)) < 0.5
    code = np.where(rng.random(len(off_w)) < 0.8, "UC_SEARCHING", "JSA")
    add_ben(
        off_w[claims],
        off_s[claims] + rng.integers(0, 14, int(claims.sum())),
        off_e[claims],
        code[claims],
    )

    # Long-term workless: one out-of-work claim, legacy ones migrated to UC.
    wk = working & (p.career == P.WORKLESS_CAREER) & ~wl
    who = pid[wk]
    lone_lead = np.isin(h.type[p.hh[who]], [P.T["LONE_PARENT"]]) & (p.kind[who] == P.LEAD)
    code = np.where(
        lone_lead & (rng.random(len(who)) < 0.4),
        "IS",
        _pick(
            rng,
            ["ESA", "UC_SEARCHING", "JSA", "IB", "SDA", "CA"],
            [0.33, 0.42, 0.05, 0.04, 0.02, 0.14],
            len(who),
        ),
    )
    start = lo[wk] + rng.integers(0, 400, len(who))
    end = np.where(hi[wk] < tl.t1, hi[wk], OPEN)
    # When a troubled family improves, its long-term workless adults move into work:
    # the claim ends within a fortnight of the improvement and a job starts the day
    # after (what the programmes' out-of-work measures look for). A separate stream,
    # so the rest of the county stays as it was.
    ir = stream(c.seed, "improvement-work")
    turn = h.until[p.hh[who]] + ir.integers(0, 14, len(who))
    into_work = h.improver[p.hh[who]] & (turn > start) & ((end == OPEN) | (turn < end))
    add_emp(who[into_work], turn[into_work] + 1, end[into_work])  # to retirement, or open
    end = np.where(into_work, turn, end)
    legacy = np.isin(code, ["IS", "ESA", "JSA", "IB", "SDA"])
    migrate = legacy & (rng.random(len(who)) < 0.6)
    mig_day = rng.integers(day(date(2024, 1, 1)), day(date(2027, 12, 31)), len(who))
    migrate &= (mig_day > start) & ((end == OPEN) | (mig_day < end))
    add_ben(who, start, np.where(migrate, mig_day, end), code)
    add_ben(who[migrate], mig_day[migrate] + 1, end[migrate], "UC_SEARCHING")

    # Troubled out of work: before the window their usual job, then a claim (joint for a
    # couple), and after an improvement the lead adult (or the partner) finds work.
    who = pid[wl]
    before = (p.career[who] != P.WORKLESS_CAREER) & (w_on[wl] - lo[wl] > 90)
    add_emp(
        who[before],
        lo[wl][before] + rng.integers(0, 60, int(before.sum())),
        w_on[wl][before] - rng.integers(1, 60, int(before.sum())),
    )
    hh_of = p.hh[who]
    hh_start = rng.integers(0, 30, len(h.type))
    hh_end = rng.integers(0, 14, len(h.type))
    claim_start = np.maximum(h.onset[hh_of], lo[wl]) + hh_start[hh_of]
    improves = h.improver[hh_of] & (w_off[wl] < hi[wl])
    claim_end = np.where(
        improves, w_off[wl] + hh_end[hh_of], np.where(hi[wl] < tl.t1, hi[wl], OPEN)
    )
    couple = np.isin(hh_of, hh_of[p.kind[who] == P.PARTNER])
    # A couple's claim is joint: the partner's row carries the lead's claim reference.
    joint_offset = sum(len(w) for w in ben_who)
    lead_pos = np.searchsorted(who, np.searchsorted(p.hh, hh_of))
    lead_pos = np.minimum(lead_pos, len(who) - 1)
    joint_with = np.where(
        (p.kind[who] == P.PARTNER)
        & (who[lead_pos] == np.searchsorted(p.hh, hh_of))
        & (claim_start == claim_start[lead_pos])
        & (claim_end == claim_end[lead_pos]),
        joint_offset + lead_pos,
        -1,
    )
    add_ben(who, claim_start, claim_end, "UC_SEARCHING")
    finder = improves & (
        p.kind[who] == np.where(couple & (rng.random(len(who)) < 0.3), P.PARTNER, P.LEAD)
    )
    add_emp(who[finder], w_off[wl][finder], np.full(int(finder.sum()), OPEN))

    emp = {
        "pid": np.concatenate(emp_who),
        "start_date": np.concatenate(emp_s),
        "end_date": np.concatenate(emp_e),
    }
    n = len(emp["pid"])
    emp["weekly_hours"] = np.where(rng.random(n) < 0.7, 37, rng.integers(8, 36, n)).astype(np.int64)
    emp["key"] = np.arange(n)

    # Child Benefit: the mother (or lone parent) from the first birth to the youngest's 16th.
    kids = np.flatnonzero(p.kind == P.CHILD)
    fam = p.hh[kids]
    fam_u, first_i = np.unique(fam, return_index=True)
    oldest = np.minimum.reduceat(p.dob[kids], first_i)
    youngest = np.maximum.reduceat(p.dob[kids], first_i)
    claimant = np.searchsorted(p.hh, fam_u)  # the lead
    chb_end = youngest + years_days(16)
    add_ben(
        claimant,
        oldest + rng.integers(7, 60, len(fam_u)),
        np.where(chb_end < tl.t1, chb_end, OPEN),
        "CHB",
    )
    # PIP for some adults.
    adults = pid[working | (p.career == P.RETIRED)]
    pip = adults[rng.random(len(adults)) < 0.06]
    ps = rng.integers(tl.t0 - years_days(5), tl.t1, len(pip))
    pe = ps + years_days(rng.uniform(1, 8, len(pip)))
    add_ben(pip, ps, np.where(pe < tl.t1, pe, OPEN), "PIP")
    # In-work Universal Credit for some low-paid parents.
    e_pid, e_s, e_e = emp["pid"], emp["start_date"], emp["end_date"]
    parent = np.isin(p.hh[e_pid], fam_u) & np.isin(p.kind[e_pid], [P.LEAD, P.PARTNER])
    uw = parent & (rng.random(n) < 0.10) & ((e_e == OPEN) | (e_e - e_s > 120))
    add_ben(e_pid[uw], e_s[uw] + rng.integers(30, 90, int(uw.sum())), e_e[uw], "UC_WORKING")

    ben = {
        "pid": np.concatenate(ben_who),
        "start_date": np.concatenate(ben_s),
        "end_date": np.concatenate(ben_e),
        "benefit": np.concatenate(ben_code).astype(object),
    }
    nb = len(ben["pid"])
    ben["key"] = np.arange(nb)
    # Joint claims: the partner's row of a troubled couple's claim shares the lead's.
    claim = np.arange(nb)
    jw = np.flatnonzero(joint_with >= 0)
    claim[joint_offset + jw] = joint_with[jw]
    ben["claim"] = claim
    return emp, ben


def health(c: County) -> Cols:
    rng = stream(c.seed, "health")
    p, tl = c.people, c.timeline
    pid = np.arange(c.n_people)
    mult = _level_mult(c, pid)
    t0 = np.full(c.n_people, tl.t0)
    t1 = np.full(c.n_people, tl.t1)
    alive_lo = np.maximum(t0, p.dob)
    parts: list[tuple[I64, I64, Any, I64]] = []

    def add(who: I64, start: I64, service: str, length_days: I64) -> None:
        parts.append((who, start, service, start + length_days))

    # A&E contacts: a day each.
    w, d = poisson_in(rng, pid, 0.22 * np.where(mult > 1, 1.6, 1.0), alive_lo, t1)
    add(w, d, "A_AND_E", rng.integers(0, 2, len(w)))
    services: tuple[tuple[str, float, float, int, float, float], ...] = (
        # service, from age, to age, trouble domain, base rate a year, trouble rate
        ("CAMHS", 5, 18, P.MENTAL_HEALTH, 0.005, 0.9),
        ("ADULT_MENTAL_HEALTH", 18, 90, P.MENTAL_HEALTH, 0.005, 0.8),
        ("SUBSTANCE_MISUSE", 16, 70, P.SUBSTANCE, 0.002, 0.8),
        ("ALCOHOL", 18, 80, P.SUBSTANCE, 0.002, 0.6),
        ("HEALTH_VISITING_CONCERN", 0, 5, P.EARLY_YEARS | P.SOCIAL_CARE, 0.02, 0.9),
    )
    for service, a0, a1, dom, base, high in services:
        lo, hi = _age_window(c, pid, a0, a1)
        w1, d1 = poisson_in(rng, pid, base * mult, lo, hi)
        # In trouble, one member in the age range (the first found) is referred.
        tw, ta, tb = _trouble_span(c, pid, dom, lo, hi)
        if service in ("ADULT_MENTAL_HEALTH", "SUBSTANCE_MISUSE", "ALCOHOL"):
            keep = np.isin(p.kind[tw], [P.LEAD, P.PARTNER, P.SHARER])
            keep &= rng.random(len(tw)) < np.where(p.kind[tw] == P.LEAD, 0.9, 0.4)
        else:
            keep = rng.random(len(tw)) < 0.7
        w2, d2 = poisson_in(rng, tw[keep], high, ta[keep], tb[keep])
        who = np.concatenate([w1, w2])
        start = np.concatenate([d1, d2])
        add(who, start, service, years_days(rng.uniform(0.15, 1.5, len(who))))
    girls_lo, girls_hi = _age_window(c, pid, 14, 20)
    girls = p.female
    w, d = poisson_in(rng, pid[girls], 0.006 * mult[girls], girls_lo[girls], girls_hi[girls])
    add(w, d, "TEENAGE_PREGNANCY", np.full(len(w), 280))
    who = np.concatenate([x[0] for x in parts])
    start = np.concatenate([x[1] for x in parts])
    end = np.concatenate([x[3] for x in parts])
    service_col = np.concatenate([np.full(len(x[0]), x[2], dtype=object) for x in parts])
    end = np.where(end >= tl.t1, OPEN, end)
    return {
        "pid": who,
        "start_date": start,
        "end_date": end,
        "service": service_col,
        "key": np.arange(len(who)),
    }


def social_care(c: County) -> Cols:
    rng = stream(c.seed, "social_care")
    p, tl = c.people, c.timeline
    kids = np.flatnonzero(p.kind == P.CHILD)
    lo, hi = _age_window(c, kids, 0, 18)
    mult = _level_mult(c, kids)
    who_l: list[I64] = []
    start_l: list[I64] = []
    end_l: list[I64] = []
    ep_l: list[Any] = []
    for episode, rate, mean_len in (
        ("EARLY_HELP", 0.005, 200),
        ("CIN", 0.003, 300),
        ("CP", 0.0015, 330),
        ("CLA", 0.0006, 500),
    ):
        w, d = poisson_in(rng, kids, rate * mult, lo, hi)
        who_l.append(w)
        start_l.append(d)
        end_l.append(d + 30 + rng.exponential(mean_len, len(w)).astype(np.int64))
        ep_l.append(np.full(len(w), episode, dtype=object))
    # Troubled families: early help, escalating to child in need and sometimes a plan.
    tw, ta, tb = _trouble_span(c, kids, P.SOCIAL_CARE, lo, hi)
    s1 = ta + rng.integers(0, 90, len(tw))
    e1 = s1 + rng.integers(90, 270, len(tw))
    s2 = e1 + 1
    e2 = s2 + rng.integers(180, 420, len(tw))
    esc = rng.random(len(tw)) < 0.75
    cp = esc & (rng.random(len(tw)) < 0.35)
    s3 = e2 + 1
    e3 = s3 + rng.integers(180, 480, len(tw))
    for sel, s, e, episode in (
        (np.ones(len(tw), bool), s1, e1, "EARLY_HELP"),
        (esc, s2, e2, "CIN"),
        (cp, s3, e3, "CP"),
    ):
        # An improving family's episodes close at the improvement.
        keep = sel & (s < tb)
        who_l.append(tw[keep])
        start_l.append(s[keep])
        end_l.append(np.minimum(e[keep], tb[keep] + rng.integers(0, 30, int(keep.sum()))))
        ep_l.append(np.full(int(keep.sum()), episode, dtype=object))
    who = np.concatenate(who_l)
    start = np.concatenate(start_l)
    end = np.concatenate(end_l)
    end = np.where(end >= tl.t1, OPEN, end)
    episode_col = np.concatenate(ep_l)
    n = len(who)
    category = np.where(
        episode_col == "EARLY_HELP",
        _pick(
            rng,
            ["FAMILY_DYSFUNCTION", "ABSENT_PARENTING", "OTHER", "EMOTIONAL", "NEGLECT"],
            [0.35, 0.15, 0.25, 0.15, 0.1],
            n,
        ),
        _pick(
            rng,
            [
                "NEGLECT",
                "EMOTIONAL",
                "PHYSICAL",
                "SEXUAL",
                "MULTIPLE",
                "FAMILY_DYSFUNCTION",
                "ABSENT_PARENTING",
                "OTHER",
            ],
            [0.4, 0.2, 0.1, 0.04, 0.08, 0.1, 0.04, 0.04],
            n,
        ),
    ).astype(object)
    age = (start - p.dob[who]) / 365.25
    troubled = c.hh.level[p.hh[who]] == 2
    missing = np.where(
        (age >= 11) & (rng.random(n) < np.where(troubled, 0.35, 0.08)), 1 + rng.poisson(1.2, n), 0
    )
    # missing_episodes is left empty on some episodes with none (recorded as -1).
    missing = np.where((missing == 0) & (rng.random(n) < 0.3), -1, missing)
    return {
        "pid": who,
        "episode": episode_col,
        "start_date": start,
        "end_date": end,
        "category": category,
        "missing_episodes": missing.astype(np.int64),
        "key": np.arange(n),
    }


def housing(c: County) -> Cols:
    rng = stream(c.seed, "housing")
    p, h, tl = c.people, c.hh, c.timeline
    n_hh = len(h.type)
    hh_ids = np.arange(n_hh)
    lead = np.searchsorted(p.hh, hh_ids)
    lo = np.maximum(np.full(n_hh, tl.t0), p.dob[lead] + years_days(18))
    hi = np.full(n_hh, tl.t1)
    social = h.tenure == P.TENURE_SOCIAL
    sel = (h.domains & P.HOUSING) != 0
    ta, tb = np.maximum(h.onset, lo), np.minimum(h.until, hi)
    parts: list[tuple[I64, I64, str]] = []
    for event, base, high, social_only in (
        ("RENT_ARREARS", 0.10, 2.0, True),
        ("NOTICE_SEEKING_POSSESSION", 0.008, 0.5, True),
        ("EVICTION", 0.001, 0.12, True),
        ("HOMELESS_PRESENTATION", 0.002, 0.25, False),
        ("TEMPORARY_ACCOMMODATION", 0.001, 0.15, False),
    ):
        elig = social if social_only else np.ones(n_hh, bool)
        mult = np.where(h.level >= 1, 3.0, 1.0)
        w1, d1 = poisson_in(rng, hh_ids[elig], base * mult[elig], lo[elig], hi[elig])
        t = sel & (elig | (~social & (rng.random(n_hh) < 0.5)))
        w2, d2 = poisson_in(rng, hh_ids[t], high, ta[t], tb[t])
        parts.append((np.concatenate([w1, w2]), np.concatenate([d1, d2]), event))
    hh_col = np.concatenate([x[0] for x in parts])
    d = np.concatenate([x[1] for x in parts])
    event_col = np.concatenate([np.full(len(x[0]), x[2], dtype=object) for x in parts])
    n = len(hh_col)
    troubled = h.level[hh_col] == 2
    arrears = np.where(
        event_col == "RENT_ARREARS",
        np.round(rng.lognormal(np.where(troubled, 6.7, 5.6), 0.6, n), 2),
        np.nan,
    )
    tenancy = np.where(
        np.isin(event_col, ["HOMELESS_PRESENTATION", "TEMPORARY_ACCOMMODATION"]),
        -1,
        h.tenancy_no[hh_col],
    )
    return {
        "pid": lead[hh_col],
        "hh": hh_col,
        "event": event_col,
        "event_date": d,
        "arrears_amount": arrears,
        "tenancy": tenancy.astype(np.int64),
        "key": np.arange(n),
    }


REFERRAL_CODES = {
    P.CRIME: "CRIME",
    P.ASB: "CRIME",
    P.EDUCATION: "EDUCATION",
    P.SOCIAL_CARE: "CHILD_SAFETY",
    P.WORKLESS: "FINANCE",
    P.HOUSING: "HOUSING",
    P.DOMESTIC_ABUSE: "DOMESTIC_ABUSE",
    P.MENTAL_HEALTH: "HEALTH",
    P.SUBSTANCE: "SUBSTANCE_USE",
    P.EARLY_YEARS: "EARLY_YEARS",
}


def referrals(c: County) -> Cols:
    rng = stream(c.seed, "referrals")
    p, h, tl = c.people, c.hh, c.timeline
    n_hh = len(h.type)
    fam = np.isin(h.type, P.FAMILY_TYPES)
    hh_ids = np.arange(n_hh)
    # Troubled families are nominated once in their trouble, with probability 0.45;
    # a few other families are nominated at random.
    t = fam & (h.level == 2) & (rng.random(n_hh) < 0.45)
    a, b = np.maximum(h.onset, tl.t0), np.minimum(h.until, tl.t1)
    t &= b > a + 60
    rd_t = a + 60 + np.floor(rng.random(n_hh) * np.maximum(b - a - 60, 1)).astype(np.int64)
    other_hh, other_d = poisson_in(
        rng,
        hh_ids[fam & (h.level < 2)],
        0.004,
        np.full(int((fam & (h.level < 2)).sum()), tl.t0),
        np.full(int((fam & (h.level < 2)).sum()), tl.t1),
    )
    ref_hh = np.concatenate([hh_ids[t], other_hh])
    ref_d = np.concatenate([rd_t[t], other_d])
    n_ref = len(ref_hh)
    # The needs the referrer sees.
    codes: list[str] = []
    dom = h.domains[ref_hh]
    extra = rng.random(n_ref)
    for i in range(n_ref):
        seen = sorted({v for k, v in REFERRAL_CODES.items() if dom[i] & k})
        if extra[i] < 0.3:
            seen.append("RELATIONSHIPS")
        if len(seen) > 1 and extra[i] > 0.8:
            seen.pop(int(extra[i] * 100) % len(seen))
        if not seen:
            seen = [("EDUCATION", "HEALTH", "RELATIONSHIPS", "FINANCE")[int(extra[i] * 40) % 4]]
        codes.append(";".join(sorted(set(seen))))
    needs_i = np.array(codes, dtype=object)
    agency_i = _pick(
        rng,
        list(vocab.REFERRER_AGENCIES),
        [0.3, 0.1, 0.1, 0.08, 0.08, 0.14, 0.1, 0.05, 0.05],
        n_ref,
    )
    consent_i = _pick(rng, ["Y", "N", "U"], [0.62, 0.08, 0.3], n_ref)
    # The referrer: a professional, named from the same word lists.
    from wholefamily.synth.population import FORENAMES

    fnames = np.array(FORENAMES, dtype=object)
    snames = np.array(c.surnames, dtype=object)
    referrer_i = (
        fnames[rng.integers(0, len(fnames), n_ref)]
        + " "
        + snames[rng.integers(0, len(snames), n_ref)]
    )
    # One row per member born by the referral date.
    ri, who = _members(c, ref_hh)
    born = p.dob[who] <= ref_d[ri]
    ri, who = ri[born], who[born]
    role = np.where(
        p.kind[who] == P.LEAD, "LEAD_ADULT", np.where(p.kind[who] == P.CHILD, "CHILD", "ADULT")
    ).astype(object)
    return {
        "pid": who,
        "referral": ri,
        "referral_date": ref_d[ri],
        "referrer_agency": agency_i[ri],
        "referrer_name": referrer_i[ri],
        "family_role": role,
        "needs": needs_i[ri],
        "consent": consent_i[ri],
        "key": ri,
    }
