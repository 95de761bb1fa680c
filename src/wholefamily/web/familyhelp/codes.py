"""The Children in Need census codes the case plane records, each with its words.

Kept as the census writes them so the return needs no mapping; pages show the words.
"""

from __future__ import annotations

REFERRAL_SOURCE = {
    "1A": "A family member, relative or carer",
    "1B": "An acquaintance (a neighbour or childminder)",
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
    "4": "Housing",
    "5A": "The council's children's social care",
    "5B": "Another council department",
    "5C": "Another council's services",
    "5D": "Early help",
    "6": "The police",
    "7": "Another legal agency",
    "8": "Another source",
    "9": "Anonymous",
    "10": "Not known",
}

PRIMARY_NEED = {
    "N1": "Abuse or neglect",
    "N2": "The child's disability or illness",
    "N3": "Parental disability or illness",
    "N4": "Family in acute stress",
    "N5": "Family dysfunction",
    "N6": "Socially unacceptable behaviour",
    "N7": "Low income",
    "N8": "Absent parenting",
    "N9": "Cases other than children in need",
}

CLOSURE_REASON = {
    "RC1": "Adopted",
    "RC2": "Died",
    "RC3": "Child arrangements order",
    "RC4": "Special guardianship order",
    "RC5": "Moved to another council",
    "RC6": "Moved abroad",
    "RC7": "Reached 18 or over",
    "RC8": "Case closed after assessment: no further action",
    "RC9": "Case closed after assessment: referred to early help",
}

_WHO = {"A": "the child", "B": "a parent or carer", "C": "another person in the household"}
FACTOR = {
    **{f"1{k}": f"Alcohol misuse: concerns about {w}" for k, w in _WHO.items()},
    **{f"2{k}": f"Drug misuse: concerns about {w}" for k, w in _WHO.items()},
    **{f"3{k}": f"Domestic abuse: concerns about {w}" for k, w in _WHO.items()},
    **{f"4{k}": f"Mental health: concerns about {w}" for k, w in _WHO.items()},
    **{f"5{k}": f"Learning disability: concerns about {w}" for k, w in _WHO.items()},
    **{f"6{k}": f"Physical disability or illness: concerns about {w}" for k, w in _WHO.items()},
    "7A": "Young carer",
    "8B": "Privately fostered: overseas child who intends to return",
    "8C": "Privately fostered: overseas child who intends to stay",
    "8D": "Privately fostered: child from the UK in education",
    "8E": "Privately fostered: child from the UK, parents living apart",
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
    "18A": "Physical abuse: by an adult",
    "18B": "Physical abuse: by another child",
    "18C": "Physical abuse: other",
    "19A": "Sexual abuse: by an adult",
    "19B": "Sexual abuse: by another child",
    "19C": "Sexual abuse: other",
    "20": "Other",
    "21": "No factors identified",
    "22A": "Female genital mutilation",
    "23A": "Abuse linked to faith or belief",
    "24A": "Child criminal exploitation",
}

CATEGORY = {
    "NEG": "Neglect",
    "PHY": "Physical abuse",
    "EMO": "Emotional abuse",
    "SAB": "Sexual abuse",
    "MUL": "Multiple categories",
}

CODES = {
    "referral_source": REFERRAL_SOURCE,
    "primary_need": PRIMARY_NEED,
    "closure_reason": CLOSURE_REASON,
    "factor": FACTOR,
    "category": CATEGORY,
}
KIND_WORDS = {
    "referral_source": "source of the request from the list",
    "primary_need": "main need from the list",
    "closure_reason": "reason for closing from the list",
    "factor": "factor from the list",
    "category": "category of abuse from the list",
}


def words(kind: str, code: str) -> str:
    """The words for a code, or the code itself when it is not one of the census's."""
    return CODES[kind].get(code, code)
