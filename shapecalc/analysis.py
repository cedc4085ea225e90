"""The walk: apply a network's layers to an input shape and collect one :class:`Row` per layer.

Only this module knows how composites (sequence, branches, residual blocks, side heads) route shapes
and receptive fields; each leaf's numbers come from its own rules in :mod:`shapecalc.layers`. The checks
a layer asks for go to a *context*: :class:`NumericContext` raises and warns with the numbers; symbolic
mode and the size scan supply their own contexts with the same three methods.
"""

import gc

from . import formulas as F
from .errors import ConfigError, DivisibilityError, ShapeError
from .layers import Input, Sequential
from .plan import LAYER, MERGE, OPEN, compile_plan
from .shapes import format_shape

__all__ = ["NumericContext", "Row", "walk", "rf_after"]


class NumericContext:
    """Checks on plain integers: an output < 1 or a mismatch raises; real input that a window never reads
    warns, a textbook formula that is not whole makes a note (see shapecalc.coverage).

    ``strict``: False; True or "read" (warnings raise: every real input row must be read); "whole"
    (notes raise too: every (H − F + 2P)/S + 1 must be whole, the textbook rule).

    Every check takes ``message, path, *args``: ``message(*args)`` builds the text, only when the check
    fails (the hot path builds nothing)."""

    symbolic = False
    reads = True

    def __init__(self, strict=False):
        if strict not in (False, True, "read", "whole"):
            raise ConfigError(f"strict must be 'read' or 'whole'; received {strict!r}", "strict")
        self.strict = "read" if strict is True else strict
        self.warnings = []
        self.notes = []

    def fit(self, check, path, *args):
        warning, note = check(*args)
        if warning is not None:
            if self.strict:
                raise DivisibilityError(f"{warning} (--strict: every real input row must be read)", path)
            self.warnings.append(warning)
        if note is not None:
            if self.strict == "whole":
                raise DivisibilityError(f"{note} (--strict-whole: every (H − F + 2P)/S + 1 must be whole)", path)
            self.notes.append(note)

    def positive(self, value, message, path, *args):
        if value < 1:
            raise ShapeError(f"{message(*args)}: the output would be {value}", path)

    def exact(self, numerator, denominator, message, path, *args):
        # the textbook rule alone (a kind that asks it without saying which rows it reads): a note
        if numerator % denominator:
            self.fit(lambda: (None, message(*args)), path)

    def equal(self, a, b, message, path, *args):
        if a != b:
            raise ShapeError(message(*args), path)

    def take_warnings(self):
        out, self.warnings = self.warnings, []
        return out

    def take_notes(self):
        out, self.notes = self.notes, []
        return out


