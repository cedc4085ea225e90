"""The output-size and counting formulas, against hand arithmetic and a brute-force sliding window."""

import numpy as np
from hypothesis import given, settings, strategies as st

from shapecalc import formulas as F


# --------------------------------------------------------------------------------------------------
# hand arithmetic


def test_alexnet_conv1_227():
    """(227 − 11 + 2·0)/4 + 1 = 55 exactly."""
    assert F.conv_output_size(227, 11, 0, 4) == (227 - 11 + 0) // 4 + 1 == 55


def test_alexnet_conv1_224_floors():
    """(224 − 11 + 0)/4 + 1 = 54.25 is floored to 54."""
    assert F.conv_output_size(224, 11, 0, 4) == 54


def test_same_padding_keras_split():
    """Keras "same" on 224 with a 7×7/2 kernel: out 112, total pad (112−1)·2 + 7 − 224 = 5, split 2 + 3."""
    assert F.same_output_size(224, 2) == 112
    assert F.same_padding(224, 7, 2) == (2, 3)


def test_same_padding_never_negative():
    """A 1×1/2 "same" kernel on 6 needs (3−1)·2 + 1 − 6 = −1 → 0 padding."""
    assert F.same_padding(6, 1, 2) == (0, 0)


def test_dilated_kernel_span():
    """A 3×3 kernel with dilation 2 spans 2·(3 − 1) + 1 = 5."""
    assert F.effective_kernel(3, 2) == 5
    assert F.conv_output_size(32, 3, 0, 1, dilation=2) == 32 - 5 + 1


def test_ceil_mode_googlenet_pool():
    """torchvision GoogLeNet's 3×3/2 ceil-mode pool on 112: ⌈(112 − 3)/2⌉ + 1 = 56."""
    assert F.pool_output_size(112, 3, 0, 2, ceil_mode=True) == 56
    assert F.pool_output_size(112, 3, 0, 2, ceil_mode=False) == 55


def test_ceil_mode_drops_window_starting_in_padding():
    """PyTorch drops the last ceil-mode window when it would start in the right padding: 5, k2, s2, p1."""
    # ⌈(5 + 2 − 2)/2⌉ + 1 = 4, but window 4 starts at 3·2 = 6 ≥ 5 + 1, so 3 remain
    assert F.pool_output_size(5, 2, 1, 2, ceil_mode=True) == 3


def test_conv_weights_and_macs():
    """LeNet-5 C1: 5·5·1·6 weights; 28·28·6·(5·5·1) MACs."""
    assert F.conv_weights(1, 6, 5, 5) == 5 * 5 * 1 * 6
    assert F.conv_macs(28, 28, 6, 1, 5, 5) == 28 * 28 * 6 * 25


def test_grouped_conv_weights():
    """AlexNet conv2 in two groups: 5·5·(96/2)·256 weights."""
    assert F.conv_weights(96, 256, 5, 5, groups=2) == 5 * 5 * 48 * 256


def test_adaptive_window_pytorch_rule():
    """Adaptive pooling 10 → 7: windows [⌊7i·10/7⌋ …) of sizes 2 or 3."""
    windows = [F.adaptive_window(10, 7, i) for i in range(7)]
    assert windows[0] == (0, 2) and windows[-1] == (8, 10)
    assert all(1 <= e - s <= 3 for s, e in windows)


def test_receptive_field_of_three_3x3():
    """Three stacked 3×3/1 pad-1 convolutions see 1 + 3·(3 − 1) = 7 pixels, starting 3 into the padding."""
    r, j, start = 1, 1, 0
    for _ in range(3):
        r, j, start = F.rf_step(r, j, start, 3, 1, 1)
    assert (r, j, start) == (1 + 3 * (3 - 1), 1, -3)


