"""Ingest: partner-agency drops into the warehouse, validated, with nothing lost.

Public API:
    load_drop(drop, workspace, drop_id=None, progress=None) -> LoadReport
    quality(workspace, drop_id=None) -> QualityReport
    LoadError, QualityError

Internals: `drop` (a drop's id and its files sorted before anything is read),
`read` and `xlsx` (files to Arrow text), `normalise` and `rules` (Ibis
expressions), `address` (UPRN resolution), `load` (the unit of work),
`quality` (the report).
"""

from wholefamily.ingest.drop import FileResult, LoadError
from wholefamily.ingest.load import LoadReport, load_drop
from wholefamily.ingest.quality import QualityError, QualityReport, quality

__all__ = [
    "FileResult",
    "LoadError",
    "LoadReport",
    "QualityError",
    "QualityReport",
    "load_drop",
    "quality",
]