class Row:
    """One layer's figures. Counts are per batch (``batch`` × per-sample) for MACs and activations."""

    __slots__ = (
        "path", "depth", "layer", "input_shape", "output_shape",
        "weights", "biases", "buffers", "trainable", "frozen", "side_head", "leaf",
        "macs", "bias_adds", "activations", "rf", "warnings", "notes",
        # (block rows only) nothing inside is a side head or has fixed parameters: see _Walker._aggregate;
        # and the parameters inside that are not trainable: fixed (RBF centres) or frozen (apply_freeze)
        "plain", "fixed",
    )

    def __init__(self, path, depth, layer, leaf):
        self.path = path
        self.depth = depth
        self.layer = layer
        self.leaf = leaf
        self.input_shape = self.output_shape = None
        self.weights = self.biases = self.buffers = 0
        self.macs = self.bias_adds = self.activations = 0
        self.trainable = layer.trainable
        self.frozen = False
        self.side_head = False
        self.rf = None
        # one shared empty tuple until the row has warnings (a list per row was a tenth of a deep walk's
        # memory, and one more object for the collector to scan)
        self.warnings = ()
        # what is true but no fault: a textbook formula that is not whole where only padding is left over
        self.notes = ()

    # derived figures (name, kind and detail too: most rows of a deep network are never printed, and a
    # kind, a class attribute, is a slow look-up in Python 3.11)
    @property
    def kind(self):
        return self.layer.kind

    @property
    def name(self):
        return self.path.rsplit(".", 1)[-1]

    @property
    def detail(self):
        return self.layer.describe()

    @property
    def params(self):
        # params = weights + biases
        return self.weights + self.biases

    @property
    def trainable_params(self):
        # trainable = params − non-trainable
        return self.params - self.non_trainable_params

    @property
    def non_trainable_params(self):
        # a layer's: all its parameters if they are fixed or frozen; a block's: the sum over its layers
        if not self.leaf:
            return self.fixed
        return self.params if not self.trainable or self.frozen else 0

    @property
    def flops(self):
        # FLOPs = 2 · MACs (a multiply and an add)
        return 2 * self.macs

    @property
    def connections(self):
        # connections = MACs + bias additions (LeNet-5's count)
        return self.macs + self.bias_adds

    @property
    def receptive_field(self):
        """The field's size per axis (H, W; L of a sequence; D, H, W of a volume)."""
        return None if self.rf is None else tuple(a[0] for a in self.rf)

    @property
    def jump(self):
        return None if self.rf is None else tuple(a[1] for a in self.rf)

    @property
    def start(self):
        return None if self.rf is None else tuple(a[2] for a in self.rf)

    def counts(self):
        """The row's counts by name, in the order of the JSON interface (shared by JSON and DataFrames)."""
        return {
            "weights": self.weights,
            "biases": self.biases,
            "params": self.params,
            "trainable_params": self.trainable_params,
            "buffers": self.buffers,
            "macs": self.macs,
            "flops": self.flops,
            "connections": self.connections,
        }

    def __repr__(self):
        return f"Row({self.path!r}, {self.kind}, out={self.output_shape}, params={self.params}, macs={self.macs})"


# ---------------------------------------------------------------------------------------------------------
# receptive field: per axis (size, jump, start, extent) — extent is the spatial length of the current map,
# kept through flatten so that a dense layer can widen the field to the whole map


def rf_initial(shape):
    if len(shape) == 3:
        along_h = (1, 1, 0, shape[0])
        # a square input: one state object for both axes (rf_after keeps them shared while they stay equal)
        return (along_h, along_h if shape[1] is shape[0] else (1, 1, 0, shape[1]))
    if len(shape) in (2, 4):
        # a sequence's L (tokens' N), a volume's D, H and W
        return tuple((1, 1, 0, e) for e in shape[:-1])
    return None


def rf_after(state, step, out_shape):
    """The receptive-field state after a layer whose step is ``step`` (see ``Layer.window``)."""
    if state is None:
        return None
    if len(state) != 2:
        return _rf_after_axes(state, step, out_shape)
    if len(out_shape) == 3:
        e0, e1 = out_shape[0], out_shape[1]
    elif step is None:
        # flatten, dropout, activations on vectors: the state remembers the map the vector came from
        return state
    else:
        # a dense layer has seen the whole map: the next one widens the field no further
        e0 = e1 = 1
    a0, a1 = state
    # each axis written out, without helper calls (they are a fifth of a convolution's walk); where both
    # axes have the same state, step and extent (a square map and window), worked out once and shared
    if step is None:
        # (a merge, a flatten: the field stays, the extent is the new map's)
        if e0 is a0[3] and e1 is a1[3]:
            # the very sizes the state already has (a residual sum after its body): the same state
            return state
        along_h = a0[:3] + (e0,)
        if a1 is a0 and e1 is e0:
            return (along_h, along_h)
        return (along_h, a1[:3] + (e1,))
    k0, k1 = step
    along_h = F.rf_step(a0[0], a0[1], a0[2], k0[0], k0[1], k0[2]) + (e0,)
    if a1 is a0 and k1 is k0 and e1 is e0:
        return (along_h, along_h)
    return (along_h, F.rf_step(a1[0], a1[1], a1[2], k1[0], k1[1], k1[2]) + (e1,))


