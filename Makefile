# The two commands README.md opens with. Both install what they need first.
PY ?= python3

.PHONY: demo test bench lint deps

deps:
	@bash scripts/bootstrap

demo: deps
	$(PY) -m gateway demo

test: deps
	$(PY) -m pytest -q

bench: deps
	$(PY) -m pytest -q benchmarks --benchmark-only

lint: deps
	$(PY) -m ruff check gateway tests benchmarks
