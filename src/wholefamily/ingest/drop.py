"""A drop folder before anything is read: its id, and its files sorted into the source
files to load, the problems to report (a symbolic link, pipe or device refused
unopened; a file the spec does not name; a source sent twice; bytes not of their
extension's format) and its coverage.csv. Files are known by their SHA-256."""

from __future__ import annotations

import hashlib
import re
import stat
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from wholefamily.ingest.read import (
    FORMATS,
    wrong_format,
)
from wholefamily.sources.schema import SOURCES

COVERAGE_FILE = "coverage.csv"


DROP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class LoadError(Exception):
    """The drop as a whole cannot be loaded (not a folder, warehouse busy...)."""


@dataclass
class FileResult:
    file_name: str
    source: str | None
    status: str
    """loaded, needs_attention (loaded, but the file is damaged: see message), rejected,
    unchanged, already_loaded, unknown, duplicate_source, coverage"""
    message: str = ""
    file_id: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    coverage_start: date | None = None
    coverage_end: date | None = None
    coverage_from: str | None = None


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def default_drop_id(drop: Path) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", drop.resolve().name)
    name = re.sub(r"^[^A-Za-z0-9]+", "", name).rstrip("-")[:64]
    return name or "drop"


def check_drop_id(drop_id: str) -> None:
    """A drop id names a folder of the workspace: a plain name, never `.`, `..` or a path."""
    if not DROP_ID.fullmatch(drop_id):
        raise LoadError(
            f"drop id {drop_id!r}: use 1 to 64 letters, digits, '.', '_' or '-',"
            " starting with a letter or digit"
        )


def classify(drop: Path) -> tuple[dict[str, tuple[Path, str]], list[FileResult], Path | None]:
    """Source files by source name, problems, and coverage.csv.

    Problems: anything not a regular file (a symbolic link, a pipe: refused
    unread), files the spec does not name, a source sent twice, and a file
    whose bytes are not of its extension's format.
    """
    by_source: dict[str, list[tuple[Path, str]]] = {}
    problems: list[FileResult] = []
    coverage: Path | None = None
    for path in sorted(drop.iterdir()):
        if path.name.startswith("."):
            continue
        refused = _not_regular(path)
        if refused:
            stem = path.stem.lower()
            status = "unknown" if refused.startswith("a folder") else "rejected"
            problems.append(
                FileResult(path.name, stem if stem in SOURCES else None, status, refused)
            )
            continue
        if path.name.lower() == COVERAGE_FILE:
            coverage = path
            continue
        stem, ext = path.stem.lower(), path.suffix.lower()
        if stem in SOURCES and ext in FORMATS:
            by_source.setdefault(stem, []).append((path, FORMATS[ext]))
        elif stem in SOURCES:
            problems.append(
                FileResult(
                    path.name,
                    stem,
                    "unknown",
                    f"unsupported format {ext or '(none)'}: send CSV, XLSX or Parquet",
                )
            )
        else:
            problems.append(
                FileResult(path.name, None, "unknown", "not a source named in the spec; not loaded")
            )
    chosen: dict[str, tuple[Path, str]] = {}
    for source, found in by_source.items():
        if len(found) > 1:
            names = ", ".join(p.name for p, _ in found)
            for p, _ in found:
                problems.append(
                    FileResult(
                        p.name,
                        source,
                        "duplicate_source",
                        f"{source} arrived as more than one file ({names}); none loaded",
                    )
                )
        else:
            path, fmt = found[0]
            try:
                wrong = wrong_format(path, fmt)
            except OSError as exc:
                wrong = f"cannot read the file: {exc.strerror or exc}"
            if wrong:
                problems.append(FileResult(path.name, source, "rejected", wrong))
            else:
                chosen[source] = found[0]
    order = ["gazetteer", *(s for s in SOURCES if s != "gazetteer")]
    return {s: chosen[s] for s in order if s in chosen}, problems, coverage


def _not_regular(path: Path) -> str:
    """Why `path` is not read ('' for a regular file); the link itself, never its target."""
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        return f"cannot be examined ({exc.strerror or exc}); not read"
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISLNK(mode):
        return "a symbolic link, not a regular file in the drop folder; refused, not read"
    if stat.S_ISDIR(mode):
        return "a folder, not a file; not read"
    return "not a regular file (a device, pipe or socket); refused, not read"
