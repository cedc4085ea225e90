"""benchmarks/run.py keeps working: its synthetic networks and its report, at toy sizes."""

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def run():
    spec = importlib.util.spec_from_file_location("shapecalc_benchmarks_run", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_networks_have_the_layers_they_promise(run):
    """A chain of n layers gives n + 1 rows (the input); a residual stack n // 7 blocks of 7 rows, plus the input."""
    figures = run.deep((700, 1400), 1)
    assert figures["chain"][700]["layers"] == 700 + 1
    assert figures["chain"][1400]["layers"] == 1400 + 1
    assert figures["residual"][700]["layers"] == (700 // 7) * 7 + 1
    assert figures["chain"][700]["layers_per_second"] > 0


def test_targets_read_the_figures(run):
    """targets() marks a slow deep network and a fat start-up as missed, a lean one as met."""
    results = {
        "startup": {"python -c pass": {"ratio_min": 1.0}, "shapecalc x --table": {"ratio_min": 1.2}},
        "deep": {"chain": {10_000: {"layers_per_second": 250_000}, 100_000: {"layers_per_second": 150_000},
                           "ratio_100k_10k": 12.0}},
        "memory": {"extra_mib": 3.0},
    }
    verdicts = list(run.targets(results).values())
    # start-up met; 100k/10k ratio missed; layers/s missed at 100k; memory met
    assert verdicts == [True, False, False, True]
