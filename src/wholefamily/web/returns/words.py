"""The census's fields and values in words, for the page of the DfE rules' report: the
validator names fields by their XML element (CPPstartDate) and gives values as the file
holds them (codes, ISO dates, 1/0)."""

from __future__ import annotations

from datetime import date

from wholefamily.returns.cin import codes

FIELDS = {
    "LAchildID": "The council's child id",
    "UPN": "Unique pupil number",
    "FormerUPN": "Former unique pupil number",
    "UPNunknown": "Why there is no unique pupil number",
    "PersonBirthDate": "Date of birth",
    "ExpectedPersonBirthDate": "Expected date of birth",
    "Sex": "Sex",
    "GenderCurrent": "Sex",
    "PersonDeathDate": "Date of death",
    "Ethnicity": "Ethnicity",
    "Disability": "Disability",
    "CINreferralDate": "Referral date",
    "ReferralSource": "Who referred",
    "PrimaryNeedCode": "Main need",
    "CINclosureDate": "Date the case closed",
    "ReasonForClosure": "Why the case closed",
    "DateOfInitialCPC": "Date of the initial child protection conference",
    "ReferralNFA": "Referral with no further action",
    "AssessmentActualStartDate": "Assessment start date",
    "AssessmentInternalReviewDate": "Assessment internal review date",
    "AssessmentAuthorisationDate": "Assessment authorisation date",
    "AssessmentFactors": "Factor found at assessment",
    "CINPlanStartDate": "Child in need plan start date",
    "CINPlanEndDate": "Child in need plan end date",
    "S47ActualStartDate": "Section 47 enquiry start date",
    "InitialCPCtarget": "Date the initial conference was due",
    "ICPCnotRequired": "Initial conference not required",
    "CPPstartDate": "Child protection plan start date",
    "CPPendDate": "Child protection plan end date",
    "InitialCategoryOfAbuse": "Initial category of abuse",
    "LatestCategoryOfAbuse": "Latest category of abuse",
    "NumberOfPreviousCPP": "Number of earlier child protection plans",
    "CPPreviewDate": "Review conference date",
    "ReferenceDate": "The census's reference date",
    "LEA": "The council's code",
}

_CODED = {
    "UPNunknown": "UPN unknown reason",
    "Sex": "sex",
    "Ethnicity": "ethnicity",
    "Disability": "disability",
    "ReferralSource": "referral source",
    "PrimaryNeedCode": "primary need",
    "ReasonForClosure": "reason for closure",
    "AssessmentFactors": "assessment factor",
    "InitialCategoryOfAbuse": "category of abuse",
    "LatestCategoryOfAbuse": "category of abuse",
}
_YES_NO = ("ReferralNFA", "ICPCnotRequired")


def field_words(name: str) -> str:
    """The field's words; an element we have no words for is split where its case changes."""
    if name in FIELDS:
        return FIELDS[name]
    spaced = "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
    return spaced[:1].upper() + spaced[1:]


def value_words(name: str, value: str | None) -> str:
    """A flagged value as a person reads it: a date in words, a code's words, yes or no."""
    if value is None or value.strip() in ("", "nan", "NaT", "None"):
        return "Not given"
    text = value.strip()
    if name in _YES_NO:
        return "Yes" if text.lower() in ("1", "true") else "No"
    kind = _CODED.get(name)
    if kind is not None and text in codes.LISTS[kind]:
        return codes.label(kind, text)
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return text
    return f"{day.day} {day:%B %Y}"
