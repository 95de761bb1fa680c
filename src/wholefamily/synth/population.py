"""The county: addresses, households, people, their moves and their troubles.

Everything here is drawn once per seed, independent of any as-of date.
Arrays are indexed by person (`pid`), household (`hh`) or address (`addr`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from wholefamily.synth import vocab
from wholefamily.synth.rand import scatter, stream, zipf_weights
from wholefamily.synth.timeline import Timeline, age_at, years_days

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
Obj = npt.NDArray[np.object_]

NEVER = np.int64(10**7)  # a day number far beyond any timeline

# Household types: name, share of households.
HOUSEHOLD_TYPES: tuple[tuple[str, float], ...] = (
    ("SINGLE", 0.16),
    ("PENSIONER_SINGLE", 0.13),
    ("PENSIONER_COUPLE", 0.08),
    ("COUPLE", 0.19),
    ("COUPLE_CHILDREN", 0.20),
    ("LONE_PARENT", 0.08),
    ("COUPLE_ADULT_CHILDREN", 0.06),
    ("LONE_PARENT_ADULT_CHILDREN", 0.03),
    ("MULTIGENERATIONAL", 0.02),
    ("HOUSE_SHARE", 0.05),
)
TYPE_NAMES = tuple(t for t, _ in HOUSEHOLD_TYPES)
T = {name: i for i, name in enumerate(TYPE_NAMES)}
FAMILY_TYPES = np.array(
    [T["COUPLE_CHILDREN"], T["LONE_PARENT"], T["MULTIGENERATIONAL"]], dtype=np.int64
)

# Member kinds.
LEAD, PARTNER, CHILD, ADULT_CHILD, GRANDPARENT, SHARER = range(6)

# Problem domains (bit flags) a troubled household may carry.
CRIME, ASB, EDUCATION, SOCIAL_CARE, WORKLESS, HOUSING, DOMESTIC_ABUSE, MENTAL_HEALTH = (
    1 << i for i in range(8)
)
SUBSTANCE, EARLY_YEARS = 1 << 8, 1 << 9
DOMAIN_NAMES = {
    CRIME: "CRIME",
    ASB: "ASB",
    EDUCATION: "EDUCATION",
    SOCIAL_CARE: "SOCIAL_CARE",
    WORKLESS: "WORKLESS",
    HOUSING: "HOUSING",
    DOMESTIC_ABUSE: "DOMESTIC_ABUSE",
    MENTAL_HEALTH: "MENTAL_HEALTH",
    SUBSTANCE: "SUBSTANCE",
    EARLY_YEARS: "EARLY_YEARS",
}
# Weights for drawing domains of a troubled family with children.
FAMILY_DOMAIN_WEIGHTS = {
    WORKLESS: 0.20,
    EDUCATION: 0.18,
    CRIME: 0.10,
    ASB: 0.08,
    SOCIAL_CARE: 0.12,
    DOMESTIC_ABUSE: 0.10,
    MENTAL_HEALTH: 0.10,
    HOUSING: 0.06,
    SUBSTANCE: 0.04,
    EARLY_YEARS: 0.02,
}
ADULT_DOMAIN_WEIGHTS = {
    WORKLESS: 0.35,
    CRIME: 0.15,
    ASB: 0.12,
    MENTAL_HEALTH: 0.15,
    SUBSTANCE: 0.10,
    HOUSING: 0.08,
    DOMESTIC_ABUSE: 0.05,
}

# Working lives.
STABLE, CHURN, WORKLESS_CAREER, INACTIVE, RETIRED = range(5)

TENURE_OWNER, TENURE_PRIVATE, TENURE_SOCIAL = range(3)

FORENAMES: tuple[str, ...] = vocab.FEMALE_FORENAMES + vocab.MALE_FORENAMES
N_FEMALE = len(vocab.FEMALE_FORENAMES)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass
class Gazetteer:
    uprn: I64
    line1: Obj
    line2: Obj
    town: Obj
    postcode: Obj
    district: Obj
    lsoa: Obj
    district_idx: I64
    street: I64


@dataclass
class Households:
    type: I64
    uprn_addr: I64  # address index now (after any move)
    old_addr: I64  # address index before the move, -1 if none
    move_day: I64  # NEVER if no move
    tenure: I64
    tenancy_no: I64
    level: I64  # 0 none, 1 one problem, 2 several
    domains: I64  # bit flags
    onset: I64  # trouble window [onset, until)
    until: I64
    improver: B  # the window ends inside the timeline: the family improves


@dataclass
class People:
    hh: I64
    kind: I64
    female: B
    dob: I64
    forename: I64  # index into FORENAMES
    surname: I64  # index into County.surnames
    alt_surname: I64  # another surname the person is known by, -1 if none
    mother: I64  # pid of a mother (or lone father) in the household, -1 if none
    father: I64  # pid of a father or stepfather in the household, -1 if none
    step: B  # the `father` is a stepfather
    career: I64
    school_track: I64  # 0 state school to 16, 1 also sixth form, 2 never on roll
    nursery: B  # on a school's nursery roll at 3-4


@dataclass
class County:
    seed: int
    timeline: Timeline
    gaz: Gazetteer
    hh: Households
    people: People
    surnames: tuple[str, ...]
    school_urns: I64  # per school
    school_district: I64
    school_phase: I64  # 0 primary, 1 secondary

    @property
    def n_people(self) -> int:
        return len(self.people.dob)

    def addr_of(self, pid: I64, when: I64) -> I64:
        """Address index of each person's household on each date."""
        h = self.people.hh[pid]
        moved = when >= self.hh.move_day[h]
        return np.where(
            moved | (self.hh.old_addr[h] < 0), self.hh.uprn_addr[h], self.hh.old_addr[h]
        )

    def troubled(self, pid: I64, when: I64, domain: int) -> B:
        """True where the person's household is in trouble in `domain` on `when`."""
        h = self.people.hh[pid]
        return np.asarray(
            ((self.hh.domains[h] & domain) != 0)
            & (when >= self.hh.onset[h])
            & (when < self.hh.until[h]),
            dtype=bool,
        )