def _rf_after_axes(state, step, out_shape):
    """:func:`rf_after` for a field along one axis (a sequence) or three (a volume): the same rule per axis."""
    n = len(state)
    if len(out_shape) == n + 1:
        extents = out_shape[:n]
    elif step is None:
        return state  # (a flatten: the state remembers the map the vector came from)
    else:
        extents = (1,) * n  # a dense layer has seen the whole map
    out = []
    for a, k, e in zip(state, step or (None,) * n, extents):
        if type(a[3]) is int and a[3] == 1 and e != 1:
            # every input unit has the same field (after attention): so has every output unit, whatever it
            # reads of them
            out.append(a)
        elif k is None:
            out.append(a[:3] + (e,))  # position for position (an activation, a norm, a per-token dense layer)
        else:
            out.append(F.rf_step(a[0], a[1], a[2], k[0], k[1], k[2]) + (e,))
    return tuple(out)


def _seen_whole(state):
    """The field after a layer each output unit of which sees the whole map (a dense layer, attention): one
    field, shared by every unit (extent 1 along each axis, whatever the output's shape)."""
    return rf_after(state, _dense_step(state), ())


def _dense_step(state):
    # a dense layer on a flattened map sees the whole map: a window of the full extent
    return tuple((e, e, 0) for (_, _, _, e) in state)


def _widest(states):
    """The field after a merge, per axis: the largest field of its inputs, with the jump and start of the
    input that field comes from. An input broadcast over the map (a squeeze-excitation gate, 1×1 after its
    global pool: its extent is 1) gives its field but not its jump: every position sees the whole map
    through it, and the positions still step as the other inputs' do."""
    states = [s for s in states if s is not None]
    if not states:
        return None
    out = []
    for a in range(len(states[0])):
        axis = [s[a] for s in states]
        # the inputs that are not broadcast (extent 1 beside a wider map)
        spread = [t for t in axis if not (type(t[3]) is int and t[3] == 1)] or axis
        try:
            # the first largest, as max(key=...) would give, in plain loops (a residual block's cost)
            best = spread[0]
            for t in spread[1:]:
                if t[0] > best[0]:
                    best = t
            for t in axis:
                if t[0] > best[0]:
                    best = (t[0],) + best[1:]
        except TypeError:
            # symbolic sizes that no comparison decides (a global or adaptive pool in one branch: a field of
            # ⌊W/7⌋ + …): the field is their maximum; jump, start and extent stay the first input's
            size = axis[0][0]
            for t in axis[1:]:
                size = F.maximum(size, t[0])
            best = (size,) + tuple(spread[0][1:])
        out.append(best)
    return tuple(out)


# ---------------------------------------------------------------------------------------------------------
# the walk


