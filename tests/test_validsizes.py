"""--valid-inputs: the vectorised scan of input sizes (shapecalc.validsizes)."""

import importlib.util
import io
import json
import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shapecalc
from shapecalc import summary
from shapecalc.cli import main
from shapecalc.errors import ConfigError
from shapecalc.spec import parse_spec
from shapecalc.validsizes import compact, parse_range, scan_axis, valid_inputs
from shapecalc.zoo import ENTRIES, get

np = pytest.importorskip("numpy")

_spec = importlib.util.spec_from_file_location("published_for_valid", pathlib.Path(__file__).with_name("published.py"))
_published = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_published)
TORCHVISION_META = _published.TORCHVISION_META


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------------------------------------------------
# smallest sizes: torchvision's metadata, and the papers' networks worked by hand


@pytest.mark.parametrize("name", sorted(TORCHVISION_META))
def test_smallest_matches_torchvision_min_size(name):
    """The smallest size that runs is torchvision's own meta["min_size"] [TV] (inference: no aux heads)."""
    results = valid_inputs(get(f"torchvision.{name}"), 1, 400)
    assert (results["h"].smallest, results["w"].smallest) == TORCHVISION_META[name]["min_size"]


# How the true values below were found: backwards from the last layer that needs a size, by hand. A k×k/s
# window with padding p that must output n needs an input of s·(n − 1) + k − 2p; a 'same' window of stride
# s outputs ⌈n/s⌉, so it needs s·(n − 1) + 1.
PAPER_SMALLEST = {
    # 4 convs (4, 3, 3, 2) and 3 pools 2×2/2: conv4 needs 2 → pool3 4 → conv3 6 → pool2 12 → conv2 14
    # → pool1 28 → conv1 31
    "cnn-39x31": 2 * (2 * (2 * (1 + 2 - 1) + 3 - 1) + 3 - 1) + 4 - 1,
    # C5 (5×5) needs 5 → S4 10 → C3 14 → S2 28 → C1 32: the paper's 32×32 input is the smallest
    "lenet5": 2 * (2 * 5 + 5 - 1) + 5 - 1,
    # pool5 3×3/2 needs 3 → pool2 7 → pool1 15 → conv1 11×11/4 (no padding): 4·14 + 11
    "alexnet": 4 * (2 * (2 * 3 + 1) + 1 - 1) + 11,
    # five 2×2/2 pools, every conv 3×3 pad 1: 2^5
    "vgg-d": 2 ** 5,
    # the 7×7/1 average pool needs 7; conv1 7×7/2 pad 3 and the four 'same' 3×3/2 pools each give ⌈n/2⌉:
    # ⌈H/32⌉ ≥ 7 ⇔ H ≥ 6·32 + 1
    "googlenet": 6 * 32 + 1,
    # padding everywhere and a global average pool: a 1×1 input still gives 1×1 maps
    "resnet18": 1,
    "resnet152": 1,
    "preact-resnet50": 1,
}


@pytest.mark.parametrize("name", sorted(PAPER_SMALLEST))
def test_smallest_of_paper_networks(name):
    """The papers' networks: the smallest size worked out by hand (see PAPER_SMALLEST)."""
    results = valid_inputs(get(name), 1, 400)
    assert results["h"].smallest == PAPER_SMALLEST[name]
    assert results["w"].smallest == PAPER_SMALLEST[name]


def test_alexnet_exact_sizes():
    """AlexNet (paper) divides exactly for H ≡ 3 (mod 32) from 67: 67, 99, …, and 227 (the paper's figure)."""
    result = scan_axis(get("alexnet"), "h", 1, 300)
    assert result.sizes(exact=True) == list(range(2 * 32 + 3, 301, 32))
    assert 227 in result.sizes(exact=True)


def test_side_heads_reported_apart():
    """Inception v3 runs from 75; with its AuxLogits head (training) from 299."""
    result = scan_axis(get("torchvision.inception_v3"), "h", 1, 400)
    assert result.smallest == 75
    assert result.smallest_with_side_heads == 299


def test_agrees_with_the_symbolic_conditions():
    """The scan and symbolic mode's conditions give the same smallest and smallest exact sizes."""
    from shapecalc.symbolic import axis_conditions

    for name in ("alexnet", "torchvision.googlenet", "cnn-39x31", "googlenet"):
        c = ENTRIES[name][2][2]
        cond = axis_conditions(summary(name, input=("H", "W", c)))["H"]
        result = scan_axis(get(name), "h", 1, 600)
        assert (result.smallest, result.smallest_exact) == (cond.smallest, cond.smallest_exact), name


