"""Framework files: reading them with line numbers, and checking them.

A framework is a YAML file a programme lead can read and edit (see
`data/tf-2015.yaml` for the shape). `check(path)` returns every problem as
`FILE:LINE: field: message`, so a council's analyst can fix their copy
without a programmer. The rule engine (a later stage of this package) only
ever receives a file that checks clean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from wholefamily.sources.schema import OUT_OF_WORK_BENEFITS, PROVEN_OUTCOMES, SOURCES

DATA = Path(__file__).parent / "data"
NAMED_SETS: dict[str, frozenset[str]] = {
    "PROVEN_OUTCOMES": PROVEN_OUTCOMES,
    "OUT_OF_WORK_BENEFITS": OUT_OF_WORK_BENEFITS,
}
WHO = ("member", "dependent_child", "adult")
KINDS = ("records", "absence")
MEASURES = ("overall_absence", "unauthorised_absence", "attendance")
OPERATORS = ("in", "not_in", "at_least", "at_most", "above", "below", "contains")
COMPARISONS = ("at_least", "at_most", "above", "below")
# window -> the keys it takes (besides `window`)
WINDOWS: dict[str, tuple[str, ...]] = {
    "last_months": ("months", "column"),
    "last_terms": ("terms", "column"),
    "open_at": ("start", "end"),
    "open_or_started": ("months", "start", "end"),
    "overlaps": ("months", "start", "end"),
}
TOP = (
    "framework",
    "title",
    "eligibility",
    "needs",
    "distinct_headlines",
    "outcomes",
    "employment_route",
    "sustain_after_closure_days",
    "needs_found_during_work",
    "payments",
    "notes",
)
NEED_KEYS = ("title", "description", "headline", "any_of")
INDICATOR_KEYS = (
    "indicator",
    "kind",
    "source",
    "who",
    "where",
    "when",
    "count_at_least",
    "age_under",
    "terms",
    "measure",
    *COMPARISONS,
)

# An outcome rule's test: an indicator measured at the start S and at the claim date C.
VERDICTS = ("none", "fewer_by_at_least")
TEST_KEYS = (
    "test",
    *[k for k in INDICATOR_KEYS if k != "indicator"],
    "each_term",
    *VERDICTS,
    "only_if_at_start",
    "or_employed",
)
OUTCOME_KEYS = ("description", "all_of")


class FrameworkError(Exception):
    """A framework file that cannot be used; `problems` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if problems else "invalid framework")
        self.problems = problems


@dataclass
class Located:
    """A parsed YAML file with the line of every value, by its path."""

    path: Path
    data: Any
    lines: dict[tuple[Any, ...], int]

    def line(self, where: tuple[Any, ...]) -> int:
        while where and where not in self.lines:
            where = where[:-1]
        return self.lines.get(where, 1)


