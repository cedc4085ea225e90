"""Valid input sizes: which sizes a network accepts, found by one vectorised scan.

Every layer's own rule (:meth:`~shapecalc.layers.Layer.infer`, the same code the numeric table runs) is
evaluated once on a numpy array that holds *every* candidate size of one axis; a :class:`NumpyContext`
replaces the numeric checks: instead of raising, it marks the candidate sizes that fail (an output < 1,
mismatched branch shapes) and those where a division is not exact.

The scan walks only the shapes (no parameters, MACs or receptive fields) and, between the layers of the
main path, merges the candidates that have come to the same size: all later layers see them alike, so
ResNet-152's 1,000,000 candidates shrink to a few tens of thousands after its strided stem. The failures
found before a merge are kept per candidate, so the answer is the numeric mode's for every size.

>>> from shapecalc.zoo import get
>>> result = scan_axis(get("cnn-39x31"), "h", 1, 64)
>>> result.smallest   # conv4 needs 2 → pool3 4 → conv3 6 → pool2 12 → conv2 14 → pool1 28 → conv1 31
31
"""

from .coverage import unread
from .errors import ConfigError, ShapeError
from .layers import Input, Layer, _Windowed
from .plan import LAYER, MERGE, OPEN
from .shapes import format_shape

__all__ = ["NumpyContext", "scan_axis", "ScanResult", "valid_inputs", "valid_inputs_command", "parse_range"]

DEFAULT_RANGE = (1, 2048)


def _is_plain(value):
    return isinstance(value, int)


