# Two commands do everything: `make demo` and `make test`.
# Each one sets up the virtual environment on a fresh machine first.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The DfE's Children in Need census rules (csc-validator-be-cin) need pandas 1.5 and
# numpy < 2, so they get a virtual environment of their own (docs/cin-census.md).
CIN_VENV := .venv-cin
CIN_STAMP := $(CIN_VENV)/.installed

.PHONY: demo test lint setup setup-cin setup-spark clean bench

setup: $(STAMP) $(CIN_STAMP)

setup-cin: $(CIN_STAMP)

$(CIN_STAMP): requirements-cin.txt
	@test -x $(CIN_VENV)/bin/python || $(PYTHON) -m venv $(CIN_VENV)
	$(CIN_VENV)/bin/python -m pip install --quiet -r requirements-cin.txt
	@touch $(CIN_STAMP)

# The data plane on Apache Spark (docs/spark.md), an extra the default set-up leaves out:
# Debian's OpenJDK (only when no `java` is on the PATH) and PySpark into the same .venv.
SPARK_STAMP := $(VENV)/.installed-spark

setup-spark: $(SPARK_STAMP)

$(SPARK_STAMP): $(STAMP) pyproject.toml
	@command -v java >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends openjdk-17-jre-headless || { apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		openjdk-17-jre-headless; }; }
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	@touch $(SPARK_STAMP)

$(STAMP): pyproject.toml package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# GOV.UK Frontend (and axe-core for the browser tests) from the npm registry.
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python -m wholefamily.web.frontend .
	@touch $(STAMP)

demo: setup
	$(BIN)/wholefamily demo

# The heavy suites (processes killed mid-write, fuzzing, the whole demo, every page
# read for words), the browser suites and the Spark suite are left to .ci/run, which
# runs them after this; `pytest` on its own runs everything.
# On two worker processes (the machine's and CI's two cores); each test module stays on
# one worker (its module fixtures are built once). TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= 2
test: setup
	$(BIN)/python -m pytest -m "not heavy and not browser and not spark" \
	    -n $(TEST_WORKERS) --dist loadscope

lint: setup
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

# Every benchmark that needs no PostgreSQL database, each printing its ratio to its
# limit or to its peer (figures, machine and date in docs/benchmarks.md). One county of
# BENCH_PEOPLE people is generated once and reused; at 200,000 people, by its parts'
# figures, about 45 minutes on the shared 2-core machine. BENCH_PEOPLE=1000000 for the
# targets' own size (bench link then runs once, not three times). bench-web and
# bench-reports below need PostgreSQL (BENCH_DATABASE_URL); bench-engines needs Spark.
BENCH_PEOPLE ?= 200000
BENCH_DIR ?= /tmp/wholefamily-bench
BENCH_XLSX_ROWS ?= 200000
bench: setup setup-cin
	rm -rf $(BENCH_DIR) && mkdir -p $(BENCH_DIR)
	$(BIN)/wholefamily bench synth --people $(BENCH_PEOPLE)
	$(BIN)/wholefamily synth --people $(BENCH_PEOPLE) --seed 1 --as-of 2026-09-30 \
		--out $(BENCH_DIR)/county
	$(BIN)/wholefamily bench load --people $(BENCH_PEOPLE) --drop $(BENCH_DIR)/county/drop
	$(BIN)/wholefamily bench link --people $(BENCH_PEOPLE) --county $(BENCH_DIR)/county
	$(BIN)/wholefamily bench febrl --dataset febrl3
	$(BIN)/wholefamily bench febrl --dataset febrl4
	$(BIN)/wholefamily run $(BENCH_DIR)/county/drop --workspace $(BENCH_DIR)/ws \
		--as-of 2026-09-30 --framework tf-2015 --no-sync
	$(BIN)/wholefamily bench outcomes --workspace $(BENCH_DIR)/ws --families 10000
	$(BIN)/python benchmarks/xlsx_read.py --rows $(BENCH_XLSX_ROWS) --dir $(BENCH_DIR)/xlsx
	$(BIN)/python benchmarks/cin_census.py --out $(BENCH_DIR)/cin.xml
	$(BIN)/python benchmarks/cin_census_db.py
	rm -rf $(BENCH_DIR)

clean:
	rm -rf $(VENV) $(CIN_VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache demo-workspace \
		node_modules src/wholefamily/web/static/govuk src/wholefamily/web/static/moj

# DuckDB against Spark in local mode, stage by stage, at two sizes, and the projection to
# 10 and 56 million people (docs/benchmarks.md); about 80 minutes on 2 cores.
.PHONY: bench-engines
bench-engines: setup-spark
	$(BIN)/wholefamily bench engines --people 200000 --people 1000000

# Web app under load (issue: family list and family page p95 < 300 ms, 20 clients,
# PostgreSQL with 100,000 families). Fills the database on the first run (about 6 minutes).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/wf_bench
.PHONY: bench-web
bench-web: setup
	$(BIN)/python benchmarks/web_load.py --families 100000 --clients 20 \
		--processes 2 --think-ms 2000 --database-url $(BENCH_DATABASE_URL) $(ARGS)

.PHONY: bench-reports
bench-reports: setup
	$(BIN)/python benchmarks/reporting.py --families 100000 --database-url $(BENCH_DATABASE_URL) $(ARGS)
