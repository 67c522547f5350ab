"""Hypothesis profiles for the convergence simulation and a line in the summary saying how many
examples ran. CI: a fixed seed (derandomized) and at least 200 examples; TD_SIM_EXAMPLES=5000 runs
thousands (still reproducible unless TD_SIM_RANDOM=1)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("TD_SIM_EXAMPLES", "200"))
RUN_COUNT = {"examples": 0, "steps": 0}

settings.register_profile(
    "sync-sim",
    max_examples=EXAMPLES,
    stateful_step_count=int(os.environ.get("TD_SIM_STEPS", "25")),
    derandomize=os.environ.get("TD_SIM_RANDOM") != "1",
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if RUN_COUNT["examples"]:
        terminalreporter.write_line(
            f"sync convergence simulation: {RUN_COUNT['examples']} examples ran "
            f"({RUN_COUNT['steps']} steps), profile max_examples={EXAMPLES}")
        if RUN_COUNT.get("tally"):
            terminalreporter.write_line(f"  exercised (summed over examples): {RUN_COUNT['tally']}")
