"""The Spark suites' gate: skip a module when PySpark or Java is missing, unless
WHOLEFAMILY_REQUIRE_SPARK=1 (set by .ci/run after `make setup-spark`), where a missing
one is a failure."""

from __future__ import annotations

import importlib.util
import os

import pytest

from wholefamily.engine import java


def spark_or_skip() -> None:
    """Call at a Spark test module's top level."""
    missing = (
        "PySpark is not installed (make setup-spark)"
        if importlib.util.find_spec("pyspark") is None
        else "no Java for Spark (make setup-spark)"
        if java() is None
        else None
    )
    if missing and os.environ.get("WHOLEFAMILY_REQUIRE_SPARK", "") == "1":
        pytest.fail(f"WHOLEFAMILY_REQUIRE_SPARK=1 but {missing}", pytrace=False)
    if missing:
        pytest.skip(missing, allow_module_level=True)
