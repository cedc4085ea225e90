"""The arithmetic of every layer, as pure functions.

Each function takes sizes as Python integers, sympy expressions or numpy integer arrays and returns the
same kind: only ``+ - * // %`` and the three helpers :func:`maximum`, :func:`where` and :func:`ceil_div`
are used, so the numeric table, symbolic mode (``shapecalc.symbolic``) and the vectorised size scan
(``shapecalc.sweep()``) all evaluate these very lines. Nothing here imports numpy or sympy.

>>> conv_output_size(227, 11, 0, 4)
55
>>> conv_output_size(224, 11, 0, 4)         # (224 - 11 + 0) / 4 + 1 = 54.25, floored
54
>>> pool_output_size(112, 3, 0, 2, ceil_mode=True)
56
>>> same_padding(224, 7, 2)                  # Keras "same": out = ceil(224/2) = 112, pad 2 before, 3 after
(2, 3)
>>> conv_weights(3, 96, 11, 11)
34848
"""

__all__ = [
    "effective_kernel",
    "ceil_div",
    "maximum",
    "where",
    "window_span",
    "conv_output_size",
    "pool_output_size",
    "same_padding",
    "same_output_size",
    "conv_weights",
    "conv_macs",
    "linear_weights",
    "adaptive_window",
    "adaptive_widest",
    "rf_step",
]


def _is_plain(x):
    return isinstance(x, (int, bool))


def maximum(a, b):
    """max(a, b) for ints, sympy expressions (``shapecalc.symbolic.maximum``) and numpy arrays."""
    if _is_plain(a) and _is_plain(b):
        return a if a >= b else b
    if hasattr(a, "free_symbols") or hasattr(b, "free_symbols"):
        # symbolic mode's own max: decided at once where the sign of a − b is known for every size
        # (sympy.Max searched for an ordering for minutes on GoogLeNet's "same" pools)
        from .symbolic import maximum as symbolic_maximum

        return symbolic_maximum(a, b)
    import numpy

    return numpy.maximum(a, b)


def where(condition, a, b):
    """``a if condition else b`` for bools, sympy relations (``shapecalc.symbolic.where``) and numpy arrays."""
    if isinstance(condition, bool):
        return a if condition else b
    if hasattr(condition, "free_symbols"):
        import sympy

        if condition in (sympy.true, sympy.false):
            return a if condition == sympy.true else b
        # symbolic mode's own where (not Piecewise, whose simplification took minutes on ceil-mode pools)
        from .symbolic import where as symbolic_where

        return symbolic_where(condition, a, b)
    import numpy

    return numpy.where(condition, a, b)


def effective_kernel(kernel, dilation=1):
    # F_eff = D·(F − 1) + 1: the span a dilated kernel covers
    return dilation * (kernel - 1) + 1