# ---------------------------------------------------------------------------------------------------------
# agreement with the numeric mode, size by size

FAST = ["cnn-39x31", "lenet5", "alexnet", "vgg-a", "googlenet", "resnet18", "torchvision.googlenet",
        "torchvision.alexnet", "torchvision.inception_v3", "residual-module"]
_SCANS = {}


def _scan(name, axis):
    if (name, axis) not in _SCANS:
        _SCANS[name, axis] = scan_axis(get(name), axis, 1, 700)
    return _SCANS[name, axis]


def _numeric(name, h, w):
    """(runs, exact along the scanned axis) from the numeric mode."""
    c = ENTRIES[name][2][2]
    try:
        s = summary(name, input=(h, w, c))
    except shapecalc.ShapeError:
        return False, False
    # the textbook notion the scan uses: a warning or a note that says a formula is not whole
    return True, [(p, t) for p, t in s.warnings + s.notes if "is not whole" in t]


@settings(max_examples=150)
@given(name=st.sampled_from(FAST), size=st.integers(1, 700), axis=st.sampled_from(["h", "w"]))
def test_scan_agrees_with_numeric_mode(name, size, axis):
    """At any size, the scan says 'runs' and 'exact' exactly when the numeric table runs without an
    error and says of no formula on that axis that it is not whole (the other axis at its default)."""
    default = ENTRIES[name][2]
    h, w = (size, default[1]) if axis == "h" else (default[0], size)
    runs, warnings = _numeric(name, h, w)
    result = _scan(name, axis)
    assert bool(result.runs_with_side_heads[size - 1]) == runs
    if runs:
        label = axis.upper() + ":"
        exact = not any(text.startswith(label) for _, text in warnings)
        assert bool(result.exact_with_side_heads[size - 1]) == exact


def test_other_axis_does_not_leak():
    """Scanning H of ResNet-18 at its default W = 224 (inexact there) still finds exact heights."""
    result = scan_axis(get("resnet18"), "h", 1, 100)
    # conv1 7×7/2 pad 3 and the 3×3/2 pad 1 / 1×1/2 windows each need an odd input: H ≡ 1 (mod 32)
    assert result.sizes(exact=True) == [1, 33, 65, 97]


# ---------------------------------------------------------------------------------------------------------
# the command line


def test_cli_text():
    """`--valid-inputs` prints the smallest sizes and the sizes as ranges."""
    code, out, _ = run("alexnet", "--valid-inputs", "--range", "1:300")
    assert code == 0
    assert "H: smallest 67, smallest exact 67" in out
    assert "234 sizes: 67–300" in out       # 300 − 67 + 1


