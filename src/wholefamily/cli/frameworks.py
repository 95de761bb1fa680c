"""Outcomes frameworks and identification: `frameworks list|validate`, `identify`, `run`
(the whole chain), `explain`, `compare`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from wholefamily.cli.common import (
    DEFAULT_WORKSPACE,
    EngineOption,
    T,
    WorkspaceOption,
    app,
    console,
    engine_of,
    fail,
    out,
    parse_date,
)
from wholefamily.cli.ingest import run_load
from wholefamily.cli.linkage import run_link
from wholefamily.cli.web import run_sync

frameworks_app = typer.Typer(
    help="Outcomes frameworks: the rules, as files a council can read and edit.",
    no_args_is_help=True,
)


app.add_typer(frameworks_app, name="frameworks")


@frameworks_app.command("list")
def frameworks_list() -> None:
    """The frameworks that ship with wholefamily."""
    from wholefamily.frameworks.files import check, shipped

    t = Table(title="Frameworks shipped")
    for col in ("name", "title", "needs", "file"):
        t.add_column(col)
    for name, path in shipped().items():
        doc = check(path).data
        t.add_row(name, doc["title"], ", ".join(doc["needs"]), str(path))
    out.print(t)
    out.print("Copy one into your workspace to make a local variant; check it with validate.")


@frameworks_app.command("validate")
def frameworks_validate(
    file: Annotated[Path, typer.Argument(help="A framework file (YAML), or a shipped name.")],
) -> None:
    """Check a framework file; every problem is listed with its line and field."""
    from wholefamily.frameworks.files import FrameworkError, check, shipped

    path = shipped().get(str(file), file) if not file.exists() else file
    try:
        doc = check(path)
    except FrameworkError as exc:
        for problem in exc.problems:
            console.print(
                f"wholefamily: error: {problem}", markup=False, highlight=False, soft_wrap=True
            )
        sys.exit(2)
    needs = doc.data["needs"]
    n = sum(len(need["any_of"]) for need in needs.values())
    out.print(f"{path}: {doc.data['framework']} is valid: {len(needs)} needs, {n} indicators.")


@app.command()
def identify(
    as_of: Annotated[str, typer.Option("--as-of", help="The evaluation date T, YYYY-MM-DD.")],
    framework: Annotated[
        str, typer.Option("--framework", help="A shipped framework name or a YAML file.")
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the four CSV files.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    engine: EngineOption = None,
) -> None:
    """Identify eligible families under a framework, with the evidence for every need."""
    from wholefamily.atomic import FolderError
    from wholefamily.frameworks.identify import identify as run_identify

    day = parse_date(as_of, "--as-of")
    chosen = engine_of(engine)
    try:
        s = frameworks_call(run_identify, workspace, framework, day, out_dir, None, chosen)
    except FolderError as exc:  # it names the folder
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {out_dir}: {exc.strerror or exc}")
    t = Table(
        title=f"{s.framework} as of {s.as_of}: {s.eligible:,} of {s.families:,} families eligible"
    )
    t.add_column("needs met")
    t.add_column("families", justify="right")
    for k in sorted(s.by_count):
        t.add_row(str(k), f"{s.by_count[k]:,}")
    out.print(t)
    if s.eligible:
        out.print(
            "Eligible families by need: "
            + ", ".join(f"{n} {c:,}" for n, c in sorted(s.by_need.items(), key=lambda x: -x[1]))
        )
        out.print(
            "Eligible families by district: "
            + ", ".join(f"{d} {c:,}" for d, c in sorted(s.by_district.items()))
        )
    out.print(
        f"Written: {s.out}/person_records.csv, people.csv, families.csv, family_needs.csv, "
        "family_profile.csv"
    )


def frameworks_call(fn: Callable[..., T], *args: Any) -> T:
    """Run a frameworks function; its errors, and a warehouse another process holds,
    become one line and exit status 2."""
    from wholefamily import warehouse as W
    from wholefamily.frameworks.engine import EngineError
    from wholefamily.frameworks.files import FrameworkError

    try:
        return fn(*args)
    except FrameworkError as exc:
        fail(exc.problems[0])
    except (EngineError, W.WarehouseError) as exc:
        fail(str(exc))


def _check_framework(framework: str) -> None:
    from wholefamily.frameworks.files import FrameworkError, check
    from wholefamily.frameworks.identify import framework_file

    try:
        check(framework_file(framework))
    except FrameworkError as exc:
        fail(exc.problems[0])


@app.command("run")
def run_command(
    as_of: Annotated[str, typer.Option("--as-of", help="The evaluation date T, YYYY-MM-DD.")],
    framework: Annotated[
        str, typer.Option("--framework", help="A shipped framework name or a YAML file.")
    ],
    drop: Annotated[
        Path | None, typer.Argument(help="The drop folder: one file per source.")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder for the four CSV files.")
    ] = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    no_sync: Annotated[
        bool,
        typer.Option("--no-sync", help="Stop after identifying: leave the case database alone."),
    ] = False,
    engine: EngineOption = None,
    council: Annotated[
        list[str] | None,
        typer.Option(
            "--council",
            help="LA=DROP: a council's three-digit DfE code and its drop folder; once per "
            "council, instead of DROP. One linkage over them all; outputs per council.",
        ),
    ] = None,
) -> None:
    """Load, link, identify and bring the families into the case database (the whole chain
    for one drop, or with --council for several councils' drops linked together)."""
    from wholefamily.ingest.drop import default_drop_id

    chosen = engine_of(engine)  # the load is DuckDB's on either engine (docs/spark.md)
    parse_date(as_of, "--as-of")
    if council:
        if drop is not None:
            fail("give the drop folder or --council LA=DROP (once per council), not both")
        councils = parse_councils(council)
        _check_framework(framework)
        run_councils(councils, as_of, framework, out_dir, workspace, no_sync, chosen)
        return
    if drop is None:
        fail("give the drop folder (or --council LA=DROP, once per council)")
    _check_framework(framework)  # before any work: a typo should not cost a load
    drop_id = default_drop_id(drop)
    run_load(drop, workspace, drop_id)
    run_link(workspace, drop_id, as_of, None, False, engine=chosen)
    name = Path(framework).stem
    folder = out_dir or workspace / "runs" / f"{drop_id}-{name}"
    identify(as_of, framework, folder, workspace, chosen)
    if not no_sync:
        run_sync(folder, workspace)


def parse_councils(given: list[str]) -> list[tuple[str, Path]]:
    """(LA code, drop folder) of each --council LA=DROP; one line and exit 2 for a bad
    code, a code or folder given twice, a missing folder or the same file in two drops."""
    from wholefamily.ingest.drop import classify, sha256
    from wholefamily.sources.lacode import LaCodeError, check_la_code

    councils: list[tuple[str, Path]] = []
    for item in given:
        code, sep, folder = item.partition("=")
        if not sep or not folder:
            fail(f"--council {item!r}: give LA=DROP, such as --council 838=drops/dorset")
        try:
            check_la_code(code.strip())
        except LaCodeError as exc:
            fail(f"--council {item!r}: {exc}")
        code, path = code.strip(), Path(folder)
        if any(c == code for c, _ in councils):
            fail(f"--council: council {code} is given twice; give each council once")
        if not path.is_dir():
            what = "does not exist" if not path.exists() else "is not a folder"
            fail(f"--council {item!r}: the drop folder {path} {what}")
        if any(p.resolve() == path.resolve() for _, p in councils):
            fail(f"--council: the drop folder {path} is given for two councils")
        councils.append((code, path))
    seen: dict[str, tuple[str, str]] = {}
    for code, path in councils:
        chosen, _, _ = classify(path)
        for source, (file, _fmt) in chosen.items():
            try:
                digest = sha256(file)
            except OSError as exc:
                fail(f"cannot read {file}: {exc.strerror or exc}")
            if digest in seen and seen[digest][0] != code:
                other, name = seen[digest]
                fail(
                    f"--council: {file} of council {code} is the same file as {name} of "
                    f"council {other}; each council sends its own {source}"
                )
            seen[digest] = (code, str(file))
    return councils


def run_councils(
    councils: list[tuple[str, Path]],
    as_of: str,
    framework: str,
    out_dir: Path | None,
    workspace: Path,
    no_sync: bool,
    engine: str = "duckdb",
) -> None:
    """`run --council`: each drop loaded under its council, one linkage over them all,
    then each council's outputs in OUT/<la>/ and the summary OUT/councils.csv; the load
    on DuckDB, the linkage and identification on `engine`."""
    from wholefamily.atomic import FolderError
    from wholefamily.frameworks.councils import SUMMARY_FILE, check_out, identify_councils
    from wholefamily.ingest.drop import default_drop_id

    tagged = [(code, f"{code}-{default_drop_id(path)}"[:64], path) for code, path in councils]
    name = Path(framework).stem
    folder = out_dir or workspace / "runs" / ("+".join(c for c, _, _ in tagged) + f"-{name}")
    pairs = [(c, d) for c, d, _ in tagged]
    try:
        check_out(folder, pairs)  # before the work
    except FolderError as exc:
        fail(str(exc))
    for code, drop_id, path in tagged:
        run_load(path, workspace, drop_id, code)
    run_link(workspace, None, as_of, None, False, engine=engine, councils=[*pairs])
    day = parse_date(as_of, "--as-of")
    try:
        summaries = frameworks_call(
            identify_councils, workspace, framework, day, folder, pairs, engine
        )
    except FolderError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {folder}: {exc.strerror or exc}")
    t = Table(title=f"{name} as of {day}, {len(summaries)} councils linked together")
    for col in ("council", "people", "families", "eligible", "people linked across councils"):
        t.add_column(col, justify="left" if col == "council" else "right")
    for s in summaries:
        t.add_row(
            s.la_code, f"{s.people:,}", f"{s.families:,}", f"{s.eligible:,}", f"{s.linked_across:,}"
        )
    out.print(t)
    out.print(
        f"Written: {folder}/<la>/person_records.csv, people.csv, families.csv, "
        f"family_needs.csv, family_profile.csv for each council, and {folder}/{SUMMARY_FILE}"
    )
    if not no_sync:
        out.print(
            "The case database is not synced by a several-council run: sync one council's "
            f"folder with `wholefamily web sync {folder}/<la>`."
        )


@app.command()
def explain(
    family_id: Annotated[str, typer.Argument(help="A family_id from families.csv.")],
    as_of: Annotated[str, typer.Option("--as-of", help="The evaluation date T, YYYY-MM-DD.")],
    framework: Annotated[str, typer.Option("--framework", help="Framework name or file.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Each need of a family, with the records behind it, in plain English."""
    from wholefamily.frameworks.explain import explain_family

    day = parse_date(as_of, "--as-of")
    e = frameworks_call(explain_family, workspace, family_id, framework, day)
    verdict = "eligible" if e.eligible else "not eligible"
    out.print(
        f"Family {e.family_id} at UPRN {e.uprn or 'unknown'}, as of {e.as_of}, under "
        f"{e.framework}: {len(e.lines)} need(s), {verdict}."
    )
    out.print("Members: " + "; ".join(e.members))
    if not e.lines:
        out.print("No need of this framework is shown by the data at this date.")
    for need, lines in e.lines.items():
        out.print(f"{need}:")
        for line in lines:
            out.print(f"  {line}")


@app.command()
def compare(
    as_of: Annotated[str, typer.Option("--as-of", help="The evaluation date T, YYYY-MM-DD.")],
    frameworks: Annotated[
        list[str], typer.Option("--framework", help="Give it twice: the two frameworks.")
    ],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """What-if: the families two frameworks identify, their overlap and differences."""
    from wholefamily.frameworks.explain import compare as run_compare

    day = parse_date(as_of, "--as-of")
    if len(frameworks) != 2:
        fail("give --framework exactly twice: the two frameworks to compare")
    c = frameworks_call(run_compare, workspace, frameworks[0], frameworks[1], day)
    out.print(
        f"As of {c.as_of}, of {c.families:,} families: {c.a} identifies {c.eligible_a:,}, "
        f"{c.b} identifies {c.eligible_b:,}; {c.both:,} by both, "
        f"{c.eligible_a - c.both:,} only by {c.a}, {c.eligible_b - c.both:,} only by {c.b}."
    )
    t = Table(title="Eligible families by district")
    for col in ("district", c.a, c.b):
        t.add_column(col, justify="left" if col == "district" else "right")
    for d, (x, y) in c.by_district.items():
        t.add_row(d, f"{x:,}", f"{y:,}")
    out.print(t)
    for name, by_need in ((c.a, c.by_need_a), (c.b, c.by_need_b)):
        listed = ", ".join(f"{n} {k:,}" for n, k in sorted(by_need.items(), key=lambda x: -x[1]))
        out.print(f"{name}, eligible families by need: {listed or 'none'}")
