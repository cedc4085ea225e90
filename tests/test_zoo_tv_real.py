"""Every torchvision twin of the zoo against torchvision itself.

- metadata (no torchvision needed): for each weights entry of each model, at its crop size, params equal
  ``num_params`` and MACs round to the published GFLOPS (torchvision's ``_ops``: GMACs to 3 decimals),
  from the copy in tests/data/torchvision_weights.json;
- the real modules (torchvision installed; CI installs it): every module that holds parameters or
  buffers has a row at its path, and every row at a module's path has its output shape, parameters and
  buffers (tests/tvreal.py; built on the ``meta`` device).
"""

import os

import pytest

from tests import tvreal

from shapecalc.zoo import ENTRIES

TWINS = sorted(name.split(".", 1)[1] for name in ENTRIES if name.startswith("torchvision."))


def test_every_twin_has_metadata():
    assert set(TWINS) <= set(tvreal.META["models"])


@pytest.mark.parametrize("name", TWINS)
def test_metadata(name):
    """Params = num_params and MACs round to GFLOPS, for every weights entry at its crop size."""
    assert tvreal.metadata_differences(name) == []


@pytest.mark.parametrize("name", TWINS)
def test_real_module(name):
    """Per module: output shape, parameters and buffers equal torchvision's own module's."""
    tvreal.require_torchvision()
    assert tvreal.differences(name) == []


def test_metadata_copy_is_current():
    """tests/data/torchvision_weights.json is what the installed torchvision says (regenerate with
    ``python tests/gen_torchvision_meta.py``)."""
    tvreal.require_torchvision()
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_tv_meta", os.path.join(os.path.dirname(__file__),
                                                                             "gen_torchvision_meta.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert gen.collect()["models"] == tvreal.META["models"]