def test_cli_exact_json():
    """`--valid-inputs --exact --format json` gives {"model", "axes": {"h": {"smallest", "smallest_exact", "sizes"}}}."""
    code, out, _ = run("cnn-39x31", "--valid-inputs", "--exact", "--range", "1:64", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["model"] == "cnn-39x31"
    assert data["axes"]["h"]["smallest"] == 31
    assert data["axes"]["h"]["smallest_exact"] == 31
    assert data["axes"]["h"]["sizes"] == [31, 39, 47, 55, 63]   # H ≡ 7 (mod 8)


def test_range_errors():
    """--range LO:HI with 1 ≤ LO ≤ HI, whole numbers."""
    assert parse_range("5:10") == (5, 10)
    for bad in ("10:5", "0:5", "a:b", "5"):
        with pytest.raises(ConfigError):
            parse_range(bad)
    code, _, err = run("alexnet", "--valid-inputs", "--range", "9:2")
    assert code == 2 and "--range" in err


def test_compact():
    """Runs and arithmetic progressions are printed compactly."""
    assert compact([1, 2, 3, 7, 11, 15]) == "1–3, 7–15 step 4"
    assert compact([]) == "none"
    assert compact([5]) == "5"


def test_the_scan_in_chunks_is_the_scan_in_one_pass(monkeypatch):
    """The scan works through the range in chunks (its memory is a chunk's, whatever the range): chunks of 7
    sizes give the very flags of one pass, across every chunk boundary."""
    import numpy as np

    import shapecalc.validsizes as V
    from shapecalc import zoo

    net = zoo.get("cnn-39x31")
    whole = V.scan_axis(net, "h", 1, 500)
    monkeypatch.setattr(V, "CHUNK", 7)
    chunked = V.scan_axis(net, "h", 1, 500)
    for flag in ("runs", "runs_with_side_heads", "exact", "exact_with_side_heads"):
        assert np.array_equal(getattr(whole, flag), getattr(chunked, flag)), flag


@pytest.mark.parametrize("sizes, text", [
    ([], "none"),
    ([5], "5"),
    ([1, 2, 3, 7, 11, 15], "1–3, 7–15 step 4"),
    ([31, 39, 47, 55], "31–55 step 8"),
    ([2, 3, 4, 10, 11, 20], "2–4, 10–11, 20"),
])
def test_compact_from_the_flags(sizes, text):
    import numpy as np

    from shapecalc.validsizes import compact_mask

    mask = np.zeros(60, dtype=bool)
    mask[[s - 1 for s in sizes]] = True
    assert compact_mask(mask, 1) == text


def test_progressions_read_as_compact_reads_them():
    """The numpy reading of lone sizes gives compact()'s very text, on random sets of sizes."""
    import random

    import numpy as np

    from shapecalc.validsizes import _progressions, compact

    rng = random.Random(5)
    for _ in range(300):
        sizes = sorted(rng.sample(range(1, 80), rng.randint(1, 30)))
        sizes = [s for k, s in enumerate(sizes)]
        assert _progressions(np.array(sizes)) == compact(sizes), sizes


@settings(max_examples=150)
@given(name=st.sampled_from(FAST + ["dilated"]), size=st.integers(1, 700), axis=st.sampled_from(["h", "w"]))
def test_covered_agrees_with_the_tables_warnings(name, size, axis):
    """At any size, the scan says 'reads every row' exactly when the numeric table runs and warns (⚠) of no
    unread row on that axis — the warnings themselves compared with PyTorch in tests/test_coverage.py."""
    network = DILATED if name == "dilated" else get(name)
    default = (37, 29, 1) if name == "dilated" else ENTRIES[name][2]
    h, w = (size, default[1]) if axis == "h" else (default[0], size)
    key = (name, axis, "covered")
    if key not in _SCANS:
        _SCANS[key] = scan_axis(network, axis, 1, 700, input=default, coverage=True)
    try:
        s = summary(network, input=(h, w, default[2]))
    except shapecalc.ShapeError:
        assert not _SCANS[key].runs_with_side_heads[size - 1]
        return
    label = axis.upper() + ":"
    # (the numeric table walks the side heads too: their warnings count)
    covered = not any(text.startswith(label) for _, text in s.warnings)
    assert bool(_SCANS[key].covered_with_side_heads[size - 1]) == covered


DILATED = parse_spec("input 37x29x1 | conv 4 k3 d2 | conv 4 k3 d3 s2 p1 | conv 4 k2 d4 s3 | maxpool 3 2 | conv 4 k1 s3")


def test_cli_covered_and_its_refusals():
    """--covered lists the sizes without a ⚠ warning; it is refused beside --exact or without --valid-inputs."""
    out, err = io.StringIO(), io.StringIO()
    # cnn-39x31 (4×4 conv, then 2×2/2 pools): conv1 on H gives H − 3, pool1 reads every row when H − 3 is
    # even, and so on down: the same sizes as the textbook rule here (31 and 39 between 30 and 45)
    assert main(["cnn-39x31", "--valid-inputs", "--covered", "--range", "30:45"], out=out, err=err) == 0
    assert "   2 sizes: 31, 39" in out.getvalue().splitlines()
    for argv, fragment in ((["cnn-39x31", "--valid-inputs", "--covered", "--exact"], "two questions"),
                           (["cnn-39x31", "--covered"], "--covered")):
        out, err = io.StringIO(), io.StringIO()
        assert main(argv, out=out, err=err) == 2 and fragment in err.getvalue()


def test_coverage_is_worked_out_only_where_asked():
    """A plain scan does no coverage work, and says so rather than answer."""
    plain = scan_axis(get("cnn-39x31"), "h", 30, 45)
    with pytest.raises(ConfigError, match="coverage=True"):
        plain.covered
    asked = scan_axis(get("cnn-39x31"), "h", 30, 45, coverage=True)
    assert asked.sizes(covered=True) == [31, 39]