class _Walker:
    def __init__(self, ctx, batch, no_bias):
        self.ctx = ctx
        self.batch = batch
        self.no_bias = no_bias
        self.rows = []
        self.side = 0
        # the last output shape whose elements a leaf counted, and that count
        self.counted = None
        self.count = 0

    def _written(self, y):
        """The elements of output ``y`` over the batch. When ``y`` is the very shape object that the row
        before wrote (a ReLU or a BatchNorm after a convolution, a residual sum after its body), its count
        again: one int object for both rows."""
        if y is not self.counted:
            n = self.batch
            for d in y:
                n = n * d
            self.count, self.counted = n, y
        return self.count

    def leaf(self, layer, path, depth, x, rf):
        ctx = self.ctx
        row = Row(path, depth, layer, True)
        batch = self.batch
        passes = layer.passes
        if passes and isinstance(layer, Input):
            if self.rows:
                # an input layer further down would silently be ignored: refuse it
                raise ConfigError(
                    f"an input layer can only come first; here it receives {format_shape(x)} from the layers before it",
                    path,
                )
            y = x
        else:
            y = x if passes else layer.infer(x, ctx, path)
            # the elements this layer writes (the input itself is not counted): self._written(y), written
            # out here because a call per layer costs more than the loop
            if y is self.counted:
                row.activations = self.count
            else:
                n = batch
                for d in y:
                    n = n * d
                row.activations = self.count = n
                self.counted = y
        row.input_shape, row.output_shape = x, y
        if layer.has_counts:
            weights, biases, buffers, macs, bias_adds = layer.counts(x, y)
            if batch != 1:
                # MACs and bias additions are per batch (at batch 1 the rule's own int objects), but for
                # the work a layer does once per forward pass whatever the batch (Swin v2's position-bias MLP)
                once_macs, once_adds = layer.once_per_pass(x, y)
                macs = (macs - once_macs) * batch + once_macs
                bias_adds = (bias_adds - once_adds) * batch + once_adds
            if layer.shares is not None:
                weights = biases = buffers = 0  # (counted where the model holds them)
            row.weights, row.buffers, row.macs = weights, buffers, macs
            if not self.no_bias:
                row.biases, row.bias_adds = biases, bias_adds
        if rf is not None and not passes:
            step = layer.window(x)
            if not layer.known_field:
                # (an upsampling, a layer without rules: the field is unknown from here on)
                rf = None
            elif step is not None:
                rf = rf_after(rf, step, y)
            elif layer.global_field:
                rf = _seen_whole(rf)
            elif y is not x:
                # (a layer with no window that returns its input keeps the field as it is)
                rf = rf_after(rf, None, y)
        row.rf = rf
        if self.side:
            row.side_head = True
        if ctx.warnings:
            row.warnings = ctx.take_warnings()
        if getattr(ctx, "notes", None):
            row.notes = ctx.take_notes()
        self.rows.append(row)
        return y, rf

    def run(self, plan, x, rf):
        """Run ``plan``'s steps on input shape ``x`` with receptive field ``rf``: one row per step but the
        CLOSE steps, which give their block's row its output and its sums."""
        steps = plan.steps
        shapes = [None] * len(steps)
        fields = [None] * len(steps)
        rows_of = {}
        leaf = self.leaf
        for i, step in enumerate(steps):
            op = step.op
            self.side = step.side
            if op is LAYER:
                j = step.inputs[0]
                if j >= 0:
                    shapes[i], fields[i] = leaf(step.node, step.path, step.depth, shapes[j], fields[j])
                else:
                    shapes[i], fields[i] = leaf(step.node, step.path, step.depth, x, rf)
            elif op is MERGE:
                rs = [fields[j] for j in (step.inputs if step.fields is None else step.fields)]
                # a merge's field: the widest of its inputs' (unknown where one of them is)
                shapes[i] = self._merge(step.node, step.path, step.depth, [shapes[j] for j in step.inputs],
                                        None if None in rs else rs[0] if len(rs) == 1 else _widest(rs))
                fields[i] = self.rows[-1].rf
            elif op is OPEN:
                j = step.inputs[0]
                shapes[i], fields[i] = (shapes[j], fields[j]) if j >= 0 else (x, rf)
                row = Row(step.path, step.depth, step.node, False)
                row.input_shape = shapes[i]
                row.side_head = step.side
                self.rows.append(row)
                rows_of[i] = row, len(self.rows)
            else:
                row, first = rows_of.pop(step.block)
                j = step.inputs[0]
                row.output_shape, row.rf = shapes[j], fields[j]
                self._aggregate(row, first)
                j = step.passes_on
                shapes[i], fields[i] = shapes[j], fields[j]
        return self.rows

    def _merge(self, merge, path, depth, inputs, rf):
        row = Row(path, depth, merge, True)
        y = merge.merge(inputs, self.ctx, path)
        row.input_shape, row.output_shape = inputs[0], y
        row.activations = self._written(y)
        row.rf = rf_after(rf, None, y) if rf is not None else None
        row.side_head = self.side > 0
        self.rows.append(row)
        return y

    def _aggregate(self, row, first):
        """A composite's figures: the sums over its direct children (a block child already holds the sums
        of its own; adding only the direct children keeps deep nesting linear)."""
        inner = row.depth + 1
        weights = biases = buffers = macs = bias_adds = activations = 0
        warnings = notes = None
        # plain: no side head and no fixed (untrainable) parameters inside, so that the block's sums are
        # what Summary.totals would add up over its layers (it then reads the block's row instead)
        plain = not row.side_head
        fixed = 0
        for child in self.rows[first:]:
            if child.depth == inner:
                if child.leaf:
                    if child.side_head or not child.trainable:
                        plain = False
                        if not child.trainable:
                            fixed += child.params
                elif not child.plain:
                    plain = False
                    fixed += child.fixed
                weights += child.weights
                biases += child.biases
                buffers += child.buffers
                macs += child.macs
                bias_adds += child.bias_adds
                activations += child.activations
                if child.warnings:
                    if warnings is None:
                        warnings = []
                    warnings.extend(child.warnings)
                if child.notes:
                    notes = [] if notes is None else notes
                    notes.extend(child.notes)
        row.weights, row.biases, row.buffers = weights, biases, buffers
        row.macs, row.bias_adds, row.activations = macs, bias_adds, activations
        row.plain, row.fixed = plain, fixed
        if warnings is not None:
            row.warnings = warnings
        if notes is not None:
            row.notes = notes


