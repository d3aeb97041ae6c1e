"""Reliability tests (issue 11): crash, outage and multi-process runs (harness/), fuzzing, security,
data protection."""
