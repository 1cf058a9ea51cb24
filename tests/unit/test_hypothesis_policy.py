"""Every @given in the suite runs under its Hypothesis profile (tests/conftest.py), a bare one
too: a loaded machine's pause is not a failure, and CI's examples come from the test's name."""

from __future__ import annotations

import os
import time

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st


def test_the_default_settings_are_the_suites_profile() -> None:
    current = settings.default
    assert current.deadline is None
    assert HealthCheck.too_slow in current.suppress_health_check
    assert current.database is None
    assert Phase.explain not in current.phases
    assert current.derandomize is (os.environ.get("CI", "").lower() in {"1", "true", "yes"})


@settings(max_examples=2)
@given(st.integers())
def test_an_example_the_machine_slowed_down_is_not_a_failure(number: int) -> None:
    assert isinstance(number, int)
    time.sleep(0.25)  # what a process the scheduler left out for a moment looks like