class NumpyContext:
    """The checks on numpy arrays of sizes: failing candidates are marked, nothing is raised.

    ``fail`` (output < 1 or mismatched shapes on the main path), ``side_fail`` (the same in a side head)
    and ``inexact`` (a division that is not exact) are boolean arrays, or False while nothing failed.
    A check that fails for every size at once (plain integers, e.g. mismatched channel counts) raises as
    in the numeric mode: it does not depend on the input size.
    """

    symbolic = False
    reads = False  # the textbook rule only (ctx.exact), not which input rows are read

    def __init__(self, per_axis=False, coverage=False):
        # per_axis: the scan of one axis, the other a plain integer; an inexact division of plain integers
        # belongs to that other axis (or to the channels) and is not the scanned sizes' doing
        self.per_axis = per_axis
        self.warnings = []
        self.fail = False
        self.side_fail = False
        self.inexact = False
        self.side_inexact = False
        # (coverage, where asked) some real input row no window reads: the numeric mode's ⚠ warnings
        self.coverage = coverage
        self.uncovered = False
        self.side_uncovered = False
        self.side = False

    def take_warnings(self):
        return []

    def _mark(self, bad):
        if self.side:
            self.side_fail = self.side_fail | bad
        else:
            self.fail = self.fail | bad

    def positive(self, value, message, path, *args):
        if _is_plain(value):
            if value < 1:
                self._mark(True)
            return
        self._mark(value < 1)

    def exact(self, numerator, denominator, message, path, *args):
        if _is_plain(denominator) and denominator == 1:
            return
        if _is_plain(numerator) and _is_plain(denominator):
            bad = bool(numerator % denominator) and not self.per_axis
            if not bad:
                return
        else:
            bad = numerator % denominator != 0
        if self.side:
            self.side_inexact = self.side_inexact | bad
        else:
            self.inexact = self.inexact | bad

    def cover(self, layer, a, x, pads, o):
        """Mark the sizes at which axis ``a``'s windows leave a real input row unread (coverage.unread's
        answer, in closed form over arrays of sizes)."""
        import numpy as np

        n, pb = x[a], pads[a][0]  # (the padding after: the last window's end says it)
        if all(_is_plain(v) for v in (n, pb, o)):
            if self.per_axis:
                return  # the other axis's doing, not the scanned sizes'
            bad = n >= 1 and o >= 1 and unread(n, layer.kernel[a], layer.stride[a], layer.dilation[a], pb, o) != []
        elif layer.dilation[a] == 1:
            k, s = layer.kernel[a], layer.stride[a]
            # the last window ends at (O − 1)·S − P_before + F: the rows after it are never read
            bad = (o - 1) * s - pb + k < n
            if s > k:
                # gap i (between windows i and i + 1) is [i·S − P + F, (i + 1)·S − P); it holds a real row
                # when ⌊P / S⌋ ≤ i ≤ min(O − 2, ⌈(N + P − F) / S⌉ − 1)
                bad = bad | (pb // s <= np.minimum(o - 2, -((-(n + pb - k)) // s) - 1))
        else:
            # a dilated kernel's holes: size by size (rare, and small ranges)
            shape = np.broadcast(n, pb, o).shape
            n, pb, o = (np.broadcast_to(np.asarray(v), shape) for v in (n, pb, o))
            # (sizes that already failed carry sizes below 1: nothing to read there, and they are marked)
            bad = np.array([a_ >= 1 and c_ >= 1 and unread(int(a_), layer.kernel[a], layer.stride[a],
                                                           layer.dilation[a], int(b_), int(c_)) != []
                            for a_, b_, c_ in zip(n.ravel(), pb.ravel(), o.ravel())], dtype=bool).reshape(shape)
        if self.side:
            self.side_uncovered = self.side_uncovered | bad
        else:
            self.uncovered = self.uncovered | bad

    def equal(self, a, b, message, path, *args):
        for u, v in zip(a, b):
            if _is_plain(u) and _is_plain(v):
                if u != v:
                    # a channel mismatch: no input size can fix it
                    raise ShapeError(message(*args), path)
            else:
                self._mark(u != v)


# ---------------------------------------------------------------------------------------------------------
# the shape-only scan


class _Level:
    """The candidates at one stage of the scan; ``parent`` maps the previous level's positions to ours."""

    __slots__ = ("parent", "fail", "side_fail", "inexact", "side_inexact", "uncovered", "side_uncovered")

    def __init__(self, parent):
        self.parent = parent
        self.fail = self.side_fail = self.inexact = self.side_inexact = False
        self.uncovered = self.side_uncovered = False


class _Scan:
    def __init__(self, narrow=False, coverage=False):
        self.ctx = NumpyContext(per_axis=True, coverage=coverage)
        self.narrow = narrow
        self.levels = [_Level(None)]

    def _close_level(self):
        level, ctx = self.levels[-1], self.ctx
        level.fail, level.side_fail, level.inexact, level.side_inexact, level.uncovered, level.side_uncovered = (
            ctx.fail, ctx.side_fail, ctx.inexact, ctx.side_inexact, ctx.uncovered, ctx.side_uncovered)
        ctx.fail = ctx.side_fail = ctx.inexact = ctx.side_inexact = ctx.uncovered = ctx.side_uncovered = False

    def _widen(self, x):
        import numpy as np

        self.narrow = False
        return tuple(d if _is_plain(d) else d.astype(np.int64) for d in x)

    def compress(self, x):
        """Merge the candidates whose current shape is the same (sizes are non-decreasing in the input)."""
        import numpy as np

        arrays = [d for d in x if not _is_plain(d)]
        if len(arrays) != 1:
            return x
        values = arrays[0]
        if values.size < 2:
            return x
        step = values[1:] != values[:-1]
        if step.all():
            return x
        if (values[1:] < values[:-1]).any():
            return x  # not sorted: leave it (never the case for the layer rules we know)
        self._close_level()
        first = np.empty(values.size, dtype=bool)
        first[0] = True
        first[1:] = step
        parent = np.cumsum(first) - 1
        self.levels.append(_Level(parent))
        kept = values[first]
        return tuple(kept if d is values else d for d in x)

    def finish(self):
        """Pull the marks of every level back to the original candidates."""

        self._close_level()
        marks = [False] * 6
        for level in reversed(self.levels):
            own = (level.fail, level.side_fail, level.inexact, level.side_inexact, level.uncovered,
                   level.side_uncovered)
            marks = [m | o for m, o in zip(marks, own)]
            if level.parent is not None:
                marks = [m if isinstance(m, bool) else m[level.parent] for m in marks]
        return marks

    # -- the walk: the plan's steps (shapecalc.plan), shapes only --
    def run(self, plan, x):
        values = [None] * len(plan.steps)
        ctx = self.ctx
        for i, step in enumerate(plan.steps):
            op = step.op
            ctx.side = step.side
            if op is LAYER:
                j = step.inputs[0]
                values[i] = self.leaf(step.node, step.path, x if j < 0 else values[j])
            elif op is MERGE:
                values[i] = step.node.merge([values[j] for j in step.inputs], ctx, step.path)
            elif op is OPEN:
                j = step.inputs[0]
                values[i] = x if j < 0 else values[j]
            else:
                values[i] = values[step.passes_on]
            if step.main:
                # the end of one of the network's own children: its output is the only live value
                values[i] = self.compress(values[i])
        return values[plan.output]

    def leaf(self, layer, path, x):
        if isinstance(layer, Input):
            return x
        if self.narrow and not isinstance(layer, _Windowed) and type(layer).infer is not Layer.infer:
            # sizes are scanned as int32 (twice as fast); a window never grows them, but a flatten
            # multiplies them: go to int64 before any other layer rule
            x = self._widen(x)
        return layer.infer(x, self.ctx, path)


class ScanResult:
    """The outcome of scanning one axis over ``lo … hi``: boolean arrays indexed by ``size − lo``."""

    #: the bits of ``flags``: the main path gives an output (inference); … and every side head too
    #: (training); the main path runs and every division on it is exact; … side heads included (the
    #: numeric mode's warnings)
    RUNS, RUNS_WITH_SIDE_HEADS, EXACT, EXACT_WITH_SIDE_HEADS = 1, 2, 4, 8
    #: … and every window reads every real input row (no ⚠ warning; the other notion, shapecalc.coverage)
    COVERED, COVERED_WITH_SIDE_HEADS = 16, 32

    def __init__(self, axis, lo, hi, flags, coverage=False):
        self.axis, self.lo, self.hi = axis, lo, hi
        self.coverage = coverage  # whether the COVERED bits were worked out (scan_axis(coverage=True))
        # one byte a size for the four answers (10^8 sizes: 100 MB, not 400)
        self.flags = flags

    @property
    def runs(self):
        return (self.flags & self.RUNS) != 0

    @property
    def runs_with_side_heads(self):
        return (self.flags & self.RUNS_WITH_SIDE_HEADS) != 0

    @property
    def exact(self):
        return (self.flags & self.EXACT) != 0

    @property
    def exact_with_side_heads(self):
        return (self.flags & self.EXACT_WITH_SIDE_HEADS) != 0

    def _coverage(self, bit):
        if not self.coverage:
            raise ConfigError("this scan did not work out coverage: scan_axis(..., coverage=True)", "covered")
        return (self.flags & bit) != 0

    @property
    def covered(self):
        return self._coverage(self.COVERED)

    @property
    def covered_with_side_heads(self):
        return self._coverage(self.COVERED_WITH_SIDE_HEADS)

    @property
    def smallest_covered(self):
        return self._first(self.covered)

    def _sizes(self, mask):
        import numpy as np

        return (np.flatnonzero(mask) + self.lo).tolist()

    def _first(self, mask):
        import numpy as np

        # (argmax: the first True, without listing every valid size)
        first = int(np.argmax(mask))
        return first + self.lo if mask.size and mask[first] else None

    @property
    def smallest(self):
        return self._first(self.runs)

    @property
    def smallest_exact(self):
        return self._first(self.exact)

    @property
    def smallest_with_side_heads(self):
        return self._first(self.runs_with_side_heads)

    def _mask(self, exact, covered=False):
        return self.covered if covered else self.exact if exact else self.runs

    def sizes(self, exact=False, covered=False):
        return self._sizes(self._mask(exact, covered))

    def count(self, exact=False, covered=False):
        """How many sizes (without listing them)."""
        return int(self._mask(exact, covered).sum())

    def compact(self, exact=False, covered=False):
        """:func:`compact` of the sizes, worked out from the flags without listing every size."""
        return compact_mask(self._mask(exact, covered), self.lo)


#: the axes scanned, by the input's rank: a sequence's L, a map's H and W, a volume's D, H and W
AXES = {2: "l", 3: "hw", 4: "dhw"}


def _input_shape(network, input=None):
    shape = input if input is not None else getattr(network, "input_shape", None)
    if shape is None:
        raise ConfigError("this network has no default input: give --input HxWxC", "--valid-inputs")
    shape = tuple(shape)
    if len(shape) not in AXES or not all(_is_plain(d) for d in shape):
        raise ConfigError(f"--valid-inputs needs a numeric input H×W×C (or a sequence L×C, a volume D×H×W×C), "
                          f"received {shape!r}", "--valid-inputs")
    return shape


def scan_axis(network, axis, lo, hi, input=None, coverage=False):
    """Scan input sizes ``lo … hi`` of ``axis`` ("h" or "w"; "l" of a sequence; "d", "h" or "w" of a
    volume), the other axes at the input's sizes; ``coverage``: also which sizes leave no real input row
    unread (``ScanResult.covered``)."""
    import numpy as np

    if not (_is_plain(lo) and _is_plain(hi)) or lo < 1 or hi < lo:
        raise ConfigError(f"expected a range 1 ≤ LO ≤ HI, received {lo}:{hi}", "--range")
    shape = _input_shape(network, input)
    axes = AXES[len(shape)]
    if not isinstance(axis, str) or len(axis) != 1 or axis not in axes:
        raise ConfigError(f"axis must be {' or '.join(repr(a) for a in axes)} for an input of {len(shape)} sizes, "
                          f"received {axis!r}", "--valid-inputs")
    index = axes.index(axis)
    from .analysis import plan_of

    plan = plan_of(network, shape)
    n = hi - lo + 1
    # four answers a size, in one byte, filled chunk by chunk: the scan's own arrays are a chunk's, whatever
    # the range
    flags = np.empty(n, dtype=np.uint8)
    for start in range(lo, hi + 1, CHUNK):
        stop = min(hi, start + CHUNK - 1)
        narrow = stop < 2**30 and max(shape) < 2**30
        sizes = np.arange(start, stop + 1, dtype=np.int32 if narrow else np.int64)
        x = shape[:index] + (sizes,) + shape[index + 1:]
        scan = _Scan(narrow, coverage)
        scan.run(plan, x)
        m = sizes.size
        fail, side, inexact, side_inexact, uncovered, side_uncovered = (
            np.broadcast_to(np.asarray(f, dtype=bool), (m,)) for f in scan.finish())
        runs = ~fail
        exact = runs & ~inexact
        covered = runs & ~uncovered
        flags[start - lo:start - lo + m] = (runs * ScanResult.RUNS + (runs & ~side) * ScanResult.RUNS_WITH_SIDE_HEADS
                                            + exact * ScanResult.EXACT
                                            + (exact & ~side & ~side_inexact) * ScanResult.EXACT_WITH_SIDE_HEADS
                                            + covered * ScanResult.COVERED
                                            + (covered & ~side & ~side_uncovered) * ScanResult.COVERED_WITH_SIDE_HEADS)
    return ScanResult(axis, lo, hi, flags, coverage)


#: sizes scanned at once: the scan's working arrays are this long whatever the range (about 100 MB)
CHUNK = 1 << 22


def valid_inputs(network, lo=None, hi=None, input=None):
    """``{"h": ScanResult, "w": ScanResult}`` over ``lo … hi`` (default 1 … 2048); a sequence's ``"l"``, a
    volume's ``"d"``, ``"h"`` and ``"w"``."""
    lo = DEFAULT_RANGE[0] if lo is None else lo
    hi = DEFAULT_RANGE[1] if hi is None else hi
    axes = AXES[len(_input_shape(network, input))]
    return {axis: scan_axis(network, axis, lo, hi, input) for axis in axes}


def parse_range(text):
    """``"LO:HI"`` → (LO, HI)."""
    if text is None:
        return DEFAULT_RANGE
    parts = str(text).replace("..", ":").split(":")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ConfigError(f"expected a range LO:HI such as 1:2048, received {text!r}", "--range")
    lo, hi = int(parts[0]), int(parts[1])
    if lo < 1 or hi < lo:
        raise ConfigError(f"expected 1 ≤ LO ≤ HI, received {lo}:{hi}", "--range")
    if hi - lo >= 100_000_000:
        raise ConfigError(f"a range of at most 100,000,000 sizes, received {hi - lo + 1:,}", "--range")
    return lo, hi


def compact(sizes):
    """``[1, 2, 3, 7, 11, 15]`` → ``"1–3, 7–15 step 4"``: runs and arithmetic progressions."""
    if not sizes:
        return "none"
    parts = []
    i = 0
    while i < len(sizes):
        j = i
        if i + 1 < len(sizes):
            step = sizes[i + 1] - sizes[i]
            while j + 1 < len(sizes) and sizes[j + 1] - sizes[j] == step:
                j += 1
            if j - i >= 2 or (j > i and step == 1):
                parts.append(f"{sizes[i]}–{sizes[j]}" + (f" step {step}" if step != 1 else ""))
                i = j + 1
                continue
        parts.append(str(sizes[i]))
        i += 1
    return ", ".join(parts)


def compact_mask(mask, lo):
    """:func:`compact` of the sizes ``lo + i`` where ``mask[i]``, worked out with numpy without listing every
    size: runs of consecutive sizes, and the lone sizes between them as progressions (``31–295 step 8``)."""
    import numpy as np

    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return "none"
    # where runs start (a size valid after one that is not) and end
    change = np.flatnonzero(mask[1:] != mask[:-1]) + 1
    starts = np.concatenate(([0] if mask[0] else [], change[mask[change]])).astype(np.int64) + lo
    ends = np.concatenate((change[~mask[change]] - 1, [mask.size - 1] if mask[-1] else [])).astype(np.int64) + lo
    long_run = np.flatnonzero(ends > starts)
    parts, done = [], 0
    for k in long_run.tolist():
        if k > done:
            parts.append(_progressions(starts[done:k]))
        parts.append(f"{starts[k]}–{ends[k]}")
        done = k + 1
    if done < starts.size:
        parts.append(_progressions(starts[done:]))
    return ", ".join(parts)


def _progressions(sizes):
    """:func:`compact` of sorted lone sizes (a numpy array), the same greedy reading, a step at a time over
    the stretches of equal differences rather than a size at a time."""
    import numpy as np

    n = sizes.size
    gaps = np.diff(sizes)
    # for each gap, the last gap of the stretch of equal gaps it belongs to
    breaks = np.flatnonzero(gaps[1:] != gaps[:-1])
    last = np.concatenate((breaks, [gaps.size - 1])) if gaps.size else np.array([], dtype=np.int64)
    parts, i = [], 0
    while i < n:
        if i + 1 < n:
            j = int(last[np.searchsorted(last, i)]) + 1  # the last size of the progression from i
            step = int(gaps[i])
            if j - i >= 2 or (j > i and step == 1):
                parts.append(f"{sizes[i]}–{sizes[j]}" + (f" step {step}" if step != 1 else ""))
                i = j + 1
                continue
        parts.append(str(sizes[i]))
        i += 1
    return ", ".join(parts)


def valid_inputs_command(network, args):
    """The text (or JSON) of ``shapecalc NAME --valid-inputs [--range LO:HI] [--exact]``."""
    lo, hi = parse_range(getattr(args, "range", None))
    input = None
    if getattr(args, "input", None):
        from .shapes import parse_shape

        input = parse_shape(args.input, what="--input")
    exact = bool(getattr(args, "exact", False))
    covered = bool(getattr(args, "covered", False))
    if exact and covered:
        raise ConfigError("--exact (the textbook rule) and --covered (every input row read) are two questions: "
                          "ask one at a time", "--covered")
    # one axis at a time: each result's flags are 4 bytes a size, and the next axis does not need them
    axes = AXES[len(_input_shape(network, input))]
    results = ((axis, scan_axis(network, axis, lo, hi, input, coverage=covered)) for axis in axes)
    name = getattr(network, "title", None) or getattr(args, "name", None) or "network"
    fmt = getattr(args, "format", "text") or "text"
    if fmt == "json":
        import json

        axes = {}
        for axis, r in results:
            axes[axis] = {
                "smallest": r.smallest,
                "smallest_exact": r.smallest_exact,
                "smallest_covered": r.smallest_covered if covered else None,
                "smallest_with_side_heads": r.smallest_with_side_heads,
                "sizes": r.sizes(exact, covered),
            }
        # one line: the size lists are long (pipe to jq for a pretty view)
        return json.dumps({"model": name, "range": [lo, hi], "exact": exact, "covered": covered, "axes": axes},
                          ensure_ascii=False)
    shape = _input_shape(network, input)
    what = "read every input row" if covered else "divide exactly" if exact else "give an output"
    others = {2: "input", 3: "the other axis at its default, input", 4: "the other axes at their defaults, input"}
    lines = [f"{name} — input sizes {lo}…{hi} that {what} ({others[len(shape)]} {format_shape(shape)})"]
    for axis, r in results:
        label = axis.upper()
        lines.append(f"{label}: smallest {r.smallest if r.smallest is not None else 'none'}"
                     f", smallest exact {r.smallest_exact if r.smallest_exact is not None else 'none'}"
                     + (f", smallest reading every row {r.smallest_covered if r.smallest_covered is not None else 'none'}"
                        if covered else "")
                     + (f", smallest with side heads (training) {r.smallest_with_side_heads}"
                        if r.smallest_with_side_heads != r.smallest else ""))
        lines.append(f"   {r.count(exact, covered):,} sizes: {r.compact(exact, covered)}")
    from .coverage import COVERED_NOTION, NOTION

    lines.append(COVERED_NOTION if covered else NOTION)
    return "\n".join(lines)