def test_exact_for_huge_integers():
    """Formulas stay exact beyond 2**63: no float rounding."""
    h = 10**30 + 7
    assert F.conv_output_size(h, 3, 2, 1) == h
    assert F.conv_macs(h, h, 10**6, 10**6, 3, 3) == h * h * 10**6 * 9 * 10**6


# --------------------------------------------------------------------------------------------------
# brute force: slide a window over a real padded array and count the positions


def _brute_force(size, kernel, before, after, stride, dilation=1, ceil_mode=False):
    """Count windows by sliding over an actual padded array; ceil mode adds a partial last window when the
    full windows leave trailing elements uncovered, unless it would start in the right padding (PyTorch)."""
    padded = np.arange(size + before + after)
    count, start, covered = 0, 0, -1
    while True:
        taps = start + dilation * np.arange(kernel)
        if not (taps < len(padded)).all():
            break
        count += 1
        covered = int(taps[-1])
        start += stride
    if ceil_mode and count and covered < len(padded) - 1 and start < size + before:
        count += 1
    return count


windows = st.tuples(
    st.integers(1, 60),  # size
    st.integers(1, 7),  # kernel
    st.integers(0, 3),  # padding
    st.integers(1, 5),  # stride
    st.integers(1, 3),  # dilation
)


@settings(max_examples=2000)
@given(windows)
def test_floor_formula_matches_sliding_window(args):
    """⌊(H + 2P − F_eff)/S⌋ + 1 equals the number of windows that fit."""
    size, kernel, pad, stride, dilation = args
    span = F.effective_kernel(kernel, dilation)
    if size + 2 * pad < span:
        return
    assert F.conv_output_size(size, kernel, 2 * pad, stride, dilation) == _brute_force(
        size, kernel, pad, pad, stride, dilation
    )


@settings(max_examples=2000)
@given(windows)
def test_ceil_formula_matches_sliding_window(args):
    """Ceil mode counts the partial last window, unless it would start in the right padding."""
    size, kernel, pad, stride, dilation = args
    span = F.effective_kernel(kernel, dilation)
    if size + 2 * pad < span or 2 * pad > span:
        return
    assert F.conv_output_size(size, kernel, 2 * pad, stride, dilation, ceil_mode=True) == _brute_force(
        size, kernel, pad, pad, stride, dilation, ceil_mode=True
    )


@settings(max_examples=2000)
@given(st.integers(1, 300), st.integers(1, 9), st.integers(1, 5), st.integers(1, 3))
def test_same_padding_gives_ceil_of_size_over_stride(size, kernel, stride, dilation):
    """Keras "same": padding split as TensorFlow does yields exactly ⌈H/S⌉ windows."""
    before, after = F.same_padding(size, kernel, stride, dilation)
    assert 0 <= before <= after <= before + 1
    out = _brute_force(size, kernel, before, after, stride, dilation)
    assert out == F.same_output_size(size, stride) == -(-size // stride)
    assert F.conv_output_size(size, kernel, before + after, stride, dilation) == out


@settings(max_examples=500)
@given(st.integers(1, 40), st.integers(1, 40))
def test_adaptive_windows_cover_input(size, out):
    """PyTorch's adaptive windows start at 0, end at H, and never skip a position."""
    spans = [F.adaptive_window(size, out, i) for i in range(out)]
    assert spans[0][0] == 0 and spans[-1][1] == size
    assert all(spans[i + 1][0] <= spans[i][1] for i in range(out - 1))


def test_formulas_vectorise_over_numpy():
    """The same function evaluates elementwise over a numpy array of sizes."""
    sizes = np.arange(1, 200)
    got = F.conv_output_size(sizes, 3, 2, 2)
    assert list(got) == [F.conv_output_size(int(h), 3, 2, 2) for h in sizes]
    got = F.pool_output_size(sizes + 2, 3, 0, 2, ceil_mode=True)
    assert list(got) == [F.pool_output_size(int(h) + 2, 3, 0, 2, ceil_mode=True) for h in sizes]
