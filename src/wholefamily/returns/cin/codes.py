"""The Children in Need census code lists, each code with plain English words.

The codes are the ones the DfE's validator (`csc-validator-be-cin` 0.1.13, rule set
cin2025_26) accepts; the rule that checks each list is named beside it. The words are
ours, written for a person reading a page, after the DfE's descriptions in the census
guide. The app shows the words (`label`); the return carries the codes.

Two lists are wider than the census guide's headline ranges because the validator
accepts them: primary need N0 ("not stated") beside N1-N9, and reason for closure RC9
(closed after assessment and referred to early help) beside RC1-RC8.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


def _frozen(pairs: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(pairs)


# <ReferralSource> (rule 8866).
REFERRAL_SOURCE = _frozen(
    {
        "1A": "A member of the family, a relative or a carer",
        "1B": "An acquaintance, such as a neighbour or a childminder",
        "1C": "The child or young person themselves",
        "1D": "Another individual",
        "2A": "A school",
        "2B": "Another education service",
        "3A": "A GP",
        "3B": "A health visitor",
        "3C": "A school nurse",
        "3D": "Another primary health service",
        "3E": "An accident and emergency department",
        "3F": "Another health service",
        "4": "Housing (the council's or a housing association)",
        "5A": "The council's social care services, such as adult social care",
        "5B": "Another part of the council",
        "5C": "Another council",
        "5D": "Early help",
        "6": "The police",
        "7": "Another legal agency",
        "8": "Another source",
        "9": "Anonymous",
        "10": "Not known",
    }
)

# <PrimaryNeedCode> (rule 8650).
PRIMARY_NEED = _frozen(
    {
        "N0": "Not stated",
        "N1": "Abuse or neglect",
        "N2": "The child's disability or illness",
        "N3": "A parent's disability or illness",
        "N4": "Family in acute stress",
        "N5": "Family dysfunction",
        "N6": "Socially unacceptable behaviour",
        "N7": "Low income",
        "N8": "Absent parenting",
        "N9": "Cases other than children in need",
    }
)

# <ReasonForClosure> (rule 8640).
REASON_FOR_CLOSURE = _frozen(
    {
        "RC1": "Adopted",
        "RC2": "Died",
        "RC3": "Child arrangements order",
        "RC4": "Special guardianship order",
        "RC5": "Moved to the services of another council",
        "RC6": "Moved to adult social care services",
        "RC7": "Services ended for another reason, including the child no longer in need",
        "RC8": "Closed after assessment, no further action",
        "RC9": "Closed after assessment, referred to early help",
    }
)

# <AssessmentFactors> in <FactorsIdentifiedAtAssessment> (rules 8869, 8898, 8945Q, 8950Q).
# The retired 18A and 19A are left out: the validator queries them (8945Q, 8950Q) and
# asks for 18B/18C and 19B/19C instead.
ASSESSMENT_FACTOR = _frozen(
    {
        "1A": "Alcohol misuse by the child",
        "1B": "Alcohol misuse by a parent or carer",
        "1C": "Alcohol misuse by another person in the household",
        "2A": "Drug misuse by the child",
        "2B": "Drug misuse by a parent or carer",
        "2C": "Drug misuse by another person in the household",
        "3A": "Domestic abuse: the child is the subject",
        "3B": "Domestic abuse affecting a parent or carer",
        "3C": "Domestic abuse involving another person in the household",
        "4A": "Mental health of the child",
        "4B": "Mental health of a parent or carer",
        "4C": "Mental health of another person in the household",
        "5A": "Learning disability of the child",
        "5B": "Learning disability of a parent or carer",
        "5C": "Learning disability of another person in the household",
        "6A": "Physical disability or illness of the child",
        "6B": "Physical disability or illness of a parent or carer",
        "6C": "Physical disability or illness of another person in the household",
        "7A": "Young carer",
        "8B": "Privately fostered: from overseas, intending to return",
        "8C": "Privately fostered: from overseas, intending to stay",
        "8D": "Privately fostered: from the UK, for education",
        "8E": "Privately fostered: from the UK, other family arrangements",
        "8F": "Privately fostered: other",
        "9A": "Unaccompanied asylum-seeking child",
        "10A": "Going missing",
        "11A": "Child sexual exploitation",
        "12A": "Trafficking",
        "13A": "Gangs",
        "14A": "Socially unacceptable behaviour",
        "15A": "Self-harm",
        "16A": "Neglect",
        "17A": "Emotional abuse",
        "18B": "Physical abuse by an adult",
        "18C": "Physical abuse by another child or young person",
        "19B": "Sexual abuse by an adult",
        "19C": "Sexual abuse by another child or young person",
        "20": "Another factor",
        "21": "No factors identified",
        "22A": "Female genital mutilation",
        "23A": "Abuse linked to faith or belief",
        "24A": "Child criminal exploitation",
    }
)

# <InitialCategoryOfAbuse>, <LatestCategoryOfAbuse> (rules 8905, 8910).
CATEGORY_OF_ABUSE = _frozen(
    {
        "NEG": "Neglect",
        "PHY": "Physical abuse",
        "SAB": "Sexual abuse",
        "EMO": "Emotional abuse",
        "MUL": "More than one category",
    }
)

# <Ethnicity> (rule 4220).
ETHNICITY = _frozen(
    {
        "WBRI": "White British",
        "WIRI": "White Irish",
        "WIRT": "Traveller of Irish heritage",
        "WOTH": "Any other White background",
        "WROM": "Gypsy or Roma",
        "MWBC": "White and Black Caribbean",
        "MWBA": "White and Black African",
        "MWAS": "White and Asian",
        "MOTH": "Any other mixed background",
        "AIND": "Indian",
        "APKN": "Pakistani",
        "ABAN": "Bangladeshi",
        "AOTH": "Any other Asian background",
        "BCRB": "Black Caribbean",
        "BAFR": "Black African",
        "BOTH": "Any other Black background",
        "CHNE": "Chinese",
        "OOTH": "Any other ethnic group",
        "REFU": "Declined to say",
        "NOBT": "Not yet obtained",
    }
)

# <Disability> in <Disabilities> (rules 8540, 8790, 8794).
DISABILITY = _frozen(
    {
        "NONE": "No disability",
        "MOB": "Mobility",
        "HAND": "Hand function",
        "PC": "Personal care",
        "INC": "Continence",
        "COMM": "Communication",
        "LD": "Learning",
        "HEAR": "Hearing",
        "VIS": "Vision",
        "BEH": "Behaviour",
        "CON": "Consciousness (seizures)",
        "AUT": "Autism or Asperger's syndrome",
        "DDA": "Another disability under the Equality Act",
    }
)

# <Sex> (rules 4180, 8750: U for an unborn child). From 2024-25 the census records sex,
# not the earlier <GenderCurrent> 0/1/2/9.
SEX = _frozen(
    {
        "M": "Male",
        "F": "Female",
        "U": "Not known or not recorded",
    }
)

# <UPNunknown> (rules 8770Q, 8772): why a child has no unique pupil number.
UPN_UNKNOWN = _frozen(
    {
        "UN1": "Not of school age",
        "UN2": "Never attended a state-funded school in England",
        "UN3": "Lives or is educated outside England",
        "UN4": "New to the council; the number is not yet known",
        "UN5": "The records of the number disagree",
        "UN6": "Unaccompanied asylum-seeking child, or newly arrived from abroad",
        "UN7": "Referral with no further action",
    }
)

LISTS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "referral source": REFERRAL_SOURCE,
        "primary need": PRIMARY_NEED,
        "reason for closure": REASON_FOR_CLOSURE,
        "assessment factor": ASSESSMENT_FACTOR,
        "category of abuse": CATEGORY_OF_ABUSE,
        "ethnicity": ETHNICITY,
        "disability": DISABILITY,
        "sex": SEX,
        "UPN unknown reason": UPN_UNKNOWN,
    }
)


def label(kind: str, code: str) -> str:
    """The words for `code` in the list `kind` (a key of LISTS)."""
    return LISTS[kind][check(kind, code)]


def check(kind: str, code: str) -> str:
    """`code` if it is in the list `kind`; otherwise a ValueError in one line."""
    codes = LISTS[kind]
    if code not in codes:
        raise ValueError(f"{code!r} is not a census {kind} code (the codes are {', '.join(codes)})")
    return code
