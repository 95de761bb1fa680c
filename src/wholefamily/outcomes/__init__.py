"""Outcomes: the progress a family makes from its start, judged by the framework's rules.

`progress.measure` measures every outcome test of a framework for each
family at a date (the start S for the baseline, the claim date C for now);
`progress.judge` decides, need by need, whether the family has met its
outcome. Both read the same framework files and compile through the same
engine as identification (`wholefamily.frameworks.engine`).
"""

from wholefamily.outcomes.progress import (
    FamilyResult,
    NeedOutcome,
    family_met,
    judge,
    measure,
    only,
    result,
)

__all__ = ["FamilyResult", "NeedOutcome", "family_met", "judge", "measure", "only", "result"]
