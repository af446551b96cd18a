"""`make fuzz`: python -m tests.fuzz [SECONDS]; see tests/fuzz/run.py."""

import sys

from tests.fuzz.run import fuzz

sys.exit(fuzz(max_seconds=int(sys.argv[1]) if len(sys.argv) > 1 else 300))
