"""Shared test set-up: the hypothesis profiles, and the kind registry restored after each test.

Hypothesis profiles (as attrs keeps them): ``default`` for a developer's run, ``ci`` (chosen where the
environment has ``CI`` set, as .ci/run does) derandomized so that a CI run is reproducible, and ``thorough``
(``HYPOTHESIS_PROFILE=thorough``) with ten times the examples, for a long hunt. A test's own ``@settings``
gives only its number of examples, sized to its cost.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

import shapecalc.layers

# the generated networks are large objects, built with filters: the health checks about them are about the
# strategies' cost, not about a fault; no deadline (a shared machine's timings vary)
_COMMON = dict(deadline=None, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
settings.register_profile("default", **_COMMON)
settings.register_profile("ci", derandomize=True, print_blob=True, **_COMMON)
settings.register_profile("thorough", max_examples=1000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default"))


@pytest.fixture(autouse=True)
def _registry_restored():
    """A kind a test defines (a user's own ``Layer`` subclass) registers itself as a real one would; it is
    removed again after the test, so that the registry every other test reads is shapecalc's."""
    kinds = dict(shapecalc.layers.KINDS)
    yield
    shapecalc.layers.KINDS.clear()
    shapecalc.layers.KINDS.update(kinds)
