"""`wholefamily synth`: generate a synthetic county's drop and its ground truth.

Output layout, written to a temporary folder beside OUT and renamed into
place only when complete (`wholefamily.atomic`), so an interrupted run leaves
nothing half-written:

    OUT/drop/              the drop: one file per source, plus coverage.csv
    OUT/truth_records.csv  source,row,person_id for every row naming a person
    OUT/truth_households.csv, OUT/truth_people.csv
    OUT/truth_moves.csv    household moves (extra)
    OUT/truth_addresses.csv  source,row,uprn: the address each row was written from (extra)
    OUT/truth_trouble.csv  households' problem windows and improvements (extra)
    OUT/synth.json         the parameters and a summary
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from wholefamily import __version__
from wholefamily.atomic import staged_folder
from wholefamily.sources.schema import SOURCES
from wholefamily.synth import build
from wholefamily.synth import population as P
from wholefamily.synth.noise import rates_for
from wholefamily.synth.population import FORENAMES, County, build_county
from wholefamily.synth.render import Renderer, Table, zfill
from wholefamily.synth.school import census_date, on_roll, school_terms
from wholefamily.synth.timeline import EPOCH_DEFAULT, Timeline, age_at
from wholefamily.synth.writer import FORMATS, CsvAppender, TooManyRowsForXlsx, write_table

FORMAT_CHOICES = (*FORMATS, "mixed")


class SynthError(ValueError):
    """A bad argument or an output that cannot be written: reported in one line."""


@dataclass
class SynthConfig:
    people: int
    seed: int
    as_of: date
    out: Path
    fmt: str = "csv"
    force: bool = False
    epoch: int = EPOCH_DEFAULT
    noise_scale: float = 1.0
    noise_overrides: dict[str, dict[str, float]] | None = None


@dataclass
class SynthSummary:
    people: int
    people_at_as_of: int
    households: int
    families: int
    moved_households: int
    improving_families: int
    rows: dict[str, int] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    noise: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    out: str = ""


def person_id(pid: Any) -> Any:
    return "P" + zfill(pid, 8)


def household_id(hh: Any) -> Any:
    return "H" + zfill(hh, 7)


def _iso(days: Any) -> Any:
    return np.datetime_as_string(
        np.asarray(days, dtype=np.int64).astype("datetime64[D]"), unit="D"
    ).astype(object)


def validate(cfg: SynthConfig) -> None:
    if cfg.people < 1:
        raise SynthError(f"--people must be 1 or more, not {cfg.people}")
    if cfg.people > 20_000_000:
        raise SynthError("--people must be at most 20,000,000")
    if cfg.seed < 0 or cfg.seed >= 2**63:
        raise SynthError("--seed must be a whole number from 0 to 2**63-1")
    if cfg.fmt not in FORMAT_CHOICES:
        raise SynthError(f"--format must be one of {', '.join(FORMAT_CHOICES)}, not {cfg.fmt!r}")
    try:
        Timeline(cfg.epoch, cfg.as_of).check()
    except ValueError as exc:
        raise SynthError(str(exc)) from None
    out = cfg.out
    if out.exists() and not out.is_dir():
        raise SynthError(f"--out {out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not cfg.force:
        raise SynthError(f"--out {out} is not empty; pass --force to replace it")
    parent = out.absolute().parent
    if not parent.is_dir():
        raise SynthError(f"--out {out}: the folder {parent} does not exist")
    try:  # the real test of a writable folder (os.access says yes to root everywhere)
        Path(tempfile.mkdtemp(prefix=f".{out.name}.probe-", dir=parent)).rmdir()
    except OSError as exc:
        raise SynthError(f"--out {out}: cannot write in {parent}: {exc.strerror}") from None


def source_formats(cfg: SynthConfig) -> dict[str, str]:
    names = list(SOURCES)
    if cfg.fmt != "mixed":
        return dict.fromkeys(names, cfg.fmt)
    rng = np.random.default_rng([cfg.seed, 77])
    out: dict[str, str] = {}
    for name in names:
        # The big tables of a large county would not fit a worksheet.
        small = (
            name
            in ("referrals", "housing", "domestic_abuse", "social_care", "asb", "school_exclusions")
            and cfg.people <= 1_000_000
        )
        choices = ["csv", "parquet", "xlsx"] if small else ["csv", "parquet"]
        out[name] = str(rng.choice(choices))
    return out


def _truth_people(c: County, path: Path) -> None:
    p, tl = c.people, c.timeline
    born = np.flatnonzero(p.dob <= tl.cut)
    w = CsvAppender(path, ["person_id", "forename", "surname", "dob", "sex"])
    w.append(
        person_id=person_id(born),
        forename=np.array(FORENAMES, dtype=object)[p.forename[born]],
        surname=np.array(c.surnames, dtype=object)[p.surname[born]],
        dob=_iso(p.dob[born]),
        sex=np.where(p.female[born], "F", "M").astype(object),
    )
    w.close()


def dependent_children(c: County, pid: Any, when: int) -> Any:
    """A dependent child at `when`: 0-15, or 16-18 and on roll at the latest census."""
    age = age_at(c.people.dob[pid], when)
    censuses = [census_date(t) for t in school_terms(c)]
    latest = max((d for d in censuses if (d - date(1970, 1, 1)).days <= when), default=None)
    roll = on_roll(c, pid, latest) if latest else np.zeros(len(pid), dtype=bool)
    return (age >= 0) & ((age <= 15) | ((age <= 18) & roll))


def _truth_households(c: County, path: Path) -> tuple[int, int]:
    p, tl = c.people, c.timeline
    live = np.flatnonzero(p.dob <= tl.asof)
    child = dependent_children(c, live, tl.asof)
    addr = c.addr_of(live, np.full(len(live), tl.asof))
    w = CsvAppender(path, ["household_id", "person_id", "role", "uprn"])
    w.append(
        household_id=household_id(p.hh[live]),
        person_id=person_id(live),
        role=np.where(child, "CHILD", "ADULT").astype(object),
        uprn=c.gaz.uprn[addr].astype(str).astype(object),
    )
    w.close()
    families = len(np.unique(p.hh[live][child]))
    return len(live), families


def _truth_moves(c: County, path: Path) -> int:
    h, tl = c.hh, c.timeline
    moved = np.flatnonzero((h.old_addr >= 0) & (h.move_day <= tl.cut))
    w = CsvAppender(path, ["household_id", "move_date", "from_uprn", "to_uprn"])
    w.append(
        household_id=household_id(moved),
        move_date=_iso(h.move_day[moved]),
        from_uprn=c.gaz.uprn[h.old_addr[moved]].astype(str).astype(object),
        to_uprn=c.gaz.uprn[h.uprn_addr[moved]].astype(str).astype(object),
    )
    w.close()
    return int((h.move_day[moved] >= tl.w0).sum())


def _truth_trouble(c: County, path: Path) -> int:
    h, tl = c.hh, c.timeline
    sel = np.flatnonzero((h.level > 0) & (h.onset <= tl.cut) & (h.until >= tl.w0))
    doms = [
        ";".join(n for bit, n in P.DOMAIN_NAMES.items() if int(m) & bit)
        for m in h.domains[sel].tolist()
    ]
    improved = h.improver[sel] & (h.until[sel] <= tl.cut)
    w = CsvAppender(path, ["household_id", "level", "domains", "onset", "improved_on"])
    w.append(
        household_id=household_id(sel),
        level=h.level[sel].astype(str).astype(object),
        domains=np.array(doms, dtype=object),
        onset=_iso(h.onset[sel]),
        improved_on=np.where(improved, _iso(h.until[sel]), ""),
    )
    w.close()
    fam = np.isin(h.type[sel], P.FAMILY_TYPES)
    window = improved & (h.until[sel] > tl.asof - 365) & (h.until[sel] <= tl.asof)
    return int((fam & window & (h.level[sel] == 2)).sum())


Progress = Callable[[str, int, int], None]


def generate(cfg: SynthConfig, progress: Progress | None = None) -> SynthSummary:
    """Generate the county of `cfg` and write it to `cfg.out`."""
    validate(cfg)
    rates = rates_for(cfg.noise_scale, cfg.noise_overrides)
    timeline = Timeline(cfg.epoch, cfg.as_of)
    formats = source_formats(cfg)
    steps = len(formats) + 2
    tick = progress or (lambda _msg, _done, _total: None)
    tick("drawing the county", 0, steps)
    county = build_county(cfg.people, cfg.seed, timeline)
    renderer = Renderer(county, rates)
    summary = SynthSummary(
        people=county.n_people,
        people_at_as_of=0,
        households=len(county.hh.type),
        families=0,
        moved_households=0,
        improving_families=0,
        formats=formats,
    )
    with staged_folder(cfg.out, names=None) as staged:  # validate() asked for --force
        tmp = staged.path
        drop = tmp / "drop"
        drop.mkdir()
        truth = CsvAppender(tmp / "truth_records.csv", ["source", "row", "person_id"])
        truth_addr = CsvAppender(tmp / "truth_addresses.csv", ["source", "row", "uprn"])
        for k, (name, make) in enumerate(build.plan(renderer), start=1):
            tick(f"writing {name}", k, steps)
            table: Table = make()
            try:
                write_table(table, drop, formats[name])
            except TooManyRowsForXlsx as exc:
                raise SynthError(str(exc)) from None
            summary.rows[name] = table.n_rows
            summary.noise[name] = {kind: list(v) for kind, v in sorted(table.noise.items())}
            if table.pids is not None and table.n_rows:
                truth.append(
                    source=np.full(table.n_rows, name, dtype=object),
                    row=np.arange(1, table.n_rows + 1).astype(str).astype(object),
                    person_id=person_id(table.pids),
                )
            if table.true_uprns is not None and table.n_rows:
                truth_addr.append(
                    source=np.full(table.n_rows, name, dtype=object),
                    row=np.arange(1, table.n_rows + 1).astype(str).astype(object),
                    uprn=table.true_uprns,
                )
            del table
        truth.close()
        truth_addr.close()
        tick("writing the truth files", steps - 1, steps)
        cov = CsvAppender(drop / "coverage.csv", ["source", "coverage_start", "coverage_end"])
        names = [n for n in formats if n != "gazetteer"]
        cov.append(
            source=np.array(names, dtype=object),
            coverage_start=np.full(len(names), timeline.window_start.isoformat(), object),
            coverage_end=np.full(len(names), timeline.extract_date.isoformat(), object),
        )
        cov.close()
        _truth_people(county, tmp / "truth_people.csv")
        summary.people_at_as_of, summary.families = _truth_households(
            county, tmp / "truth_households.csv"
        )
        summary.moved_households = _truth_moves(county, tmp / "truth_moves.csv")
        summary.improving_families = _truth_trouble(county, tmp / "truth_trouble.csv")
        manifest = {
            "generator": f"wholefamily {__version__}",
            "people": cfg.people,
            "seed": cfg.seed,
            "as_of": cfg.as_of.isoformat(),
            "epoch": cfg.epoch,
            "format": cfg.fmt,
            "formats": formats,
            "window_start": timeline.window_start.isoformat(),
            "extract_date": timeline.extract_date.isoformat(),
            "noise_rates": rates,
            "summary": {k: v for k, v in summary.__dict__.items() if k not in ("formats", "out")},
        }
        (tmp / "synth.json").write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        tick("done", steps, steps)
    summary.out = str(cfg.out)
    return summary
