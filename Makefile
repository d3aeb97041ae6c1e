.PHONY: demo test setup bench

# The main job: the demo on embedded defaults (set-up included).
demo:
	@bash scripts/setup.sh && .venv/bin/okno demo $(ARGS)

# Every test, with its own set-up (see scripts/test.sh).
test:
	@bash scripts/test.sh $(ARGS)

setup:
	@bash scripts/setup.sh

bench:
	@bash scripts/setup.sh && .venv/bin/python bench/ingest.py $(ARGS)
