"""Which real input rows a sliding window never reads, and whether the textbook formula is whole.

Two notions, each stated for what it is:

* **the textbook rule**: (H − F + 2P)/S + 1 is a whole number (the course asks for natural numbers);
* **coverage**: every real input row (or column) is read by at least one window. A window can leave rows
  unread at the end (the floor drops a last, partial window), between windows (a stride larger than the
  window's span) and in the holes of a dilated kernel.

A non-whole formula does not mean unread input: ResNet's 7×7/2 stem on 224 with padding 3 gives
(224 − 7 + 2·3)/2 + 1 = 112.5, and the half window the floor drops would have covered only padding — PyTorch
reads every one of the 224 rows. A whole formula does not mean full coverage either: a 1×1/2 convolution on 55
gives (55 − 1)/2 + 1 = 28 and never reads the 27 odd rows.

>>> unread(224, 7, 2, 1, 3, 112)
[]
>>> unread(56, 1, 2, 1, 0, 28)[:3], len(unread(56, 1, 2, 1, 0, 28))
([(1, 2), (3, 4), (5, 6)], 28)
>>> unread(224, 11, 4, 1, 0, 54)      # (224 − 11)/4 + 1 = 54.25: the last window ends at row 222
[(223, 224)]
"""

__all__ = ["unread", "unread_count", "describe_rows", "NOTION", "COVERED_NOTION"]

#: what "exact" means here, and where the other notion is (shared with --valid-inputs)
NOTION = ("(\"exact\": the textbook rule, every (H − F + 2P)/S + 1 a whole number. Whether every real input "
          "row is read is another question: --valid-inputs --covered scans for it, the table at one size warns ⚠ "
          "about rows no window reads, and --strict refuses them.)")
COVERED_NOTION = ("(\"reading every row\": every real input row and column is read by some window of every "
                  "layer, as the table's ⚠ warnings count them; --exact asks the other question, the textbook rule "
                  "that every (H − F + 2P)/S + 1 is whole.)")


# beyond this many window taps the exact set is not worked out (no claim is made either way)
_MAX_TAPS = 1_000_000


def unread(size, kernel, stride, dilation, pad_before, out):
    """The real input positions ``[0, size)`` that none of the ``out`` windows reads, as sorted half-open
    intervals; ``None`` when the input is too large to work it out. Window ``i`` reads
    ``i·S − P_before + j·D`` for ``j = 0 … F − 1`` (PyTorch's and the textbook's sliding window)."""
    if dilation == 1:
        # each window is a run of F rows: the gaps between consecutive runs, the head and the tail
        return _unread_runs(size, kernel, stride, pad_before, out)
    if out * kernel > _MAX_TAPS or size > _MAX_TAPS:
        return None
    read = bytearray(size)
    for i in range(out):
        start = i * stride - pad_before
        for j in range(kernel):
            p = start + j * dilation
            if 0 <= p < size:
                read[p] = 1
    return _runs_of_zeros(read)


def _unread_runs(size, kernel, stride, pad_before, out):
    if stride <= kernel:
        # the windows overlap or touch: they read one run, from the first window's start to the last's end
        first, last = -pad_before, (out - 1) * stride - pad_before + kernel
        return _clip([(0, first), (last, size)], size)
    if out > _MAX_TAPS:
        return None
    gaps = [(0, -pad_before)]
    gaps += [(i * stride - pad_before + kernel, (i + 1) * stride - pad_before) for i in range(out - 1)]
    gaps.append(((out - 1) * stride - pad_before + kernel, size))
    return _clip(gaps, size)


def _clip(intervals, size):
    out = []
    for a, b in intervals:
        a, b = max(a, 0), min(b, size)
        if a < b:
            out.append((a, b))
    return out


def _runs_of_zeros(flags):
    runs, start = [], None
    for p, f in enumerate(flags):
        if not f and start is None:
            start = p
        elif f and start is not None:
            runs.append((start, p))
            start = None
    if start is not None:
        runs.append((start, len(flags)))
    return runs


def unread_count(intervals):
    return sum(b - a for a, b in intervals)


def describe_rows(intervals, word):
    """``intervals`` of unread positions in words: "row 223", "rows 221–223", "rows 1, 3, …, 55"."""
    singles = all(b - a == 1 for a, b in intervals)
    count = unread_count(intervals)
    plural = word + ("s" if count > 1 else "")
    if len(intervals) == 1:
        a, b = intervals[0]
        return f"{plural} {a}" if b - a == 1 else f"{plural} {a}–{b - 1}"
    if singles and len(intervals) <= 4:
        return f"{plural} " + ", ".join(str(a) for a, _ in intervals)
    steps = {intervals[i + 1][0] - intervals[i][0] for i in range(len(intervals) - 1)}
    if singles and len(steps) == 1:
        (a, _), (b, _), (z, _) = intervals[0], intervals[1], intervals[-1]
        return f"{plural} {a}, {b}, …, {z}"
    shown = ", ".join(str(a) if b - a == 1 else f"{a}–{b - 1}" for a, b in intervals[:3])
    return f"{plural} {shown}, …"
