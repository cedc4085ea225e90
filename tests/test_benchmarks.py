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


def test_pace_workload_is_fixed_work(run):
    """The pace reference does the same work on every call (10,000 items), and deep() times it in its rounds."""
    # Σ over i of (i % 7 + 1)(i % 5 + 1) · 8: the sizes repeat every 35 items, whose sum is 28 · 15 · 8
    assert run.pace_workload(35) == 28 * 15 * 8
    assert run.pace_workload(35 * 3) == 3 * 28 * 15 * 8
    figures = run.deep((700,), 2)
    assert figures["pace"]["runs"] == 2 and figures["pace"]["seconds"] > 0


def test_targets_read_the_figures(run):
    """targets() marks a slow deep network and a fat start-up as missed, a lean one as met."""
    results = {
        "startup": {"python -c pass": {"ratio_paired": 1.0}, "shapecalc x --table": {"ratio_paired": 1.2}},
        "deep": {"chain": {10_000: {"layers_per_second": 250_000}, 100_000: {"layers_per_second": 150_000},
                           "ratio_100k_10k": 12.0}},
        "memory": {"extra_mib": 3.0},
    }
    verdicts = list(run.targets(results).values())
    # start-up met; 100k/10k ratio missed; layers/s missed at 100k; memory met
    assert verdicts == [True, False, False, True]


def test_paired_ratio_sets_each_sample_against_its_own_round(run):
    """One lucky base sample (6 where the others are 10) makes the ratio of minima 2.0; the pairs say 1.2."""
    samples, base = [12, 12, 12], [6, 10, 10]
    assert min(samples) / min(base) == 2.0
    assert run._paired(samples, base) == 12 / 10
    # a machine that slows down halfway slows both members of a pair alike
    assert run._paired([10, 11, 20, 22], [5, 5.5, 10, 11]) == 2.0


def test_startup_parts_run_each_command(run):
    """startup_parts() runs its five commands, the CLI's own end among them, and sets each against the first."""
    parts = run.startup_parts(1)
    assert len(parts) == 5 and all(p["runs"] == 1 for p in parts.values())
    assert next(iter(parts.values()))["ratio_paired"] == 1.0
    assert any(key.endswith("the CLI's end") for key in parts)


def test_cuda_check_runs_on_the_cpu(capsys):
    """benchmarks/cuda_check.py (the GPU cross-check of the zoo) prints a line per network and a summary,
    and exits 0 when all agree; run here with --device cpu."""
    pytest.importorskip("torch")
    spec = importlib.util.spec_from_file_location("shapecalc_cuda_check", _PATH.with_name("cuda_check.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--device", "cpu", "lenet5", "torchvision.mobilenet_v3_small"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("lenet5") and out[1].endswith("all ✓")
    assert out[-1].startswith("summary: 2 of 2 networks agree with PyTorch on cpu")
