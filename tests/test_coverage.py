"""Warnings say only what is true: a ⚠ for real input rows that no window reads, a note for a textbook
formula that is not whole where only padding is left over — both compared with what PyTorch reads.

The oracle: for one axis of one window layer, a batch of inputs each with a single real row set to 1 (the
rest 0) goes through PyTorch's own convolution (all-ones kernel) or max pooling (ceil mode) with the layer's
kernel, stride, padding and dilation along that axis; a row is read when its output is not all zero.
"""

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shapecalc import summary, zoo
from shapecalc.coverage import describe_rows, unread
from shapecalc.errors import DivisibilityError
from shapecalc.spec import parse_spec

torch = pytest.importorskip("torch")
F = torch.nn.functional

_COUNT = re.compile(r"^(H|W): (\d+) of (\d+) input (?:row|column)s? never read by this layer \((.*?): ")


def _rows_torch_reads(size, kernel, stride, dilation, before, after, ceil_mode):
    """The set of real rows [0, size) that change PyTorch's output along one axis."""
    x = torch.zeros(size + 1, 1, size, 1)  # the last one, all zeros: the baseline
    for r in range(size):
        x[r, 0, r, 0] = 1.0
    if ceil_mode:
        assert before == after
        y = F.max_pool2d(x, (kernel, 1), (stride, 1), (before, 0), (dilation, 1), ceil_mode=True)
    else:
        x = F.pad(x, (0, 0, before, after))
        y = F.conv2d(x, torch.ones(1, 1, kernel, 1), stride=(stride, 1), dilation=(dilation, 1))
    # read: the output differs from the baseline's (a max pool's window of padding alone gives −inf)
    return {r for r in range(size) if not torch.equal(y[r], y[size])}, y.shape[2]


def _intervals(rows):
    runs = []
    for r in sorted(rows):
        if runs and runs[-1][1] == r:
            runs[-1][1] = r + 1
        else:
            runs.append([r, r + 1])
    return [tuple(x) for x in runs]


def _window_axes(s):
    """(row, axis, size, kernel, stride, dilation, before, after, ceil) for every sliding-window leaf."""
    for row in s.rows:
        layer = row.layer
        if not getattr(layer, "slides", False) or len(row.input_shape) != 3:
            continue
        pads = layer.pads(tuple(row.input_shape))
        for a in (0, 1):
            yield (row, a, row.input_shape[a], layer.kernel[a], layer.stride[a], layer.dilation[a],
                   pads[a][0], pads[a][1], layer.ceil_mode)


# what the zoo lacks: dilated kernels, and strides wider than the dilated span
EXTRA = {
    "dilated": "input 37x29x1 | conv 4 k3 d2 | conv 4 k3 d3 s2 p1 | conv 4 k2 d4 s3 | conv 4 k1 s3",
}


def _geometries():
    seen = {}
    nets = [(name, summary(name)) for name in zoo.names()]
    nets += [(name, summary(parse_spec(text))) for name, text in EXTRA.items()]
    for name, s in nets:
        for row, a, *geometry in _window_axes(s):
            seen.setdefault(tuple(geometry), (name, row.path, a))
    return seen


GEOMETRIES = _geometries()


def test_the_zoo_has_windows_of_every_sort():
    """The comparison below covers strided, padded, dilated and ceil-mode windows, read and unread rows."""
    geometries = list(GEOMETRIES)
    assert len(geometries) > 100
    assert any(g[3] > 1 for g in geometries)  # dilation
    assert any(g[6] for g in geometries)  # ceil mode
    assert any(g[2] > g[1] for g in geometries)  # stride wider than the kernel


@pytest.mark.parametrize("geometry", sorted(GEOMETRIES), ids=lambda g: "x".join(map(str, g[:6])) + ("c" * g[6]))
def test_every_zoo_window_warns_exactly_about_the_rows_pytorch_never_reads(geometry):
    name, path, a = GEOMETRIES[geometry]
    row = (summary(parse_spec(EXTRA[name])) if name in EXTRA else summary(name))[path]
    _compare(row, a, *geometry)


def _compare(row, a, size, kernel, stride, dilation, before, after, ceil_mode):
    read, out = _rows_torch_reads(size, kernel, stride, dilation, before, after, ceil_mode)
    assert row.output_shape[a] == out
    axis = "HW"[a]
    warnings = [w for w in row.warnings if w.startswith(f"{axis}:")]
    notes = [n for n in row.notes if n.startswith(f"{axis}:")]
    never = set(range(size)) - read
    if never:
        (warning,) = warnings
        found = _COUNT.match(warning)
        assert found and int(found.group(2)) == len(never) and int(found.group(3)) == size, warning
        assert found.group(4) == describe_rows(_intervals(never), "row" if a == 0 else "column")
        assert not notes
    else:
        assert not warnings, warnings
        whole = (size - (dilation * (kernel - 1) + 1) + before + after) % stride == 0
        # a note exactly when the textbook formula is not whole
        assert bool(notes) == (not whole), notes


@settings(max_examples=300)
@given(size=st.integers(1, 40), kernel=st.integers(1, 7), stride=st.integers(1, 6), dilation=st.integers(1, 4),
       pad=st.integers(0, 3), ceil_mode=st.booleans())
