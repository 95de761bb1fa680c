"""The Children in Need census codes the case plane records, by the names its forms and
checks use. The lists and their words are the census's own (`wholefamily.returns.cin.
codes`), so what a practitioner can choose is exactly what the return can carry.

Pages offer only what a practitioner should choose now: N0 ("not stated") is kept for
records from elsewhere, and retired factor codes are not in the census list at all.
"""

from __future__ import annotations

from wholefamily.returns.cin import codes as census

REFERRAL_SOURCE = census.REFERRAL_SOURCE
PRIMARY_NEED = {k: v for k, v in census.PRIMARY_NEED.items() if k != "N0"}
CLOSURE_REASON = census.REASON_FOR_CLOSURE
FACTOR = census.ASSESSMENT_FACTOR
CATEGORY = census.CATEGORY_OF_ABUSE

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
