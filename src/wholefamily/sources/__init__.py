"""The input contract: the partner-agency sources, their columns and codes.

This is the first stage of the flow. Everything that reads or writes a drop
(the generator, the loader) takes the source definitions from here.
"""

from wholefamily.sources.calendar import (
    Term,
    academic_year_label,
    academic_year_start,
    easter_sunday,
    term_bounds,
    term_of,
    terms_between,
)
from wholefamily.sources.schema import (
    PERSON_COLUMNS,
    SOURCES,
    Source,
    source_names,
)

__all__ = [
    "PERSON_COLUMNS",
    "SOURCES",
    "Source",
    "Term",
    "academic_year_label",
    "academic_year_start",
    "easter_sunday",
    "source_names",
    "term_bounds",
    "term_of",
    "terms_between",
]
