"""Shared test set-up."""

import pytest

import shapecalc.layers


@pytest.fixture(autouse=True)
def _registry_restored():
    """A kind a test defines (a user's own ``Layer`` subclass) registers itself as a real one would; it is
    removed again after the test, so that the registry every other test reads is shapecalc's."""
    kinds = dict(shapecalc.layers.KINDS)
    yield
    shapecalc.layers.KINDS.clear()
    shapecalc.layers.KINDS.update(kinds)