def test_random_windows_warn_exactly_about_the_rows_pytorch_never_reads(size, kernel, stride, dilation, pad,
                                                                        ceil_mode):
    """Random windows, pools in ceil mode (PyTorch's max pooling allows padding ≤ F/2 and a window that fits),
    convolutions otherwise; the oracle is PyTorch's output, never shapecalc's."""
    span = dilation * (kernel - 1) + 1
    assume(size + 2 * pad >= span)
    if ceil_mode:
        assume(2 * pad <= kernel)
        spec = f"input {size}x1x1 | maxpool k{kernel}x1 s{stride}x1 p{pad}x0 d{dilation}x1 ceil"
    else:
        spec = f"input {size}x1x1 | conv 1 k{kernel}x1 s{stride}x1 p{pad}x0 d{dilation}x1"
    row = summary(parse_spec(spec)).rows[-1]
    _compare(row, 0, size, kernel, stride, dilation, pad, pad, ceil_mode)


def test_resnet_stem_is_a_note_not_a_warning():
    """torchvision's ResNet-18 conv1 (7×7/2, padding 3, on 224): (224 − 7 + 2·3)/2 + 1 = 112.5, but the row
    the floor leaves over is padding — PyTorch reads all 224 rows."""
    read, _ = _rows_torch_reads(224, 7, 2, 1, 3, 3, False)
    assert len(read) == 224
    row = summary("torchvision.resnet18")["conv1"]
    assert row.warnings == ()
    assert row.notes[0] == ("H: (224 − 7 + 2 × 3)/2 + 1 = 112.5 is not whole, floored to 112; "
                            "what the floor leaves over is padding: every input row is read")


def test_a_1x1_stride_2_convolution_skips_every_other_row():
    """ResNet's projection shortcut (1×1/2 on 56) reads rows 0, 2, …, 54: 28 of its 56 input rows are never
    read (the reason for ResNet-D's average pooling, He et al. 2019, "Bag of Tricks", section 4.1)."""
    read, _ = _rows_torch_reads(56, 1, 2, 1, 0, 0, False)
    assert sorted(set(range(56)) - read) == list(range(1, 56, 2))
    warning = summary("torchvision.resnet18")["layer2.0.downsample.0"].warnings[0]
    assert warning.startswith("H: 28 of 56 input rows never read by this layer (rows 1, 3, …, 55: "
                              "the stride 2 steps over them)")


def test_a_whole_formula_can_still_leave_rows_unread():
    """A 1×1/2 window on 55: (55 − 1)/2 + 1 = 28 is whole, yet the 27 odd rows are never read."""
    s = summary(parse_spec("input 55x55x3 | conv 8 k1 s2"))
    (row,) = [r for r in s.rows if r.path == "conv1"]
    assert row.warnings[0].startswith("H: 27 of 55 input rows never read by this layer")
    assert "not whole" not in row.warnings[0]


def test_the_end_of_the_input_unread():
    """AlexNet's conv1 as torchvision builds it on 224 without padding: (224 − 11)/4 + 1 = 54.25; windows
    start at 0, 4, …, 212 and end at 222: row 223 is never read."""
    s = summary(parse_spec("input 224x224x3 | conv 96 k11 s4"))
    row = s["conv1"]
    assert row.warnings[0] == ("H: 1 of 224 input rows never read by this layer (row 223: the last window that "
                               "would read them does not fit); (224 − 11)/4 + 1 = 54.25 is not whole, floored to 54")


def test_holes_of_a_dilated_kernel():
    """A 3-tap kernel at dilation 2 on 5 rows, no padding: one window, taps 0, 2, 4 — rows 1 and 3 unread;
    (5 − 5)/1 + 1 = 1 is whole."""
    s = summary(parse_spec("input 5x5x1 | conv 1 k3 d2"))
    assert s["conv1"].warnings[0].startswith(
        "H: 2 of 5 input rows never read by this layer (rows 1, 3: they fall in the holes of the dilation-2 kernel)")


def test_ceil_mode_pool_explains_the_dropped_window():
    """A 2×2/2 max pool with padding 1 in ceil mode on 3: ⌈(3 − 2 + 2·1)/2⌉ + 1 = 3, and PyTorch drops the last
    window, which would start in the padding: 2. Every row is read."""
    read, out = _rows_torch_reads(3, 2, 2, 1, 1, 1, True)
    assert out == 2 and read == {0, 1, 2}
    row = summary(parse_spec("input 3x3x1 | maxpool 2 2 p1 ceil")).rows[-1]
    assert row.output_shape[0] == 2 and row.warnings == ()
    assert row.notes[0] == ("H: (3 − 2 + 2 × 1)/2 + 1 = 2.5 is not whole, ceiled to 3, less the last window, which "
                            "would start in the padding: 2; every input row is read")


def test_strict_refuses_unread_input_and_strict_whole_the_textbook_rule():
    net = parse_spec("input 224x224x3 | conv 64 k7 s2 p3")
    assert summary(net, strict=True)["conv1"].output_shape == (112, 112, 64)  # every row is read
    with pytest.raises(DivisibilityError, match=r"\(--strict-whole: every \(H − F \+ 2P\)/S \+ 1 must be whole\)"):
        summary(net, strict="whole")
    with pytest.raises(DivisibilityError, match="never read by this layer"):
        summary(parse_spec("input 56x56x3 | conv 8 k1 s2"), strict=True)


def test_unread_large_inputs_in_closed_form():
    """The run formula works without a loop over rows: a 3×3/1 window on 10⁹ rows reads them all; a 1×1/2
    window on 10⁹ + 1 rows: 5·10⁸ odd rows unread (counted by the per-gap formula only up to the cap)."""
    assert unread(10**9, 3, 1, 1, 1, 10**9) == []
    assert unread(10**9, 2, 2, 1, 0, 5 * 10**8 - 1) == [(10**9 - 2, 10**9)]
