"""Linkage: records of one person across sources, households and families.

Public API:
    link(workspace, drop_id=None, as_of=None, out=None, retrain=False, progress=None)
        -> LinkReport
    LinkError

Internals: `records` (loaded rows in one shape), `identities` (the
deterministic step), `model` (the Splink model: training and inference),
`mpi` (stable ids), `link` (the run), `evaluate` (against ground truth).
"""

import logging

from wholefamily.linkage.link import LinkError, LinkReport, LinkSettings, link

# Splink reports training progress and warnings through logging; our commands
# show their own progress, so only its errors get through.
logging.getLogger("splink").setLevel(logging.ERROR)

__all__ = ["LinkError", "LinkReport", "LinkSettings", "link"]