def _choice(rng: np.random.Generator, p: dict[int, float], n: int) -> I64:
    keys = np.array(list(p), dtype=np.int64)
    w = np.array(list(p.values()), dtype=np.float64)
    return np.asarray(keys[rng.choice(len(keys), size=n, p=w / w.sum())], dtype=np.int64)


def build_gazetteer(n_addr: int, seed: int) -> Gazetteer:
    rng = stream(seed, "gazetteer")
    names = list(vocab.DISTRICTS)
    shares = np.array([0.24, 0.14, 0.20, 0.16, 0.12, 0.14])
    dist = np.sort(rng.choice(len(names), size=n_addr, p=shares))
    # Towns: the main town takes 60% of the district, the rest share 40%.
    town_names: list[str] = []
    town_district: list[int] = []
    for d, name in enumerate(names):
        for town_name in vocab.DISTRICTS[name]:
            town_names.append(town_name)
            town_district.append(d)
    town_district_arr = np.array(town_district)
    town = np.empty(n_addr, dtype=np.int64)
    for d in range(len(names)):
        idx = np.flatnonzero(dist == d)
        towns = np.flatnonzero(town_district_arr == d)
        k = len(towns)
        p = np.array([0.6] + [0.4 / (k - 1)] * (k - 1))
        town[idx] = np.sort(towns[rng.choice(k, size=len(idx), p=p)])
    # Streets of 8 to 80 addresses, consecutive within a town.
    street_of = np.empty(n_addr, dtype=np.int64)
    number = np.empty(n_addr, dtype=np.int64)
    street_id = 0
    bounds = np.flatnonzero(np.diff(town)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [n_addr]])
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        size = e - s
        lengths = rng.integers(8, 81, size=size // 8 + 2)
        cum = np.cumsum(lengths)
        k = int(np.searchsorted(cum, size)) + 1
        sid = np.repeat(np.arange(k), lengths[:k])[:size]
        street_of[s:e] = street_id + sid
        first = np.concatenate([[0], cum[: k - 1]])
        number[s:e] = np.arange(size) - first[sid] + 1
        street_id += k
    n_streets = street_id
    stem = rng.integers(0, len(vocab.STREET_STEMS), size=n_streets)
    suffix = rng.integers(0, len(vocab.STREET_SUFFIXES), size=n_streets)
    stems = np.array(vocab.STREET_STEMS, dtype=object)
    suffixes = np.array(vocab.STREET_SUFFIXES, dtype=object)
    street_names = stems[stem] + " " + suffixes[suffix]
    # Flats and named houses.
    u = rng.random(n_addr)
    flat = u < 0.14
    named = (u >= 0.14) & (u < 0.18)
    num_str = number.astype(str).astype(object)
    line1 = num_str + " " + street_names[street_of]
    flat_no = rng.integers(1, 13, size=n_addr).astype(str).astype(object)
    line1 = np.where(flat, "Flat " + flat_no + ", " + line1, line1)
    houses = np.array(vocab.HOUSE_NAMES, dtype=object)
    line1 = np.where(
        named,
        houses[rng.integers(0, len(houses), size=n_addr)] + ", " + street_names[street_of],
        line1,
    )
    # Two houses of one street may not share a name: the later one keeps its number.
    named_key = line1 + "|" + street_of.astype(str).astype(object)
    _, first_seen = np.unique(named_key, return_index=True)
    repeat = np.ones(n_addr, dtype=bool)
    repeat[first_seen] = False
    line1 = np.where(named & repeat, num_str + " " + street_names[street_of], line1)
    localities = np.array(vocab.LOCALITIES, dtype=object)
    has_loc = rng.random(n_addr) < 0.2
    line2 = np.where(has_loc, localities[rng.integers(0, len(localities), size=n_addr)], "")
    # Postcodes: about 15 consecutive addresses of one street share a unit.
    unit_break = (np.diff(street_of, prepend=-1) != 0) | (rng.random(n_addr) < 1 / 15)
    unit = np.cumsum(unit_break) - 1
    n_units = int(unit[-1]) + 1
    unit_town = town[np.flatnonzero(unit_break)]
    # Outward codes: 4,000 units each at most, numbered across the county.
    out_code = np.empty(n_units, dtype=np.int64)
    next_out = 0
    unit_in_out = np.empty(n_units, dtype=np.int64)
    for t in range(len(town_names)):
        idx = np.flatnonzero(unit_town == t)
        if len(idx) == 0:
            continue
        rank = np.arange(len(idx))
        out_code[idx] = next_out + rank // 4000
        unit_in_out[idx] = rank % 4000
        next_out += (len(idx) - 1) // 4000 + 1
    areas = np.array(["WX", "WY", "WZ"], dtype=object)
    if next_out > 99 * len(areas):
        raise ValueError("county too large for its postcode areas")
    outward = areas[out_code // 99] + (out_code % 99 + 1).astype(str).astype(object)
    letters = np.array(list(INWARD_LETTERS), dtype=object)
    # Scatter units over the sector/letters so neighbours do not look sequential.
    code = scatter(unit_in_out, 4000, seed, "postcode-unit")
    inward = (
        (code // 400).astype(str).astype(object) + letters[(code % 400) // 20] + letters[code % 20]
    )
    postcode_unit = outward + " " + inward
    uprn = 100_000_000_000 + np.sort(scatter(np.arange(n_addr), 899_999_999_989, seed, "uprn"))
    # LSOAs: runs of about 650 addresses within a district.
    lsoa_id = np.empty(n_addr, dtype=np.int64)
    base = 0
    for d in range(len(names)):
        idx = np.flatnonzero(dist == d)
        lsoa_id[idx] = base + np.arange(len(idx)) // 650
        base = int(lsoa_id[idx].max()) + 1 if len(idx) else base
    lsoa = np.array([f"E0195{i:04d}" for i in range(base)], dtype=object)[lsoa_id]
    district_names = np.array(names, dtype=object)
    town_arr = np.array(town_names, dtype=object)
    return Gazetteer(
        uprn=uprn.astype(np.int64),
        line1=line1.astype(object),
        line2=line2.astype(object),
        town=town_arr[town],
        postcode=postcode_unit[unit],
        district=district_names[dist],
        lsoa=lsoa,
        district_idx=dist.astype(np.int64),
        street=street_of,
    )


def _surname_vocab(rng: np.random.Generator) -> tuple[tuple[str, ...], npt.NDArray[np.float64]]:
    """Surnames with Zipf weights, plus some double-barrelled ones."""
    base = list(vocab.SURNAMES)
    w = zipf_weights(len(base), s=0.8, offset=8.0)
    pairs = rng.choice(len(base), size=(120, 2), p=w)
    extra = sorted({f"{base[a]}-{base[b]}" for a, b in pairs.tolist() if a != b})
    names = tuple(base + extra)
    weights = np.concatenate([w * 0.97, np.full(len(extra), 0.03 / len(extra))])
    return names, weights


def build_county(n_people: int, seed: int, timeline: Timeline) -> County:
    """Draw the whole county for a seed."""
    rng = stream(seed, "households")
    surnames, sw = _surname_vocab(stream(seed, "surnames"))
    n_surn = len(surnames)
    fw = zipf_weights(N_FEMALE)
    mw = zipf_weights(len(vocab.MALE_FORENAMES))

    # ---- household compositions, drawn until they hold n_people ----
    shares = np.array([s for _, s in HOUSEHOLD_TYPES])
    n_hh_guess = int(n_people / 2.3) + 16
    htype = rng.choice(len(TYPE_NAMES), size=n_hh_guess, p=shares / shares.sum())
    n_kids = np.where(
        np.isin(htype, FAMILY_TYPES),
        rng.choice([1, 2, 3, 4], size=n_hh_guess, p=[0.44, 0.38, 0.13, 0.05]),
        0,
    )
    has_partner = np.isin(
        htype,
        [T["PENSIONER_COUPLE"], T["COUPLE"], T["COUPLE_CHILDREN"], T["COUPLE_ADULT_CHILDREN"]],
    ) | ((htype == T["MULTIGENERATIONAL"]) & (rng.random(n_hh_guess) < 0.6))
    n_adult_kids = np.where(
        np.isin(htype, [T["COUPLE_ADULT_CHILDREN"], T["LONE_PARENT_ADULT_CHILDREN"]]),
        rng.choice([1, 2], size=n_hh_guess, p=[0.7, 0.3]),
        np.where((htype == T["COUPLE_CHILDREN"]) & (rng.random(n_hh_guess) < 0.08), 1, 0),
    )
    n_grand = np.where(
        htype == T["MULTIGENERATIONAL"], rng.choice([1, 2], size=n_hh_guess, p=[0.55, 0.45]), 0
    )
    n_sharers = np.where(
        htype == T["HOUSE_SHARE"],
        rng.choice([1, 2, 3, 4], size=n_hh_guess, p=[0.45, 0.3, 0.18, 0.07]),
        0,
    )
    size = 1 + has_partner + n_kids + n_adult_kids + n_grand + n_sharers
    cum = np.cumsum(size)
    n_hh = int(np.searchsorted(cum, n_people)) + 1
    htype, n_kids, has_partner = htype[:n_hh], n_kids[:n_hh], has_partner[:n_hh]
    n_adult_kids, n_grand, n_sharers = n_adult_kids[:n_hh], n_grand[:n_hh], n_sharers[:n_hh]
    # Trim the last household so the county holds exactly n_people.
    excess = int(cum[n_hh - 1]) - n_people
    for arr in (n_sharers, n_adult_kids, n_kids, n_grand):
        take = min(excess, int(arr[-1]))
        arr[-1] -= take
        excess -= take
    if excess > 0 and has_partner[-1]:
        has_partner[-1] = False
        excess -= 1
    assert excess == 0

    # ---- members, grouped by household ----
    hh_ids = np.arange(n_hh)
    blocks = [
        (hh_ids, LEAD),
        (hh_ids[has_partner], PARTNER),
        (np.repeat(hh_ids, n_grand), GRANDPARENT),
        (np.repeat(hh_ids, n_adult_kids), ADULT_CHILD),
        (np.repeat(hh_ids, n_kids), CHILD),
        (np.repeat(hh_ids, n_sharers), SHARER),
    ]
    hh = np.concatenate([b for b, _ in blocks])
    kind = np.concatenate([np.full(len(b), k) for b, k in blocks])
    order = np.lexsort((kind, hh))
    hh, kind = hh[order].astype(np.int64), kind[order].astype(np.int64)
    n = len(hh)
    ht = htype[hh]
    first = np.searchsorted(hh, hh_ids)  # pid of each household's lead
    lead_of = first[hh]
    partner_pid = np.where(has_partner, first + 1, -1)

    # ---- ages at the reference date ----
    u = rng.random(n)
    lead_age = np.select(
        [
            htype == T["SINGLE"],
            htype == T["PENSIONER_SINGLE"],
            htype == T["PENSIONER_COUPLE"],
            htype == T["COUPLE"],
            htype == T["COUPLE_CHILDREN"],
            htype == T["LONE_PARENT"],
            np.isin(htype, [T["COUPLE_ADULT_CHILDREN"], T["LONE_PARENT_ADULT_CHILDREN"]]),
            htype == T["MULTIGENERATIONAL"],
        ],
        [
            rng.uniform(18, 66, n_hh),
            66 + rng.gamma(2.0, 6.0, n_hh),
            66 + rng.gamma(2.0, 5.0, n_hh),
            rng.uniform(19, 66, n_hh),
            rng.triangular(20, 36, 52, n_hh),
            rng.triangular(17, 33, 55, n_hh),
            rng.uniform(42, 70, n_hh),
            rng.uniform(19, 45, n_hh),
        ],
        default=rng.uniform(18, 40, n_hh),
    )
    lead_age = np.minimum(lead_age, 99.0)
    la = lead_age[hh]
    age = np.select(
        [
            kind == LEAD,
            kind == PARTNER,
            kind == CHILD,
            kind == ADULT_CHILD,
            kind == GRANDPARENT,
        ],
        [
            la,
            np.clip(la + rng.normal(2, 3, n), 18, 99),
            u * np.minimum(18.0, la - 16.0),
            18 + u * np.clip(la - 18 - 18, 0.5, 17),
            np.minimum(la + rng.uniform(19, 32, n), 99),
        ],
        default=rng.uniform(18, 45, n),
    )
    dob = timeline.ref - years_days(age) - rng.integers(0, 365, n)

    # ---- sex ----
    same_sex = rng.random(n_hh) < 0.03
    lead_female = np.where(
        np.isin(
            htype,
            [
                T["COUPLE_CHILDREN"],
                T["COUPLE"],
                T["PENSIONER_COUPLE"],
                T["COUPLE_ADULT_CHILDREN"],
                T["MULTIGENERATIONAL"],
            ],
        ),
        True,
        np.where(
            np.isin(htype, [T["LONE_PARENT"], T["LONE_PARENT_ADULT_CHILDREN"]]),
            rng.random(n_hh) < 0.88,
            np.where(
                htype == T["PENSIONER_SINGLE"], rng.random(n_hh) < 0.65, rng.random(n_hh) < 0.5
            ),
        ),
    )
    female = np.where(
        kind == LEAD,
        lead_female[hh],
        np.where(kind == PARTNER, same_sex[hh] & lead_female[hh], rng.random(n) < 0.49),
    )

    # ---- parents within the household ----
    is_child = np.isin(kind, [CHILD, ADULT_CHILD])
    lead_is_f = female[lead_of]
    partner_of = partner_pid[hh]
    mother = np.where(is_child & lead_is_f, lead_of, -1)
    father = np.where(is_child & ~lead_is_f, lead_of, -1)
    has_p = is_child & (partner_of >= 0)
    # In a same-sex couple the partner is recorded as an OTHER carer, not a father.
    father = np.where(has_p & ~female[np.maximum(partner_of, 0)], partner_of, father)
    step_hh = (htype == T["COUPLE_CHILDREN"]) & (rng.random(n_hh) < 0.12)
    step = has_p & step_hh[hh]
    # Multigenerational: the grandparents are the lead's parents.
    lead_mother = np.where(htype == T["MULTIGENERATIONAL"], first + 1 + has_partner, -1)

    # ---- names ----
    fam_name = rng.choice(n_surn, size=n_hh, p=sw)  # father's / household name
    maiden = rng.choice(n_surn, size=n_hh, p=sw)  # the mother's birth name
    bio_father = rng.choice(n_surn, size=n_hh, p=sw)  # absent father's name
    married = rng.random(n_hh) < 0.68
    surname = rng.choice(n_surn, size=n, p=sw)  # sharers and singles keep their own
    alt = np.full(n, -1, dtype=np.int64)
    fam = np.isin(
        ht,
        [
            T["COUPLE_CHILDREN"],
            T["COUPLE"],
            T["PENSIONER_COUPLE"],
            T["COUPLE_ADULT_CHILDREN"],
            T["MULTIGENERATIONAL"],
        ],
    )
    lone = np.isin(ht, [T["LONE_PARENT"], T["LONE_PARENT_ADULT_CHILDREN"]])
    # Partners (men) carry the family name.
    surname = np.where(fam & (kind == PARTNER), fam_name[hh], surname)
    # Married women take the family name and keep their maiden name as another.
    wife = fam & (kind == LEAD) & female & married[hh]
    surname = np.where(wife, fam_name[hh], surname)
    alt = np.where(wife, maiden[hh], alt)
    unmarried_lead = fam & (kind == LEAD) & ~married[hh]
    surname = np.where(unmarried_lead, maiden[hh], surname)
    # Children: the father's name, the mother's, or both joined.
    kid = is_child
    kid_choice = rng.random(n)
    kid_name = np.where(married[hh] | (kid_choice < 0.55), fam_name[hh], maiden[hh])
    kid_name = np.where(step, bio_father[hh], kid_name)
    surname = np.where(kid & fam, kid_name, surname)
    # Lone parents: half still use a former married name, their children the father's.
    lone_lead = lone & (kind == LEAD)
    was_married = rng.random(n) < 0.5
    surname = np.where(lone_lead, np.where(was_married, bio_father[hh], maiden[hh]), surname)
    alt = np.where(lone_lead & was_married, maiden[hh], alt)
    surname = np.where(
        lone & kid, np.where(kid_choice < 0.7, bio_father[hh], surname[lead_of]), surname
    )
    # Children whose surname differs from their mother's are sometimes known by hers.
    mom_name = np.where(mother >= 0, surname[np.maximum(mother, 0)], -1)
    alt = np.where(
        kid & (mother >= 0) & (mom_name != surname) & (rng.random(n) < 0.5), mom_name, alt
    )
    # Grandparents carry the lead's birth name.
    lead_birth = np.where(alt[lead_of] >= 0, alt[lead_of], surname[lead_of])
    surname = np.where(kind == GRANDPARENT, lead_birth, surname)
    # Older single women are sometimes known by a maiden name too.
    widow = np.isin(ht, [T["PENSIONER_SINGLE"], T["SINGLE"]]) & female & (rng.random(n) < 0.35)
    alt = np.where(widow, rng.choice(n_surn, size=n, p=sw), alt)
    forename = np.where(
        female,
        rng.choice(N_FEMALE, size=n, p=fw),
        N_FEMALE + rng.choice(len(vocab.MALE_FORENAMES), size=n, p=mw),
    )
    # Grandparents: female first, then male, in a couple.
    gp_rank = np.where(
        kind == GRANDPARENT, np.arange(n) - np.searchsorted(hh * 8 + kind, hh * 8 + GRANDPARENT), -1
    )
    female = np.where(kind == GRANDPARENT, gp_rank == 0, female)
    forename = np.where(
        (kind == GRANDPARENT) & female & (forename >= N_FEMALE),
        rng.choice(N_FEMALE, size=n, p=fw),
        forename,
    )
    forename = np.where(
        (kind == GRANDPARENT) & ~female & (forename < N_FEMALE),
        N_FEMALE + rng.choice(len(vocab.MALE_FORENAMES), size=n, p=mw),
        forename,
    )
    mother = np.where((kind == LEAD) & (lead_mother[hh] >= 0), lead_mother[hh], mother)

    # ---- addresses and moves ----
    n_addr = int(n_hh * 1.18) + int(n_hh * 0.15) + 50
    gaz = build_gazetteer(n_addr, seed)
    perm = stream(seed, "addresses").permutation(n_addr)
    cur = perm[:n_hh]
    spare = perm[n_hh:]
    mover = rng.random(n_hh) < 0.14
    old = np.full(n_hh, -1, dtype=np.int64)
    n_mov = int(mover.sum())
    old[mover] = spare[:n_mov]
    move_day = np.full(n_hh, NEVER, dtype=np.int64)
    move_day[mover] = rng.integers(timeline.t0, timeline.t1, size=n_mov)
    # Tenure, with social housing where problems are more common.
    tenure = rng.choice(3, size=n_hh, p=[0.62, 0.20, 0.18])

    # ---- troubles ----
    has_kids = n_kids > 0
    lvl_u = rng.random(n_hh)
    level = np.where(
        has_kids,
        np.where(lvl_u < 0.032, 2, np.where(lvl_u < 0.11, 1, 0)),
        np.where(lvl_u < 0.015, 2, np.where(lvl_u < 0.07, 1, 0)),
    )
    domains = np.zeros(n_hh, dtype=np.int64)
    n_dom = np.where(
        level == 2,
        rng.choice([2, 3, 4], size=n_hh, p=[0.35, 0.4, 0.25]),
        np.where(level == 1, 1, 0),
    )
    for weights, sel in ((FAMILY_DOMAIN_WEIGHTS, has_kids), (ADULT_DOMAIN_WEIGHTS, ~has_kids)):
        for _ in range(4):
            need = sel & (n_dom > 0)
            pick = _choice(rng, weights, n_hh)
            newly = need & ((domains & pick) == 0)
            domains = np.where(newly, domains | pick, domains)
            n_dom = np.where(newly, n_dom - 1, n_dom)
    tenure = np.where((level == 2) & (rng.random(n_hh) < 0.45), TENURE_SOCIAL, tenure)
    span = timeline.t1 - timeline.t0
    onset = rng.integers(timeline.t0 - 2 * span // 3, timeline.t1, size=n_hh)
    improver = rng.random(n_hh) < 0.6
    dur_years = np.where(
        level == 2,
        np.where(improver, rng.uniform(1.5, 3.5, n_hh), rng.uniform(5, 12, n_hh)),
        rng.uniform(0.5, 3.0, n_hh),
    )
    until = onset + years_days(dur_years)
    until = np.where(level == 0, onset, until)
    improver = (level > 0) & (until < timeline.t1)
    tenancy_no = scatter(np.arange(n_hh), 10_000_000, seed, "tenancy")

    # ---- working lives ----
    age_ref = age_at(dob, timeline.ref)
    lvl = level[hh]
    c_u = rng.random(n)
    workless_p = np.where(lvl == 2, 0.30, np.where(lvl == 1, 0.08, 0.025))
    workless_p = np.where(lone & (kind == LEAD), workless_p + 0.10, workless_p)
    churn_p = np.where(lvl > 0, 0.15, 0.07)
    inactive_p = np.where((kind == PARTNER) & female, 0.10, 0.04)
    career = np.select(
        [c_u < workless_p, c_u < workless_p + churn_p, c_u < workless_p + churn_p + inactive_p],
        [WORKLESS_CAREER, CHURN, INACTIVE],
        default=STABLE,
    )
    career = np.where(age_ref >= 66, RETIRED, career)
    # Children get a working life too; it starts at 18 (see events.careers).

    # ---- schooling ----
    track_u = rng.random(n)
    school_track = np.where(track_u < 0.05, 2, np.where(track_u < 0.50, 1, 0))
    nursery = rng.random(n) < 0.4

    # ---- schools: primaries and secondaries per district ----
    n_pupils_est = max(1, int(n * 0.2))
    n_primary = max(6, n_pupils_est // 280)
    n_secondary = max(6, n_pupils_est // 1100)
    phase = np.concatenate([np.zeros(n_primary, np.int64), np.ones(n_secondary, np.int64)])
    sdist = np.concatenate([np.arange(n_primary) % 6, np.arange(n_secondary) % 6]).astype(np.int64)
    urns = 100_000 + np.sort(scatter(np.arange(len(phase)), 900_000, seed, "urn"))

    hh_rec = Households(
        type=htype.astype(np.int64),
        uprn_addr=cur.astype(np.int64),
        old_addr=old,
        move_day=move_day,
        tenure=tenure.astype(np.int64),
        tenancy_no=tenancy_no,
        level=level.astype(np.int64),
        domains=domains,
        onset=onset.astype(np.int64),
        until=until.astype(np.int64),
        improver=improver,
    )
    people = People(
        hh=hh,
        kind=kind,
        female=female.astype(bool),
        dob=dob.astype(np.int64),
        forename=forename.astype(np.int64),
        surname=surname.astype(np.int64),
        alt_surname=alt.astype(np.int64),
        mother=mother.astype(np.int64),
        father=father.astype(np.int64),
        step=step.astype(bool),
        career=career.astype(np.int64),
        school_track=school_track.astype(np.int64),
        nursery=nursery,
    )
    return County(
        seed=seed,
        timeline=timeline,
        gaz=gaz,
        hh=hh_rec,
        people=people,
        surnames=surnames,
        school_urns=urns.astype(np.int64),
        school_district=sdist,
        school_phase=phase,
    )
