"""The crash harness (issue 11): okno's real processes killed and restarted under a mixed inbound burst, with
private Redis, PostgreSQL and Dovecot; the counts afterwards. Entry points:
`run.run_crash(CrashConfig(...))`, `python -m bench.crash`, tests/reliability/test_crash.py."""