def walk(network, input_shape, ctx=None, batch=1, no_bias=False):
    """Apply ``network`` (a :class:`Network`, :class:`Sequential` or single layer) to ``input_shape``.

    Returns the rows in execution order: leaves and, before the leaves they contain, one aggregate row
    per named composite (``row.leaf`` is False).
    """
    return run(plan_of(network, input_shape), input_shape, ctx, batch, no_bias)


def plan_of(network, input_shape):
    """The plan (:mod:`shapecalc.plan`) of ``network`` on ``input_shape``: its layers after an input layer
    of that shape."""
    layers = network.layers if isinstance(network, Sequential) else [network]
    if not layers or not isinstance(layers[0], Input):
        layers = [Input(input_shape, name="input")] + list(layers)
    elif layers[0].shape != tuple(input_shape):
        layers = [Input(input_shape, name=layers[0].name or "input")] + list(layers[1:])
    return compile_plan(layers, getattr(network, "title", None) or "network")


def run(plan, input_shape, ctx=None, batch=1, no_bias=False):
    """The rows of ``plan`` (:func:`plan_of`) on ``input_shape``, as :func:`walk` gives them."""
    ctx = ctx or NumericContext()
    walker = _Walker(ctx, batch, no_bias)
    # The walk allocates rows and shape tuples without reference cycles; Python's cyclic collector would
    # re-scan all of them again and again as they pile up (40% of the time at 100,000 layers, and growing
    # faster than the network): it is paused for the walk.
    collecting = gc.isenabled()
    gc.disable()
    try:
        walker.run(plan, tuple(input_shape), rf_initial(tuple(input_shape)))
    finally:
        if collecting:
            _promote(len(walker.rows))
            gc.enable()
    return walker.rows


#: rows from which a finished walk hands its objects straight to the collector's oldest generation
PROMOTE_ROWS = 5000


def _promote(rows):
    """After a large walk: move the objects it made to the collector's oldest generation.

    They are the result, alive as long as the caller keeps it. Left in the youngest generation, the first
    allocation after the walk would have the collector trace every one of them (a fifth of a
    100,000-layer walk), then again one generation up. ``gc.freeze()`` + ``gc.unfreeze()`` is the
    documented way to put every tracked object in the oldest generation without a trace. Skipped for small
    walks (a few hundred objects cost nothing) and when the program has frozen objects of its own
    (unfreeze would release them).
    """
    if rows >= PROMOTE_ROWS and not gc.get_freeze_count():
        gc.freeze()
        gc.unfreeze()
