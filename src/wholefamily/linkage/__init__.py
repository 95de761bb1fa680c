"""Linkage: records of one person across sources, households and families.

Public API:
    link(workspace, drop_id=None, as_of=None, out=None, retrain=False, progress=None)
        -> LinkReport
    LinkError

Internals: `records` (loaded rows in one shape), `identities` (the
deterministic step), `model` (the Splink model: training and inference),
`mpi` (stable ids), `link` (the run), `evaluate` (against ground truth).
"""

from wholefamily.linkage.link import LinkError, LinkReport, link

__all__ = ["LinkError", "LinkReport", "link"]