def _walk(node: yaml.Node, where: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> Any:
    lines[where] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            out[key] = _walk(value_node, (*where, key), lines)
            lines[(*where, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(n, (*where, i), lines) for i, n in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def read(path: Path) -> Located:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FrameworkError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError([f"{path}: cannot be read ({exc})"]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FrameworkError([f"{path}:{line}: not valid YAML: {problem}"]) from None
    if node is None:
        raise FrameworkError([f"{path}:1: the file is empty"])
    lines: dict[tuple[Any, ...], int] = {}
    return Located(path, _walk(node, (), lines), lines)


def _field(where: tuple[Any, ...]) -> str:
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


class _Checker:
    def __init__(self, doc: Located) -> None:
        self.doc = doc
        self.problems: list[str] = []

    def bad(self, where: tuple[Any, ...], message: str) -> None:
        self.problems.append(f"{self.doc.path}:{self.doc.line(where)}: {_field(where)}: {message}")

    def keys(self, value: dict[str, Any], allowed: tuple[str, ...], where: tuple[Any, ...]) -> None:
        for key in value:
            if key not in allowed:
                self.bad((*where, key), f"unknown field; expected one of {', '.join(allowed)}")

    def mapping(self, value: Any, where: tuple[Any, ...]) -> bool:
        if not isinstance(value, dict):
            self.bad(where, "must be a mapping of fields")
            return False
        return True

    def integer(self, value: Any, where: tuple[Any, ...], low: int = 1) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            self.bad(where, f"must be a whole number of at least {low}, not {value!r}")

    def text(self, value: Any, where: tuple[Any, ...]) -> None:
        if not isinstance(value, str) or not value.strip():
            self.bad(where, "must be some text")

    def check(self) -> None:
        data = self.doc.data
        if not self.mapping(data, ()):
            return
        self.keys(data, TOP, ())
        for key in ("framework", "title", "eligibility", "needs"):
            if key not in data:
                self.bad((), f"the field {key!r} is required")
        name = data.get("framework")
        if name is not None and (
            not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name)
        ):
            self.bad(("framework",), "must be a short name: lower-case letters, digits, - . _")
        if "title" in data:
            self.text(data["title"], ("title",))
        if "sustain_after_closure_days" in data:
            self.integer(data["sustain_after_closure_days"], ("sustain_after_closure_days",))
        for flag in ("distinct_headlines", "employment_route", "needs_found_during_work"):
            if flag in data and not isinstance(data[flag], bool):
                self.bad((flag,), "must be true or false")
        needs = data.get("needs")
        codes: set[str] = set()
        if needs is not None and self.mapping(needs, ("needs",)):
            if not needs:
                self.bad(("needs",), "a framework needs at least one need")
            for code, need in needs.items():
                codes.add(str(code))
                if not re.fullmatch(r"[A-Z][A-Z0-9_]*", str(code)):
                    self.bad(("needs", code), "a need code is upper case, like CRIME_ASB")
                self.need(need, ("needs", code))
        if "eligibility" in data:
            self.eligibility(data["eligibility"], codes)
        if "outcomes" in data:
            self.outcomes(data["outcomes"], codes)

    def outcomes(self, value: Any, codes: set[str]) -> None:
        """`outcomes: {NEED: {description, all_of: [tests]}}`: the progress each need needs."""
        where: tuple[Any, ...] = ("outcomes",)
        if not self.mapping(value, where):
            return
        for code, rule in value.items():
            w = (*where, code)
            if code not in codes:
                self.bad(w, f"{code!r} is not a need of this framework")
            if not self.mapping(rule, w):
                continue
            self.keys(rule, OUTCOME_KEYS, w)
            if "description" not in rule:
                self.bad(w, "the field 'description' is required (the rule in plain words)")
            tests = rule.get("all_of")
            if not isinstance(tests, list) or not tests:
                self.bad((*w, "all_of"), "must list one or more tests")
                continue
            for i, test in enumerate(tests):
                self.indicator(test, (*w, "all_of", i), outcome=True)

    def eligibility(self, value: Any, codes: set[str]) -> None:
        where: tuple[Any, ...] = ("eligibility",)
        if not isinstance(value, list) or not value:
            self.bad(where, "must be a list of one or more ways to be eligible")
            return
        for i, alt in enumerate(value):
            w = (*where, i)
            if not self.mapping(alt, w):
                continue
            self.keys(alt, ("at_least", "of", "and"), w)
            if "at_least" not in alt:
                self.bad(w, "the field 'at_least' is required")
            else:
                self.integer(alt["at_least"], (*w, "at_least"))
            for key in ("of", "and"):
                if key in alt:
                    if not isinstance(alt[key], list) or not alt[key]:
                        self.bad((*w, key), "must be a list of need codes")
                        continue
                    for j, code in enumerate(alt[key]):
                        if code not in codes:
                            self.bad((*w, key, j), f"{code!r} is not a need of this framework")
            pool = alt.get("of") if isinstance(alt.get("of"), list) else sorted(codes)
            k = alt.get("at_least")
            if isinstance(k, int) and not isinstance(k, bool) and k > len(pool):
                self.bad(
                    (*w, "at_least"), f"{k} needs asked for, but only {len(pool)} to choose from"
                )

    def need(self, need: Any, where: tuple[Any, ...]) -> None:
        if not self.mapping(need, where):
            return
        self.keys(need, NEED_KEYS, where)
        if "description" not in need:
            self.bad(where, "the field 'description' is required (the rule in plain words)")
        else:
            self.text(need["description"], (*where, "description"))
        if "title" in need:  # optional: the need's name on pages (else the code in words)
            self.text(need["title"], (*where, "title"))
        indicators = need.get("any_of")
        if not isinstance(indicators, list) or not indicators:
            self.bad((*where, "any_of"), "must list one or more indicators")
            return
        for i, ind in enumerate(indicators):
            self.indicator(ind, (*where, "any_of", i))

    def indicator(self, ind: Any, where: tuple[Any, ...], outcome: bool = False) -> None:
        if not self.mapping(ind, where):
            return
        name = "test" if outcome else "indicator"
        self.keys(ind, TEST_KEYS if outcome else INDICATOR_KEYS, where)
        if name not in ind:
            self.bad(where, f"the field {name!r} (its name) is required")
        if outcome:
            self.verdict(ind, where)
        kind = ind.get("kind", "records")
        if kind not in KINDS:
            self.bad((*where, "kind"), f"must be one of {', '.join(KINDS)}")
            return
        who = ind.get("who")
        if who not in WHO:
            self.bad((*where, "who"), f"must be one of {', '.join(WHO)}, not {who!r}")
        if "age_under" in ind:
            self.age_under(ind["age_under"], (*where, "age_under"), ind.get("source"))
        if kind == "absence":
            self.absence(ind, where)
        else:
            self.records(ind, where)

    def verdict(self, test: dict[str, Any], where: tuple[Any, ...]) -> None:
        given = [k for k in VERDICTS if k in test]
        if len(given) != 1:
            self.bad(where, f"give exactly one verdict: {', '.join(VERDICTS)}")
        elif given[0] == "none" and test["none"] is not True:
            self.bad((*where, "none"), "must be true (no such row at the claim date)")
        elif given[0] == "fewer_by_at_least":
            v = test["fewer_by_at_least"]
            if not isinstance(v, int | float) or isinstance(v, bool) or not 0 < v <= 1:
                self.bad((*where, given[0]), "a reduction is a number above 0, up to 1 (0.33)")
        for flag in ("only_if_at_start", "or_employed"):
            if flag in test and not isinstance(test[flag], bool):
                self.bad((*where, flag), "must be true or false")
        if "each_term" in test and (
            test.get("kind") != "absence" or not isinstance(test["each_term"], bool)
        ):
            self.bad((*where, "each_term"), "true or false, on an absence test only")

    def age_under(self, value: Any, where: tuple[Any, ...], source: Any) -> None:
        if not self.mapping(value, where):
            return
        # `at`, not `on`: YAML reads a bare `on` as true.
        self.keys(value, ("years", "at"), where)
        self.integer(value.get("years"), (*where, "years"))
        at = value.get("at", "as_of")
        dates = SOURCES[source].dates if source in SOURCES else frozenset()
        if at != "as_of" and (at not in dates or at == "dob"):
            self.bad((*where, "at"), "must be as_of or an event date column of the source")

    def absence(self, ind: dict[str, Any], where: tuple[Any, ...]) -> None:
        for key in ("source", "where", "when", "count_at_least"):
            if key in ind:
                self.bad((*where, key), "an absence indicator reads school_attendance itself")
        if ind.get("who") != "dependent_child":
            self.bad((*where, "who"), "absence is measured for a dependent_child")
        self.integer(ind.get("terms"), (*where, "terms"))
        if ind.get("measure") not in MEASURES:
            self.bad((*where, "measure"), f"must be one of {', '.join(MEASURES)}")
        given = [k for k in COMPARISONS if k in ind]
        if len(given) != 1:
            self.bad(where, f"give exactly one threshold: {', '.join(COMPARISONS)}")
            return
        value = ind[given[0]]
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
            self.bad((*where, given[0]), "a rate is a number from 0 to 1 (0.10 for 10%)")

    def records(self, ind: dict[str, Any], where: tuple[Any, ...]) -> None:
        source = ind.get("source")
        if source not in SOURCES or not SOURCES[source].names_people:
            self.bad((*where, "source"), f"{source!r} is not a source whose rows name people")
            return
        for key in ("terms", "measure", *COMPARISONS):
            if key in ind:
                self.bad((*where, key), "only an absence indicator takes this field")
        if "count_at_least" in ind:
            self.integer(ind["count_at_least"], (*where, "count_at_least"))
        spec = SOURCES[source]
        conditions = ind.get("where", {})
        if self.mapping(conditions, (*where, "where")):
            for column, cond in conditions.items():
                self.condition(spec.name, column, cond, (*where, "where", column))
        if "when" not in ind:
            self.bad(where, "the field 'when' (its window) is required")
        else:
            self.window(spec.name, ind["when"], (*where, "when"))

    def condition(self, source: str, column: str, cond: Any, where: tuple[Any, ...]) -> None:
        spec = SOURCES[source]
        if column not in spec.columns:
            self.bad(where, f"{source} has no column {column!r}")
            return
        allowed = spec.codes.get(column)
        if not isinstance(cond, dict):
            cond = {"in": [cond]}
        if len(cond) != 1 or next(iter(cond)) not in OPERATORS:
            self.bad(where, f"a condition is a value or one of {', '.join(OPERATORS)}")
            return
        op, value = next(iter(cond.items()))
        if op in ("in", "not_in"):
            values = NAMED_SETS.get(value) if isinstance(value, str) else value
            if not isinstance(values, list | frozenset) or not values:
                self.bad(
                    (*where, op), f"must be a list of values or one of {', '.join(NAMED_SETS)}"
                )
                return
            for v in values:
                if allowed is not None and str(v) not in allowed:
                    self.bad((*where, op), f"{v!r} is not a code of {column}")
        elif op == "contains":
            if column != "needs":
                self.bad((*where, op), "contains applies to the referrals' needs list")
        elif not isinstance(value, int | float) or isinstance(value, bool):
            self.bad((*where, op), "must be a number")

    def window(self, source: str, when: Any, where: tuple[Any, ...]) -> None:
        if not self.mapping(when, where):
            return
        kind = when.get("window")
        if kind not in WINDOWS:
            self.bad((*where, "window"), f"must be one of {', '.join(WINDOWS)}")
            return
        needed = WINDOWS[kind]
        self.keys(when, ("window", *needed), where)
        dates = SOURCES[source].dates
        for key in needed:
            if key not in when:
                self.bad(where, f"a {kind} window needs {key!r}")
            elif key in ("months", "terms"):
                self.integer(when[key], (*where, key))
            elif when[key] not in dates or when[key] == "dob":
                self.bad((*where, key), f"{when[key]!r} is not an event date column of {source}")


def check(path: Path) -> Located:
    """Read and check a framework file; FrameworkError lists every problem."""
    doc = read(path)
    checker = _Checker(doc)
    checker.check()
    if checker.problems:
        raise FrameworkError(checker.problems)
    return doc


def shipped() -> dict[str, Path]:
    """The frameworks that ship with wholefamily, by name."""
    return {p.stem: p for p in sorted(DATA.glob("*.yaml"))}