def ceil_div(a, b):
    # ⌈a / b⌉ = −⌊−a / b⌋, exact for integers of any size
    return -((-a) // b)


def window_span(size, kernel, pad_total, dilation=1):
    # H − F_eff + 2P: how far the window travels over the padded input (the textbook numerator)
    return size - effective_kernel(kernel, dilation) + pad_total


def conv_output_size(size, kernel, pad_total, stride, dilation=1, ceil_mode=False):
    """Output length of a convolution or pooling window along one axis.

    ``pad_total`` is the sum of the padding on both sides (2·P for symmetric padding).
    """
    span = window_span(size, kernel, pad_total, dilation)
    if not ceil_mode:
        # ⌊(H − F_eff + 2P) / S⌋ + 1
        return span // stride + 1
    # ⌈(H − F_eff + 2P) / S⌉ + 1, less the last window when it would start inside the right padding
    out = ceil_div(span, stride) + 1
    return where((out - 1) * stride >= size + pad_total - pad_total // 2,
                 noted(out - 1, "− 1: the last window would start in the padding, and is dropped"), out)


def noted(value, note):
    """``value``, carrying ``note`` when it is a worked number (shapecalc.worked) that explains itself."""
    return value.with_note(note) if hasattr(value, "with_note") else value


def pool_output_size(size, kernel, pad, stride, ceil_mode=False, dilation=1):
    """PyTorch pooling output along one axis (symmetric padding ``pad``), with optional ceil mode."""
    return conv_output_size(size, kernel, 2 * pad, stride, dilation, ceil_mode)


def same_output_size(size, stride):
    # Keras / TensorFlow "same": ⌈H / S⌉
    return ceil_div(size, stride)


def same_padding(size, kernel, stride, dilation=1):
    """Keras / TensorFlow "same" padding ``(before, after)``: the smaller half goes first."""
    # P_total = max((⌈H/S⌉ − 1)·S + F_eff − H, 0); before = ⌊P_total / 2⌋, after = the rest
    total = maximum((same_output_size(size, stride) - 1) * stride + effective_kernel(kernel, dilation) - size, 0)
    return total // 2, total - total // 2


def conv_weights(in_channels, out_channels, kernel_h, kernel_w, groups=1):
    # W = F_h · F_w · (C_in / G) · C_out
    return kernel_h * kernel_w * (in_channels // groups) * out_channels


def conv_macs(out_h, out_w, out_channels, in_channels, kernel_h, kernel_w, groups=1):
    # MACs = H_out · W_out · C_out · (F_h · F_w · C_in / G): one multiply-accumulate per weight per position
    return out_h * out_w * out_channels * (kernel_h * kernel_w * (in_channels // groups))


def product(sizes):
    # Π sizes: the elements of a shape, the weights of a kernel
    out = sizes[0]
    for size in sizes[1:]:
        out = out * size
    return out


def conv_weights_nd(in_channels, out_channels, kernel, groups=1):
    # W = Π F_a · (C_in / G) · C_out, over the kernel's axes (L; or D, H, W)
    return product(kernel) * (in_channels // groups) * out_channels


def conv_macs_nd(out_sizes, out_channels, in_channels, kernel, groups=1):
    # MACs = Π O_a · C_out · (Π F_a · C_in / G): one multiply-accumulate per weight per output position
    return product(out_sizes) * out_channels * (product(kernel) * (in_channels // groups))


def linear_weights(in_features, out_features):
    # W = N_in · N_out
    return in_features * out_features


def adaptive_window(size, out, index):
    """Input window ``[start, end)`` of output cell ``index`` of adaptive pooling (PyTorch's rule)."""
    # start = ⌊i·H / O⌋, end = ⌈(i + 1)·H / O⌉
    return (index * size) // out, ceil_div((index + 1) * size, out)


def adaptive_widest(size, out):
    """The widest input window of adaptive pooling from ``size`` to ``out`` cells, in closed form.

    With H = q·O + r: q when r = 0; q + 1 when r divides O (r is then gcd(H, O)); q + 2 otherwise. The
    loop over the O windows it replaces hung on a large ``out``.
    """
    # window i has width ⌈(a + H)/O⌉ with a = i·H mod O; the largest a is O − gcd(H, O).
    # "<= 0" rather than "== 0" (remainders are never negative): sympy makes a relation of it, not False
    q, r = size // out, size % out
    return q + where(r <= 0, 0, where(out % maximum(r, 1) <= 0, 1, 2))


def rf_step(field, jump, start, kernel_eff, stride, pad_before):
    """Receptive field ``(size, jump, start)`` along one axis after a window ``(F_eff, S, P_before)``.

    ``start`` is the first input pixel seen by output unit 0 (negative inside the padding).
    """
    return (
        field + (kernel_eff - 1) * jump,  # r_out = r_in + (F_eff − 1) · j_in
        jump * stride,  # j_out = j_in · S
        start - pad_before * jump,  # s_out = s_in − P_before · j_in
    )
