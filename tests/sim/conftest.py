"""Hypothesis profiles for the convergence simulation and a line in the summary saying how many
examples ran. Two profiles, chosen by TD_SIM_PROFILE:
- "ci" (the default): a fixed seed (derandomized), 200 examples of 25 steps;
- "nightly": 600 examples of 40 steps, seeded by Hypothesis (`--hypothesis-seed=N` makes a run
  reproducible; a failure prints its reproduction blob).
TD_SIM_EXAMPLES and TD_SIM_STEPS override the counts; TD_SIM_RANDOM=1 unfixes the CI seed."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

NIGHTLY = os.environ.get("TD_SIM_PROFILE") == "nightly"
EXAMPLES = int(os.environ.get("TD_SIM_EXAMPLES", "600" if NIGHTLY else "200"))
RUN_COUNT = {"examples": 0, "steps": 0}

settings.register_profile(
    "sync-sim",
    max_examples=EXAMPLES,
    stateful_step_count=int(os.environ.get("TD_SIM_STEPS", "40" if NIGHTLY else "25")),
    derandomize=not NIGHTLY and os.environ.get("TD_SIM_RANDOM") != "1",
    print_blob=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if RUN_COUNT["examples"]:
        terminalreporter.write_line(
            f"sync convergence simulation: {RUN_COUNT['examples']} examples ran "
            f"({RUN_COUNT['steps']} steps), profile {'nightly' if NIGHTLY else 'ci'}, max_examples={EXAMPLES}")
        if RUN_COUNT.get("tally"):
            terminalreporter.write_line(f"  exercised (summed over examples): {RUN_COUNT['tally']}")
