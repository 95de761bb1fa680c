"""Frameworks: outcomes frameworks as data files, and (to come) the rule engine.

Public API so far:
    check(path) -> Located      read and check a framework file
    shipped() -> {name: path}    the four frameworks that ship
    FrameworkError              every problem as FILE:LINE: field: message

`engine.evidence` compiles a checked framework into Ibis expressions over
the warehouse and the linkage results; `identify.identify` writes the
identification run's four files.
"""

from wholefamily.frameworks.files import FrameworkError, Located, check, shipped

__all__ = ["FrameworkError", "Located", "check", "shipped"]
