"""shapecalc.sweep (module shapecalc.sweeps): figures over numpy arrays of input sizes."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shapecalc
from shapecalc import summary, sweep
from shapecalc.errors import ConfigError

np = pytest.importorskip("numpy")


def _numeric_or_none(name, h, w, c=3):
    try:
        return summary(name, input=(h, w, c))
    except shapecalc.ShapeError:
        return None


@settings(max_examples=15)
@given(name=st.sampled_from(["alexnet", "torchvision.googlenet", "resnet18", "vgg-a"]),
       sizes=st.lists(st.tuples(st.integers(1, 400), st.integers(1, 400)), min_size=1, max_size=6))
def test_sweep_equals_numeric_mode(name, sizes):
    """At every swept size: valid exactly where the numeric table runs, and the same totals and layer sizes."""
    H = np.array([h for h, _ in sizes])
    W = np.array([w for _, w in sizes])
    s = sweep(name, H=H, W=W)
    for i, (h, w) in enumerate(sizes):
        numeric = _numeric_or_none(name, h, w)
        assert bool(s.valid[i]) == (numeric is not None)
        if numeric is None:
            continue
        # exact: the textbook rule, which the table states in its warnings' and notes' "is not whole"
        assert bool(s.exact[i]) == (not any("is not whole" in t for _, t in numeric.warnings + numeric.notes))
        for key in ("params", "macs", "activations", "side_head_params"):
            assert int(np.asarray(s.totals[key])[i] if not isinstance(s.totals[key], int) else s.totals[key]) \
                == numeric.totals[key]
        last_map = [r for r in numeric.rows if len(r.output_shape) == 3][-1]
        out = s[last_map.path].output_shape
        assert tuple(int(np.asarray(d)[i]) if not isinstance(d, int) else d for d in out) == last_map.output_shape


def test_macs_grow_with_resolution():
    """Single 7×7 conv, 'same' padding: MACs = H·W · 7·7·64·64, exactly quadratic."""
    H = np.array([8, 16, 56])
    s = sweep("single-7x7", H=H)
    assert s.totals["macs"].tolist() == [h * h * 7 * 7 * 64 * 64 for h in (8, 16, 56)]
    assert s.valid.all() and s.exact.all()


def test_missing_axis_is_square():
    """sweep(model, H=…) alone sweeps square inputs."""
    s = sweep("cnn-39x31", H=np.array([39, 40]))
    assert s.W.tolist() == [39, 40]


def test_huge_sizes_stay_exact():
    """Beyond int64's comfort, figures are exact Python integers (AlexNet at 100,000 × 100,000)."""
    s = sweep("alexnet", H=np.array([100_000]), W=np.array([100_000]))
    assert int(s.totals["macs"][0]) == summary("alexnet", input=(100_000, 100_000, 3)).totals["macs"]


def test_sweep_errors():
    """No sizes, sizes below 1 and non-integers are refused."""
    with pytest.raises(ConfigError):
        sweep("alexnet")
    with pytest.raises(ConfigError):
        sweep("alexnet", H=np.array([0, 5]))
    with pytest.raises(ConfigError):
        sweep("alexnet", H=np.array([1.5]))


def test_sweep_is_the_function_after_import():
    """shapecalc.sweep stays callable once its module (shapecalc.sweeps) has been imported."""
    import shapecalc.sweeps  # noqa: F401

    assert len(shapecalc.sweep("stack-3x3", H=np.array([4, 5]))) == 2
