"""The parser fuzz tests (tests/reliability/test_fuzz_*.py and the property tests beside each channel) with
many more examples than CI runs. Last line: JSON.

    python bench/fuzz.py --examples 5000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = [
    "tests/reliability/test_fuzz_api.py",
    "tests/reliability/test_fuzz_email.py",
    "tests/reliability/test_fuzz_telegram.py",
    "tests/reliability/test_fuzz_telephony.py",
    "tests/reliability/test_fuzz_whatsapp.py",
    "tests/reliability/test_fuzz_ami.py",
    "tests/channels/email/test_property.py",
    "tests/channels/whatsapp/test_parse_fuzz.py",
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=2000, help="hypothesis examples per test")
    args = parser.parse_args()
    env = {
        **os.environ,
        "OKNO_FUZZ_EXAMPLES": str(args.examples),
        "OKNO_HYPOTHESIS_EXAMPLES": str(args.examples),
    }
    started = time.monotonic()
    command = [sys.executable, "-m", "pytest", "-q", "--timeout=0", *TESTS]
    done = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603
    seconds = round(time.monotonic() - started, 1)
    print(
        json.dumps(
            {"bench": "fuzz", "examples": args.examples, "passed": done.returncode == 0, "seconds": seconds}
        )
    )
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
