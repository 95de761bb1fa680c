"""The Children in Need census return: records, code lists, the XML and the DfE's rules.

    from wholefamily.returns.cin import Child, CINEpisode, write_and_validate
    report = write_and_validate(children, "885", "2025-26", Path("cin-2025-26.xml"))
    report.errors   # ERROR-level failures: the DfE would refuse the return
    report.queries  # QUERY-level failures: for the analyst to check

No Django here: the case database is mapped into these records by its caller.
See docs/cin-census.md.
"""

from wholefamily.returns.cin.model import (
    Assessment,
    Child,
    CINEpisode,
    CINPlan,
    CPPlan,
    Section47,
)
from wholefamily.returns.cin.validate import (
    Failure,
    Field,
    Report,
    ValidatorError,
    validate_file,
    write_and_validate,
)
from wholefamily.returns.cin.xml import write_return
from wholefamily.returns.cin.year import CollectionYear, parse_year

__all__ = [
    "Assessment",
    "CINEpisode",
    "CINPlan",
    "CPPlan",
    "Child",
    "CollectionYear",
    "Failure",
    "Field",
    "Report",
    "Section47",
    "ValidatorError",
    "parse_year",
    "validate_file",
    "write_and_validate",
    "write_return",
]
