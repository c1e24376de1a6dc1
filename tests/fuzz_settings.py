"""Shared hypothesis settings: modest by default, CALCGRAPH_FUZZ_EXAMPLES raises the count.

The deadline guards against hangs (an input that sends a parser into minutes of work), not speed:
CI machines are shared and up to three times slower than a workstation, so it is ten seconds.
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("CALCGRAPH_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=10), print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
