"""Which engine runs the data plane: the embedded DuckDB warehouse, or Apache Spark.

`--engine` on a command wins over `WHOLEFAMILY_ENGINE`; without either the engine is
DuckDB. Spark needs two things DuckDB does not, PySpark (the `spark` extra) and a Java
runtime, and each missing one is named with how to install it before any work starts.

Spark runs in local mode (`local[2]`: the two cores of one machine) unless
`SPARK_MASTER` names a cluster's master (`spark://host:7077`, `yarn`, `k8s://...`);
under `spark-submit` its master, memory and logging are used as they are. Otherwise
the driver takes `SPARK_DRIVER_MEMORY` (by default half the machine's memory, from 2g
to 16g: in local mode the driver is the whole of Spark) and Spark's own logging is kept
to errors.
What runs on Spark today is in docs/spark.md.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENGINES = ("duckdb", "spark")
DEFAULT_ENGINE = "duckdb"
ENV_VAR = "WHOLEFAMILY_ENGINE"
MASTER_ENV = "SPARK_MASTER"
DRIVER_MEMORY_ENV = "SPARK_DRIVER_MEMORY"
LOCAL_MASTER = "local[2]"
MIN_DRIVER_GIB, MAX_DRIVER_GIB = 2, 16
INSTALL_JAVA = "apt-get install openjdk-17-jre-headless"
INSTALL_PYSPARK = "pip install 'wholefamily[spark]'"
LOG_CONFIG = Path(__file__).with_name("spark-log4j2.properties")


class EngineChoiceError(Exception):
    """An engine that does not exist, or cannot run on this machine."""


def choose(option: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The engine named by the option, else by WHOLEFAMILY_ENGINE, else DuckDB."""
    env = os.environ if environ is None else environ
    named = option if option is not None else env.get(ENV_VAR) or DEFAULT_ENGINE
    engine = named.strip().lower()
    if engine not in ENGINES:
        where = "--engine" if option is not None else ENV_VAR
        raise EngineChoiceError(f"{where} must be duckdb or spark, not {named!r}")
    return engine


def java() -> str | None:
    """The `java` Spark would start: JAVA_HOME's when it is set, else the PATH's."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        return str(candidate) if os.access(candidate, os.X_OK) else None
    return shutil.which("java")


def require(engine: str, asked: str = "--engine spark") -> None:
    """Refuse Spark on a machine that cannot start it (Java or PySpark missing); `asked`
    is how the user chose it, for the message."""
    if engine != "spark":
        return
    if java() is None:
        where = "in JAVA_HOME" if os.environ.get("JAVA_HOME") else "on the PATH"
        raise EngineChoiceError(
            f"{asked} needs Java 17, and there is no java {where}: "
            f"{INSTALL_JAVA} (or `make setup-spark`)"
        )
    if importlib.util.find_spec("pyspark") is None:
        raise EngineChoiceError(
            f"{asked} needs PySpark, which is not installed: {INSTALL_PYSPARK} "
            "(or `make setup-spark`)"
        )


def driver_memory(environ: Mapping[str, str] | None = None) -> str:
    """The driver's memory: `SPARK_DRIVER_MEMORY` when it is set, else half of this
    machine's memory in whole GiB, at least 2g and at most 16g. In local mode the driver
    runs every task, so Spark's own default (1g) fails on a county of 200,000 people."""
    env = os.environ if environ is None else environ
    given = (env.get(DRIVER_MEMORY_ENV) or "").strip()
    if given:
        return given
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # no sysconf: the smallest
        return f"{MIN_DRIVER_GIB}g"
    half = total // 2 // 2**30
    return f"{max(MIN_DRIVER_GIB, min(MAX_DRIVER_GIB, half))}g"


def similarity_jar() -> str | None:
    """The jar of Splink's similarity functions for this Spark (Splink ships one per
    Spark major version), or None when Splink has none for it."""
    try:
        from splink.backends.spark import similarity_jar_location

        path = similarity_jar_location()
    except Exception:  # an unsupported Spark version: Splink says so when it is used
        return None
    return path if os.path.isfile(path) else None


def spark_session() -> Any:
    """The Spark session: the one spark-submit (or a test) started, else a new one."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("wholefamily")
    # Under spark-submit (it started the JVM and says so in these variables) the
    # master, memory, logging and UI are spark-submit's; otherwise ours.
    submitted = bool(os.environ.get("PYSPARK_GATEWAY_PORT"))
    master = os.environ.get(MASTER_ENV) or LOCAL_MASTER
    if not submitted:
        quiet = f"-Dlog4j2.configurationFile=file:{LOG_CONFIG}"
        builder = (
            builder.master(master)
            .config("spark.driver.memory", driver_memory())
            .config("spark.driver.extraJavaOptions", quiet)
            .config("spark.executor.extraJavaOptions", quiet)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            # Spark's own catalog folder (never used: the warehouse is the workspace's
            # Parquet copy) out of the user's current folder.
            .config(
                "spark.sql.warehouse.dir", str(Path(tempfile.gettempdir()) / "wholefamily-spark")
            )
        )
        jar = similarity_jar()
        if jar:  # Splink's similarity functions (Jaro-Winkler) for `link --engine spark`
            builder = builder.config("spark.jars", jar)
    builder = (
        builder
        # The warehouse's names and times as DuckDB has them: case matters in column
        # names, and times are read and shown in UTC whatever the machine's zone.
        .config("spark.sql.caseSensitive", "true")
        .config("spark.sql.session.timeZone", "UTC")
        # Results come back to Python through Arrow, not row by row.
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    # One machine's cores: a few partitions per shuffle rather than Spark's 200 (a
    # cluster keeps its own setting).
    partitions = os.environ.get("SPARK_SHUFFLE_PARTITIONS") or (
        "8" if master.startswith("local") and not submitted else None
    )
    if partitions:
        builder = builder.config("spark.sql.shuffle.partitions", partitions)
    session = builder.getOrCreate()
    if not submitted:
        session.sparkContext.setLogLevel("ERROR")
    return session
