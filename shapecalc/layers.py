"""Layer kinds: each states, once, its output shape, weights, biases, MACs and receptive-field step.

A leaf layer answers, for an input shape ``x`` and its output ``y``:

- ``infer(x, ctx, path)``: the output shape; every check (output ≥ 1, divisibility, matching shapes)
  goes through ``ctx`` so that the numeric table raises or warns, symbolic mode records a constraint and
  the vectorised scan masks the sizes that fail;
- ``counts(x, y)``: the tuple ``(weights, biases, buffers, macs, bias_adds)``, per sample: learnable
  weights and biases (``trainable = False`` marks them fixed), non-trainable buffers (BatchNorm running
  mean and variance), multiply-accumulates with the bias excluded, and the additions a bias makes
  (LeNet-5's "connections" are ``macs + bias_adds``); ``weights(x, y)`` … ``bias_adds(x, y)`` read one of
  them;
- ``window(x)``: the receptive-field step per axis, ``((F_eff, S, P_before), (F_eff, S, P_before))``, or
  ``None`` where the layer maps each position to itself.

Composites (:class:`Sequential`, :class:`Branches`, :class:`Residual`, :class:`SideHead`) only arrange
leaves; :mod:`shapecalc.analysis` walks them.
"""

from . import conventions as C
from . import formulas as F
from . import saved as S
from .errors import ConfigError, ShapeError
from .shapes import MAX_SIZE, format_shape



# ---------------------------------------------------------------------------------------------------------
# argument helpers


def _pair(value, what, name, minimum=1):
    """An int or a pair of ints, each ≥ minimum, as a pair."""
    if type(value) is int and minimum <= value <= MAX_SIZE:
        return (value, value)  # the usual argument, in one test (a bool is not of type int)
    if isinstance(value, (tuple, list)) and len(value) == 2:
        pair = tuple(value)
    else:
        pair = (value, value)
    for v in pair:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ConfigError(f"{what} must be a whole number or a pair of them, received {value!r}", name)
        if v < minimum:
            raise ConfigError(f"{what} must be at least {minimum}, received {value!r}", name)
        if v > MAX_SIZE:
            raise ConfigError(f"{what} {v} is larger than the limit {MAX_SIZE:,}", name)
    return pair


def _padding(value, name):
    """Padding as an int, a pair, ``((top, bottom), (left, right))`` (ONNX's asymmetric pads), "valid" or
    "same"; stored as a pair of ints, the pair of pairs where a side differs, or the string."""
    if isinstance(value, str):
        text = value.lower()
        if text not in ("valid", "same"):
            raise ConfigError(f"padding must be a whole number, a pair, 'valid' or 'same', received {value!r}", name)
        return (0, 0) if text == "valid" else "same"
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, (tuple, list)) for v in value):
        sides = (_pair(value[0], "padding", name, minimum=0), _pair(value[1], "padding", name, minimum=0))
        if sides[0][0] == sides[0][1] and sides[1][0] == sides[1][1]:
            return (sides[0][0], sides[1][0])  # symmetric after all: the usual pair
        return sides
    return _pair(value, "padding", name, minimum=0)


def _positive_int(value, what, name):
    if type(value) is int and 1 <= value <= MAX_SIZE:
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{what} must be a whole number ≥ 1, received {value!r}", name)
    if value > MAX_SIZE:
        raise ConfigError(f"{what} {value} is larger than the limit {MAX_SIZE:,}", name)
    return value


def _flag(value, what, name):
    """A yes/no argument: True, False (or 1, 0). ``bias="no"`` would otherwise silently mean True."""
    if value is True or value is False or (type(value) is int and value in (0, 1)):
        return bool(value)
    if type(value).__name__ == "bool_":  # numpy.bool_
        return bool(value)
    raise ConfigError(f"{what} must be True or False, received {value!r}", name)


def _number(value, what, name, positive=False):
    """A finite real number (BatchNorm's eps, LRN's alpha …); these change values, never counts."""
    # x − x is 0 for every finite float and NaN for ±inf and NaN (no math import on the start-up path; an
    # int is always finite, however large, where math.isfinite raised OverflowError past 10^308)
    if type(value) is float and value - value == 0 and (value > 0 or not positive):
        return value  # the usual argument (eps=1e-5), in one test
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float)
                                                                         and value - value != 0):
        raise ConfigError(f"{what} must be a finite number, received {value!r}", name)
    if positive and value <= 0:
        raise ConfigError(f"{what} must be greater than 0, received {value!r}", name)
    return value


# ---------------------------------------------------------------------------------------------------------
# PyTorch's argument names and order. The classes that share a name with a torch.nn module take the sizes
# the input decides from the input (Conv2d(64, 3): 64 filters of 3×3, Keras' order), so PyTorch's leading
# input size would shift every argument along: Conv2d(3, 8, 3) meant 3 filters of 8×8 at stride 3. Past the
# arguments that mean the same in both (filters and kernel; a pool's kernel, stride and padding), the
# arguments go by name, and a call in PyTorch's order is refused with its translation; PyTorch's names
# (in_channels, out_channels, kernel_size, in_features, …) are accepted, the input sizes among them checked
# against the input.


def _args_text(args, kwargs=()):
    return ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs])


def _torch_order(cls, args, ours, theirs, name):
    """The error for positional arguments in PyTorch's order: ``cls(*args)``, what shapecalc's class takes
    (``ours``), and the calls that mean PyTorch's call here (``theirs``: none, one or two)."""
    given = f"{cls}({_args_text(args)})"
    instead = f"; write PyTorch's {given} as {' or as '.join(theirs)}" if theirs else ""
    return ConfigError(f"{given}: {ours}{instead}", name)


def _either(ours, torch_value, what, torch_name, name):
    """An argument given by shapecalc's name or PyTorch's (``filters`` or ``out_channels``), not both."""
    if torch_value is None:
        return ours
    if ours is not None and ours != torch_value:
        raise ConfigError(f"{what}={ours!r} and {torch_name}={torch_value!r} name the same argument: give one", name)
    return torch_value


def _expect(expected, actual, what, path):
    """An input size that the layer was given by PyTorch's name (in_channels=…), against the input's."""
    if expected is not None and type(actual) is int and actual != expected:
        raise ShapeError(f"{what} is {expected}, but the input has {actual}", path)


#: how a network's forward can compute a layer (the ``call`` field of ReLU and the pools): through an nn
#: module ("module"), a bare functional ("functional": ``F.relu(x)``, ``F.avg_pool2d(x, 3, 1, 1)``), or,
#: for the global average, the tensor method ``x.mean([2, 3])`` ("mean"). Shapes, parameters and MACs are
#: the same; only what the counting tools see differs (``conventions.PTFLOPS_PER_CALL``)
CALLS = ("module", "functional", "mean")


def _call(value, ways, name):
    """A ``call`` argument: one of ``ways``."""
    if isinstance(value, str) and value in ways:
        return value
    raise ConfigError(f"call must be {' or '.join(repr(w) for w in ways)}, received {value!r}", name)


def _pad_text(pads):
    """``0``, ``2`` or ``1+2×0`` for ((top, bottom), (left, right)) padding (one pair per axis)."""
    sides = ["{}".format(p[0]) if p[0] == p[1] else f"{p[0]}+{p[1]}" for p in pads]
    return sides[0] if len(set(sides)) == 1 else "×".join(sides)


def _kxk(sizes):
    """``3×5``: a size per axis."""
    return "×".join(str(k) for k in sizes)


def _require_map(x, path, kind):
    if len(x) == 2:
        raise ShapeError(f"{kind} expects a feature map H×W×C, received tokens or a sequence {format_shape(x)} (an "
                         "input of two sizes is a sequence L×C: a map has three, H×W×C)", path)
    if len(x) == 4:
        raise ShapeError(f"{kind} expects a feature map H×W×C, received a volume {format_shape(x)} (its 3-D kinds: "
                         "conv3d, maxpool3d, avgpool3d)", path)
    if len(x) != 3:
        raise ShapeError(
            f"{kind} expects a feature map H×W×C, received a vector of {format_shape(x)}"
            + (" (a vector comes from a flatten, a global pool, a dense layer or a 1-D input)" if kind != "flatten" else ""),
            path,
        )


def _require_numeric_channels(x, path, kind):
    """Checks on the channel count need a number: symbolic sizes are for H and W (a letter for C used to
    reach a Python comparison of sympy expressions: a TypeError)."""
    import numbers

    if not isinstance(x[2], numbers.Integral):
        raise ConfigError(f"{kind} needs a whole-number channel count, received {x[2]} (letters are for H and W)",
                          path)


def _require_vector(x, path, kind):
    if len(x) != 1:
        raise ShapeError(
            f"{kind} expects a vector, received the feature map {format_shape(x)}: add a flatten (or a global "
            f"pool) before it",
            path,
        )


def _check_kind(cls):
    """A kind is a word that does not end in a digit: unnamed layers are called kind + running number
    (conv1, conv2 …), which a kind such as "conv1" would make ambiguous."""
    kind = cls.kind
    if not isinstance(kind, str) or not kind.isidentifier() or kind[-1].isdigit():
        raise ConfigError(f"a layer kind must be a word that does not end in a digit, received {kind!r}",
                          cls.__name__)


# ---------------------------------------------------------------------------------------------------------
# base class

#: the counts of a layer without parameters or arithmetic: (weights, biases, buffers, macs, bias_adds)
_NOTHING = (0, 0, 0, 0, 0)


#: every layer kind by its name, filled as the classes are defined (``Layer.__init_subclass__``): the spec
#: vocabulary, the PyTorch builder, the conventions and the conformance tests all read this one table
KINDS = {}


def _register(cls):
    """Register ``cls`` under its kind when it names one of its own (private bases such as ``_Pool`` name
    none); a second class with the same kind is refused."""
    if "kind" not in cls.__dict__:
        return
    _check_kind(cls)
    known = KINDS.get(cls.kind)
    # (the same class defined again, as a module reload does, replaces itself)
    if known is not None and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
        raise ConfigError(f"two layer classes claim the kind {cls.kind!r}: {known.__qualname__} and {cls.__qualname__}",
                          cls.__name__)
    KINDS[cls.kind] = cls


def _walk_flags(layer):
    """Copy the class attributes that the walk reads for every layer onto the layer itself: Python 3.11
    has no fast path for a class attribute read through an instance (about 190 machine instructions, an
    instance attribute about 15), and the walk reads these once or twice per row."""
    cls = type(layer)
    layer.kind = cls.kind
    layer.trainable = cls.trainable
    if isinstance(layer, Layer):
        layer.has_counts = cls.has_counts
        layer.passes = cls.passes


class Layer:
    """A leaf layer. Subclasses set ``kind`` and override what differs from "no parameters, no MACs"."""

    kind = "layer"
    #: constructor arguments, in order, used by ``config()`` (spec export, JSON)
    fields = ()
    #: False where the parameters are fixed by hand (LeNet-5's RBF centres)
    trainable = True
    #: True for the merge layers that take several inputs
    merges = False
    #: True where shapecalc does not know the layer's arithmetic (:class:`Unsupported`)
    uncounted = False
    #: False where the receptive field cannot be followed through the layer in whole input positions (an
    #: upsampling moves a fraction of a position per output position; a layer without rules): the walk then
    #: reports the field as unknown from there on, never a guess
    known_field = True
    #: the path of the row that holds this layer's parameters where the model uses them twice (a PyTorch
    #: module called again, tied weights): its parameters and buffers count there, not here
    shares = None
    #: (merges) True where an input may be broadcast over the others (a 1×1×C gate over H×W×C)
    broadcasts = False

    #: False for kinds that keep the default ``counts`` (no parameters, buffers or MACs): the walk then
    #: leaves their figures at 0 without asking (set for each subclass by __init_subclass__)
    has_counts = False
    #: True for kinds that keep the default ``infer`` and ``window`` (activations, BatchNorm, dropout …):
    #: the shape and the receptive field pass through, and the walk does not ask (set as ``has_counts``)
    passes = True

    #: what the counting tools report for this kind, by tool: ``{"fvcore": rule, "ptflops": rule,
    #: "torchinfo": rule}``, each rule a function of the layer's Row (``conventions.ZERO`` where the tool
    #: counts nothing). A kind without an entry for a tool cannot be counted under that convention: an error,
    #: never a silent 0 (see :mod:`shapecalc.conventions`)
    tools = {}
    #: True where every output depends on every input (a dense layer, attention): the receptive field
    #: becomes the whole input
    global_field = False
    #: a spec in which this kind appears (``"input 39x31x1 | conv 20 k4"``): the conformance test
    #: (tests/test_kinds.py) checks every view of the kind on it
    example = None
    #: what autograd keeps of it in a training-mode forward pass: a rule of :mod:`shapecalc.saved`, a function
    #: of the layer's step that the memory estimate reads from the class (None: not modelled, its input and
    #: output are counted as kept and the estimate says so)
    saves = None
    #: True where its output is a view of its input, the same storage (flatten, permute, a crop …)
    view = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _register(cls)
        cls.has_counts = cls.counts is not Layer.counts
        cls.passes = cls.infer is Layer.infer and cls.window is Layer.window

    def __init__(self, name=None):
        if name is not None and (not isinstance(name, str) or not name or "." in name or name.strip() != name):
            raise ConfigError(f"a layer name must be a non-empty word without dots, received {name!r}", name)
        self.name = name
        _walk_flags(self)

    # -- the rules (defaults: no parameters, no arithmetic, shape unchanged) --
    def infer(self, x, ctx, path):
        return x

    def counts(self, x, y):
        """``(weights, biases, buffers, macs, bias_adds)`` per sample: one rule per kind, one call per layer."""
        return _NOTHING

    def window(self, x):
        return None

    #: what this kind's buffers hold, for the totals' line ("BatchNorm running statistics")
    buffers_are = "buffers"
    #: the names of its output's axes, where they are not a map's H, W, C, tokens' N, D or a vector's N (a
    #: MaxViT partition's G, N, C): for the explanations (shapecalc.worked)
    axes = None

    #: the words a student's table may label it with ("conv", "convolution"): the checker lines a submitted
    #: row labelled so up with layers of this kind only (shapecalc.matching); none: a label does not tell
    called = ()
    #: a layer whose row students often write together with the activation after it ("conv + relu"): a row
    #: labelled by an activation but claiming parameters may be this layer
    takes_activation = False
    #: the layer in a few words for an exercise's question, where its description says it less plainly
    #: ("ReLU", "batch normalisation"); see ``in_words``
    spoken = None

    def in_words(self):
        """The layer in words, for an exercise's question (shapecalc.exercise): the words that name its
        settings ("convolution, 20 filters of 4×4, stride 1, no padding")."""
        return self.spoken or self.describe()

    def output_is_view(self, x):
        """Whether the output on input ``x`` shares the input's storage (the memory estimate)."""
        return self.view

    def parameter_tensors(self, row, no_bias=False):
        """The parameter tensors of its PyTorch module (the optimizers keep a step counter per tensor): one
        for the weights and one for the biases, as nn.Conv2d, nn.Linear, nn.BatchNorm2d hold them."""
        return (row.weights > 0) + (row.biases > 0)

    def buffer_bytes(self, row, bytes_per_element):
        """Bytes of its buffers as its PyTorch module holds them (floating point at the dtype)."""
        return row.buffers * bytes_per_element

    def once_per_pass(self, x, y):
        """``(macs, bias_adds)`` of ``counts`` that the layer computes once per forward pass, not once per
        sample (Swin v2's position-bias MLP, computed from the table alone): not multiplied by the batch."""
        return (0, 0)

    def to_torch(self, x, no_bias, T):
        """The PyTorch module that realises this layer on input ``x`` (``T``: torch, nn and shapecalc's own
        module classes, see :mod:`shapecalc.torch`)."""
        raise ConfigError(f"no PyTorch realisation for the layer kind {self.kind!r}", self.name or self.kind)

    # -- one figure of counts(), for callers that want only that one --
    def weights(self, x, y):
        return self.counts(x, y)[0]

    def biases(self, x, y):
        return self.counts(x, y)[1]

    def buffers(self, x, y):
        return self.counts(x, y)[2]

    def macs(self, x, y):
        return self.counts(x, y)[3]

    def bias_adds(self, x, y):
        return self.counts(x, y)[4]

    # -- description --
    def describe(self):
        """Short text for the table's "layer" column, e.g. ``conv 11×11/4, 96``."""
        return self.kind

    def config(self):
        """Constructor arguments that differ from their defaults (for spec export and JSON)."""
        import inspect

        out = {}
        params = inspect.signature(type(self).__init__).parameters
        for field in self.fields:
            value = getattr(self, field)
            default = params[field].default if field in params else inspect.Parameter.empty
            if default is inspect.Parameter.empty or value != default:
                out[field] = value
        return out

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        named = f", name={self.name!r}" if self.name else ""
        return f"{type(self).__name__}({args}{named})"


class Input(Layer):
    """The network's input: a feature map ``Input(H, W, C)`` or a vector ``Input(N)``."""

    kind = "input"
    called = ('input',)
    saves = S.nothing
    view = True
    example = "input 39x31x1 | conv 20 k4"
    tools = C.NONE

    def to_torch(self, x, no_bias, T):
        return T.nn.Identity()

    def __init__(self, *shape, name=None):
        super().__init__(name)
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        if len(shape) not in (1, 2, 3, 4):
            raise ConfigError(f"input expects 3 sizes H, W, C (a map), 2 (L, C: a sequence, or tokens N, D), 4 (D, H, "
                              f"W, C: a volume) or one size N, received {shape!r}", name or "input")
        for size in shape:
            # a whole number or a symbol's name ("H"); sympy and numpy sizes (symbolic mode, the size scan)
            # are checked by their own modes
            if isinstance(size, str):
                if not size.isidentifier():
                    raise ConfigError(f"an input size must be a whole number or a name such as H, received {size!r}",
                                      name or "input")
            elif size is None or isinstance(size, (bool, float, complex)) or isinstance(size, int):
                _positive_int(size, "every input size", name or "input")
        self.shape = tuple(shape)

    def config(self):
        return {"shape": self.shape}

    def describe(self):
        return "input"


# ---------------------------------------------------------------------------------------------------------
# windows: convolution and pooling


# the messages of _Windowed's two checks, built only when a check fails; functions rather than methods so
# that the hot path passes them without making a bound method for every check
def _too_small(layer, x, pads):
    """The message of a window larger than its padded input."""
    axes = range(len(layer.kernel))
    k_eff = tuple(F.effective_kernel(k, d) for k, d in zip(layer.kernel, layer.dilation))
    padded = tuple(x[a] + pads[a][0] + pads[a][1] for a in axes)
    dil = f" (dilation {_kxk(layer.dilation)} makes it span {_kxk(k_eff)})" if set(layer.dilation) != {1} else ""
    return (
        f"kernel {_kxk(layer.kernel)}{dil} is larger than the padded input {_kxk(padded)} "
        f"(input {_kxk(x[:len(layer.kernel)])}, padding {_pad_text(pads)})"
    )


def textbook_formula(layer, a, x, pads):
    """Axis ``a``'s textbook formula (H − F + 2P)/S + 1 with the layer's numbers, and its value: the
    numerator is worked out by the rule's own function (formulas.window_span)."""
    from .worked import Worked

    size, k, d, s = x[a], layer.kernel[a], layer.dilation[a], layer.stride[a]
    before, after = pads[a]
    p = Worked(before)
    total = p + p if before == after else p + Worked(after)
    span = F.window_span(Worked(size), Worked(k), total, Worked(d) if d > 1 else 1)
    # span/S + 1, correctly rounded: Python's int / int is
    value = f"{(int(span) + s) / s:.6g}"
    return f"({span.text})/{s} + 1 = {value}"


def _fit(layer, a, x, pads, o):
    """What a numeric table says about how axis ``a``'s windows meet the input: ``(warning, note)``.

    The ⚠ warning is for real input that no window reads (at the end, between windows, in the holes of a
    dilated kernel); the note is for a textbook formula that is not whole while every real row is read (what
    the rounding leaves over is padding). Both None when the formula is whole and every row is read."""
    size, s, span = x[a], layer.stride[a], layer.span[a]
    before, after = pads[a]
    whole = (size - span + before + after) % s == 0
    if whole and s <= span and layer.dilation[a] == 1:
        return None, None  # contiguous windows whose last one ends on the padded input's last row
    from .coverage import describe_rows, unread, unread_count
    axis = layer.axis_names[a]
    word = _AXIS_WORDS[axis]
    rounding = ""
    if not whole:
        if not layer.ceil_mode:
            rounding = f"is not whole, floored to {o}"
        else:
            up = F.ceil_div(size - span + before + after, s) + 1
            rounding = (f"is not whole, ceiled to {o}: the last window is partial" if up == o else
                        f"is not whole, ceiled to {up}, less the last window, which would start in the "
                        f"padding: {o}")
        rounding = f"{textbook_formula(layer, a, x, pads)} {rounding}"
    missing = unread(size, layer.kernel[a], s, layer.dilation[a], before, o)
    if missing is None:
        return None, f"{axis}: {rounding} (an input this large is not searched for unread {word}s)" if rounding \
            else None
    if missing:
        n = unread_count(missing)
        if s > span:
            why = f"the stride {s} steps over them"
        elif layer.dilation[a] > 1 and missing[-1][1] < size:
            why = f"they fall in the holes of the dilation-{layer.dilation[a]} kernel"
        else:
            why = "the last window that would read them does not fit"
        where = describe_rows(missing, word)
        warning = f"{axis}: {n} of {size} input {word}s never read by this layer ({where}: {why})"
        return warning + (f"; {rounding}" if rounding else ""), None
    if rounding:
        # floored: the rows left over are padding; ceiled: the last window runs past the end of the input
        left = "what the floor leaves over is padding: " if not layer.ceil_mode else ""
        return None, f"{axis}: {rounding}; {left}every input {word} is read"
    return None, None


#: what a window's coverage messages call one input position along each axis
_AXIS_WORDS = {"H": "row", "W": "column", "L": "position", "D": "slice"}


def _inexact(layer, a, x, pads, o):
    """The textbook rule's message: (H − F + 2P)/S + 1 is not whole."""
    return f"{layer.axis_names[a]}: {textbook_formula(layer, a, x, pads)} is not whole"


class _Windowed(Layer):
    """Shared machinery of every sliding-window layer: kernel, stride, padding, dilation, ceil mode."""

    #: pools show their stride always ("maxpool 2×2/2"), convolutions only when it is not 1
    shows_unit_stride = True
    #: a sliding window: numeric tables work out which real input rows it reads (shapecalc.coverage)
    slides = True
    #: the names of the axes it slides along
    axis_names = "HW"

    def _set_window(self, kernel, stride, padding, dilation, ceil_mode):
        self.kernel = _pair(kernel, "kernel", self.name)
        self.stride = _pair(self.kernel if stride is None else stride, "stride", self.name)
        self.padding = _padding(padding, self.name)
        self.dilation = _pair(dilation, "dilation", self.name)
        self._finish_window(ceil_mode)
        # the same window along H and W (padding aside): a square input then gives a square output
        self._square = (self.kernel[0] == self.kernel[1] and self.stride[0] == self.stride[1]
                        and self.dilation[0] == self.dilation[1])

    def _finish_window(self, ceil_mode):
        # the span each kernel covers, per axis (F_eff, used by every shape and receptive-field step)
        self.span = tuple(F.effective_kernel(k, d) for k, d in zip(self.kernel, self.dilation))
        if ceil_mode and self.padding == "same":
            raise ConfigError("ceil_mode cannot be combined with 'same' padding", self.name)
        self.ceil_mode = _flag(ceil_mode, "ceil_mode", self.name)

    @property
    def padding(self):
        return self._padding

    @padding.setter
    def padding(self, value):
        self._padding = value
        # fixed padding is the same pairs for every input: built here once (None for "same", which depends
        # on it)
        self._pads = None if value == "same" else self._fixed_pads(value)

    @staticmethod
    def _fixed_pads(value):
        """``((top, bottom), (left, right))`` of a fixed padding; equal padding along H and W is one pair
        object, which _spatial recognises."""
        if isinstance(value[0], tuple):
            return value  # asymmetric: ((top, bottom), (left, right)) as given
        top = (value[0], value[0])
        return (top, top if value[1] == value[0] else (value[1], value[1]))

    def pads(self, x):
        """Padding ``((top, bottom), (left, right))`` for input ``x``."""
        if self._pads is not None:
            return self._pads
        top = F.same_padding(x[0], self.kernel[0], self.stride[0], self.dilation[0])
        if x[1] is x[0] and self._square:
            return (top, top)
        return (top, F.same_padding(x[1], self.kernel[1], self.stride[1], self.dilation[1]))

    def _spatial(self, x, ctx, path):
        """Output (H, W), with the checks: output ≥ 1, and exact division (warning otherwise)."""
        pads = self._pads or self.pads(x)  # fixed padding without a call; pads(x) works "same" out
        h = self._axis(x, pads, 0, ctx, path)
        if x[1] is x[0] and pads[1] is pads[0] and self._square:
            # W is H over again (the same size, window and padding): the same output, one object for both
            # (so the next layer sees a square input too); W's division check still runs, under its name
            return (h, self._axis(x, pads, 1, ctx, path, h))
        return (h, self._axis(x, pads, 1, ctx, path))

    def _axis(self, x, pads, a, ctx, path, known=None):
        """Output length along axis ``a`` (0: H, 1: W) and its two checks; ``known``: the output that the
        identical other axis gave (its output-≥-1 check has run: only the division check is left)."""
        size, s = x[a], self.stride[a]
        before, after = pads[a]
        total = before + after
        if known is None:
            o = F.conv_output_size(size, self.kernel[a], total, s, self.dilation[a], self.ceil_mode)
            # the messages are built only when a check fails
            ctx.positive(o, _too_small, path, self, x, pads)
        else:
            o = known
        if ctx.reads:
            # a numeric table: real input rows that no window reads (⚠), a textbook formula that is not whole
            ctx.fit(_fit, path, self, a, x, pads, o)
        else:
            # symbolic sizes and the size scan: the textbook rule, (H − F + 2P)/S + 1 whole
            ctx.exact(F.window_span(size, self.kernel[a], total, self.dilation[a]), s, _inexact, path,
                      self, a, x, pads, o)
            if getattr(ctx, "coverage", False):
                ctx.cover(self, a, x, pads, o)  # the size scan, where asked: which sizes leave a row unread
        return o

    def window(self, x):
        pads = self._pads or self.pads(x)  # as in _spatial
        along_h = (self.span[0], self.stride[0], pads[0][0])
        if pads[1] is pads[0] and self._square:
            # one step object for both axes, as _spatial shares the output size (rf_after then works once)
            return (along_h, along_h)
        return (along_h, (self.span[1], self.stride[1], pads[1][0]))

    def _window_text(self):
        text = _kxk(self.kernel) if self.kernel[0] != self.kernel[1] else f"{self.kernel[0]}×{self.kernel[0]}"
        if self.stride != (1, 1) or self.shows_unit_stride:
            text += "/" + (str(self.stride[0]) if self.stride[0] == self.stride[1] else _kxk(self.stride))
        if self.padding == "same":
            text += ", same"
        elif isinstance(self.padding[0], tuple):
            text += ", pad " + _pad_text(self.padding)  # asymmetric: top+bottom×left+right
        elif self.padding != (0, 0):
            text += ", pad " + (str(self.padding[0]) if self.padding[0] == self.padding[1] else _kxk(self.padding))
        if self.dilation != (1, 1):
            text += ", dil " + (str(self.dilation[0]) if self.dilation[0] == self.dilation[1] else _kxk(self.dilation))
        if self.ceil_mode:
            text += ", ceil"
        return text

    def _window_words(self):
        """``(kernel text, [stride, padding, dilation, ceil mode in words])`` for ``in_words``."""
        def sizes(values, unit=""):
            return f"{values[0]}{unit}" if len(set(values)) == 1 else "×".join(map(str, values)) + unit

        parts = [f"stride {sizes(self.stride)}"]
        padding = self.padding
        if padding == "same":
            parts.append("'same' padding")
        elif isinstance(padding[0], tuple):
            (t, b), (le, ri) = padding
            parts.append(f"padding {t} top, {b} bottom, {le} left, {ri} right")
        elif set(padding) != {0}:
            if len(padding) == 2 and padding[0] != padding[1]:
                parts.append(f"padding {padding[0]} (rows) and {padding[1]} (columns)")
            else:
                parts.append(f"padding {sizes(padding)}")
        else:
            parts.append("no padding")
        if set(self.dilation) != {1}:
            parts.append(f"dilation {sizes(self.dilation)}")
        if self.ceil_mode:
            parts.append("rounding up (ceil mode)")
        return "×".join(map(str, self.kernel)), parts

class Conv2d(_Windowed):
    """2-D convolution: ``Conv2d(filters, kernel, *, stride=1, padding=0, dilation=1, groups=1, bias=True)``.

    The input channel count comes from the input shape; past ``filters`` and ``kernel`` the arguments go by
    name. PyTorch's names are accepted too: ``Conv2d(in_channels=3, out_channels=8, kernel_size=3)`` (the
    ``in_channels`` then checked against the input); PyTorch's positional ``Conv2d(3, 8, 3)`` is refused
    with its translation, ``Conv2d(8, 3)``.
    """

    kind = "conv"
    takes_activation = True
    called = ('conv', 'convolution', 'convolutional')
    saves = S.conv
    example = "input 39x31x1 | conv 20 k4 s2 p1"
    shows_unit_stride = False
    fields = ("filters", "kernel", "stride", "padding", "dilation", "groups", "bias")
    tools = {"fvcore": C.macs, "ptflops": C.macs_and_bias, "torchinfo": C.macs_and_bias}

    def __init__(self, filters=None, kernel=None, *more, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 name=None, in_channels=None, out_channels=None, kernel_size=None):
        super().__init__(name)
        if more:
            # PyTorch's order: in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias
            args = (filters, kernel, *more)
            rest = list(zip(("stride", "padding", "dilation", "groups", "bias"), args[3:]))
            named = [("in_channels", args[0]), ("out_channels", args[1]), ("kernel_size", args[2])]
            theirs = ([f"Conv2d({_args_text(args[1:3], rest)})", f"Conv2d({_args_text((), named + rest)})"]
                      if len(args) <= 8 else [])
            cls = type(self).__name__
            theirs = [t.replace("Conv2d", cls) for t in theirs]
            raise _torch_order(cls, args, f"shapecalc's {cls} takes (filters, kernel), the rest by name, and its "
                               "input channels from the input", theirs, name)
        filters = _either(filters, out_channels, "filters", "out_channels", name)
        kernel = _either(kernel, kernel_size, "kernel", "kernel_size", name)
        if filters is None or kernel is None:
            cls = type(self).__name__
            raise ConfigError(f"{cls} needs its filters and kernel: {cls}(64, 3), or {cls}(out_channels=64, "
                              "kernel_size=3)", name)
        # PyTorch's in_channels: not needed (the input has them), checked where given
        self.in_channels = None if in_channels is None else _positive_int(in_channels, "in_channels", name)
        self.filters = _positive_int(filters, "filters", name)
        self.groups = _positive_int(groups, "groups", name)
        if filters % groups:
            raise ConfigError(f"groups {groups} must divide the {filters} filters (remainder {filters % groups})", name)
        self.bias = _flag(bias, "bias", name)
        self._set_window(kernel, stride, padding, dilation, False)

    def config(self):
        # Layer.config by name: the pools borrow this method, and they are no Conv2d
        out = Layer.config(self)
        for key in ("kernel", "stride", "dilation"):
            if key in out and out[key][0] == out[key][1]:
                out[key] = out[key][0]
        if isinstance(out.get("padding"), tuple) and not isinstance(out["padding"][0], tuple) \
                and out["padding"][0] == out["padding"][1]:
            out["padding"] = out["padding"][0]
        # a pair equal to an int default (padding (0, 0) for 0) is the default
        import inspect

        params = inspect.signature(type(self).__init__).parameters
        for key in ("stride", "padding", "dilation"):
            if key in out and key in params and out[key] == params[key].default:
                del out[key]
        return out

    def infer(self, x, ctx, path):
        _require_map(x, path, "conv")
        if self.in_channels is not None:
            _expect(self.in_channels, x[2], "in_channels", path)
        if x[2] % self.groups:
            raise ShapeError(
                f"groups {self.groups} must divide the {x[2]} input channels (remainder {x[2] % self.groups})", path
            )
        h, w = self._spatial(x, ctx, path)
        return (h, w, self.filters)

    def counts(self, x, y):
        k0, k1 = self.kernel
        return (
            F.conv_weights(x[2], self.filters, k0, k1, self.groups),
            self.filters if self.bias else 0,  # one bias per filter
            0,
            F.conv_macs(y[0], y[1], y[2], x[2], k0, k1, self.groups),
            y[0] * y[1] * y[2] if self.bias else 0,  # one addition per output element
        )

    def to_torch(self, x, no_bias, T):
        return T.padded_conv(T.nn.Conv2d, x[2], self.filters, self, self.pads(x), self.groups,
                             self.bias and not no_bias)

    def describe(self):
        groups = f", groups {self.groups}" if self.groups != 1 else ""
        bias = ", no bias" if not self.bias else ""
        return f"conv {self._window_text()}, {self.filters}{groups}{bias}"

    def in_words(self):
        text, parts = self._window_words()
        extra = [f"in {self.groups} groups"] if self.groups > 1 else []
        bias = [] if self.bias else ["no biases"]
        return ", ".join([f"convolution, {self.filters} filters of {text}"] + parts + extra + bias)

class SparseConv2d(Conv2d):
    """A convolution in which output map ``j`` sees only the input maps ``table[j]`` (LeNet-5's C3).

    ``SparseConv2d(table, kernel, ...)``: ``table`` is a list with, for every output map, the tuple of the
    input maps (0-based) it is connected to.
    """

    kind = "sparseconv"
    called = ('conv', 'convolution', 'convolutional')
    saves = S.sparseconv
    shows_unit_stride = True  # "sparse conv 5×5/1", as LeNet-5's tables have always shown it
    example = "input 14x14x6 | sparseconv table=[[0,1,2],[1,2,3],[3,4,5],[0,5]] k5"
    fields = ("table", "kernel", "stride", "padding", "bias")

    def __init__(self, table, kernel, stride=1, padding=0, bias=True, name=None):
        if not isinstance(table, (list, tuple)) or not table:
            raise ConfigError(f"table must list, for each output map, its input maps; received {table!r}", name)
        rows = []
        for j, row in enumerate(table):
            if not isinstance(row, (list, tuple)) or not row or any(
                isinstance(i, bool) or not isinstance(i, int) or i < 0 for i in row
            ):
                raise ConfigError(f"table row {j} must be a non-empty list of input map indices, received {row!r}", name)
            if len(set(row)) != len(row):
                raise ConfigError(f"table row {j} names an input map twice: {row!r}", name)
            rows.append(tuple(row))
        super().__init__(len(rows), kernel, stride=stride, padding=padding, bias=bias, name=name)
        self.table = tuple(rows)

    def infer(self, x, ctx, path):
        _require_map(x, path, "sparseconv")
        _require_numeric_channels(x, path, "sparseconv")
        largest = max(max(row) for row in self.table)
        if largest >= x[2]:
            raise ShapeError(f"the connection table names input map {largest}, but the input has {x[2]} maps", path)
        return super().infer(x, ctx, path)

    def connections_per_position(self):
        # Σ_j |table_j|: input maps feeding the output maps, over all output maps
        return sum(len(row) for row in self.table)

    def counts(self, x, y):
        # the biases and their additions as a convolution's; the weights and MACs over the table's links
        _, biases, buffers, _, bias_adds = super().counts(x, y)
        per_position = self.kernel[0] * self.kernel[1] * self.connections_per_position()
        return (
            per_position,  # W = F_h · F_w · Σ_j |table_j|
            biases,
            buffers,
            y[0] * y[1] * per_position,  # MACs = H_out · W_out · F_h · F_w · Σ_j |table_j|
            bias_adds,
        )

    def describe(self):
        return f"sparse conv {self._window_text()}, {self.filters} ({self.connections_per_position()} links)"

    def to_torch(self, x, no_bias, T):
        return T.SparseConv(self.table, self.kernel, self.stride, self.pads(x), self.bias and not no_bias)

    def parameter_tensors(self, row, no_bias=False):
        # a convolution per output map: its weights, and its bias
        return len(self.table) * (1 + (self.bias and not no_bias))

    def in_words(self):
        text, parts = self._window_words()
        bias = [] if self.bias else ["no biases"]
        return ", ".join([f"convolution with a connection table, {self.filters} filters of {text}, each reading "
                          f"some of the input maps ({self.connections_per_position()} filter-to-map connections "
                          "in all)"] + parts + bias)

class _Pool(_Windowed):
    fields = ("kernel", "stride", "padding", "ceil_mode")

    #: the ways its forward may call it (see ``CALLS``); the default is the first
    calls = ("module",)

    def __init__(self, kernel=None, stride=None, padding=0, *more, ceil_mode=False, dilation=1, name=None,
                 call="module", kernel_size=None):
        super().__init__(name)
        if more:
            # PyTorch's order: kernel_size, stride, padding, dilation, return_indices, ceil_mode
            args = (kernel, stride, padding, *more)
            theirs = ([f"{type(self).__name__}({_args_text(args[:3], [('dilation', args[3])])})"]
                      if len(args) == 4 else [])
            raise _torch_order(type(self).__name__, args, f"shapecalc's {type(self).__name__} takes (kernel, stride, "
                               "padding) and the rest by name (ceil_mode=…, dilation=…)", theirs, name)
        kernel = _either(kernel, kernel_size, "kernel", "kernel_size", name)
        if kernel is None:
            raise ConfigError(f"{type(self).__name__} needs its window: {type(self).__name__}(2), or kernel_size=2",
                              name)
        self.call = _call(call, self.calls, name)
        self._set_window(kernel, stride, padding, dilation, ceil_mode)
        if self.padding != "same" and not isinstance(self.padding[0], tuple):  # (asymmetric: padded apart)
            for k, p in zip(self.kernel, self.padding):
                # PyTorch checks P ≤ ⌊F / 2⌋ on the kernel itself, dilated or not
                if 2 * p > k:
                    raise ConfigError(
                        f"padding {p} must be at most half the window {k} (PyTorch's rule)",
                        name,
                    )

    def config(self):
        out = Conv2d.config(self)
        if out.get("stride") == out.get("kernel"):
            out.pop("stride", None)
        return out

    def infer(self, x, ctx, path):
        _require_map(x, path, self.kind)
        h, w = self._spatial(x, ctx, path)
        return (h, w, x[2])

    def describe(self):
        return f"{self.kind} {self._window_text()}"

    #: max pooling pads with −inf, average pooling with zeros (where PyTorch's pool cannot pad itself)
    filler = 0.0

    def to_torch(self, x, no_bias, T):
        pads = self.pads(x)
        if C.pool_pads_itself(self, x):
            return self._torch_pool(T, (pads[0][0], pads[1][0]))
        # asymmetric, or wider than PyTorch's pooling accepts (P ≤ F/2: "same" with dilation)
        return T.Padded(T.nn.ConstantPad2d(T.pad_arg(pads), self.filler), self._torch_pool(T, 0))

    #: the pooling in words ("max pooling")
    pooled_as = "pooling"

    def in_words(self):
        text, parts = self._window_words()
        return ", ".join([f"{self.pooled_as}, {text} windows"] + parts)

class MaxPool2d(_Pool):
    """Max pooling: ``MaxPool2d(kernel, stride=kernel, padding=0, *, ceil_mode=False, dilation=1,
    call="module")``, ``kernel_size=`` as PyTorch names it. Past the padding the arguments go by name: PyTorch's
    fourth is the dilation, shapecalc's was ``ceil_mode``.

    ``call``: how the network's forward computes it — ``"module"``, an ``nn.MaxPool2d``; ``"functional"``,
    a bare ``F.max_pool2d(x, …)`` call without a module of its own (torchvision's Inception v3 Mixed_6a and
    Mixed_7a). The same shapes and counts; ptflops counts the input of a module twice (its hook and the
    patched ``F.max_pool2d`` that the module calls), of a bare functional once."""

    kind = "maxpool"
    called = ('pool', 'pooling', 'maxpool', 'maxpooling')
    pooled_as = "max pooling"
    saves = S.maxpool
    example = "input 13x11x8 | maxpool 3 2 ceil"
    fields = ("kernel", "stride", "padding", "ceil_mode", "dilation", "call")
    calls = ("module", "functional")
    tools = {"fvcore": C.ZERO, "ptflops": C.called_pooled, "torchinfo": C.ZERO}
    filler = float("-inf")

    def _torch_pool(self, T, padding):
        if self.call == "functional":
            return T.Functional("max_pool2d", kernel_size=self.kernel, stride=self.stride, padding=padding,
                                dilation=self.dilation, ceil_mode=self.ceil_mode)
        return T.nn.MaxPool2d(self.kernel, self.stride, padding, self.dilation, ceil_mode=self.ceil_mode)


class AvgPool2d(_Pool):
    """Average pooling: ``AvgPool2d(kernel, stride=kernel, padding=0, ceil_mode=False,
    count_include_pad=True, call="module")``; ``count_include_pad`` (PyTorch's default True) changes values,
    not shapes or counts.

    ``call``: how the network's forward computes it — ``"module"``, an ``nn.AvgPool2d``; ``"functional"``,
    a bare ``F.avg_pool2d(x, …)`` call (torchvision's Inception v3 Mixed blocks and aux head). The same shapes
    and counts; ptflops counts the input of a module twice (its hook and the patched ``F.avg_pool2d`` that
    the module calls), of a bare functional once."""

    kind = "avgpool"
    called = ('pool', 'pooling', 'avgpool', 'subsampling')
    pooled_as = "average pooling"
    saves = S.avgpool
    example = "input 13x11x8 | avgpool 3 2 p1"
    fields = ("kernel", "stride", "padding", "ceil_mode", "count_include_pad", "call")
    calls = ("module", "functional")
    tools = {"fvcore": C.ZERO, "ptflops": C.called_pooled, "torchinfo": C.ZERO}

    def _torch_pool(self, T, padding):
        if self.call == "functional":
            return T.Functional("avg_pool2d", kernel_size=self.kernel, stride=self.stride, padding=padding,
                                ceil_mode=self.ceil_mode, count_include_pad=self.count_include_pad)
        return T.nn.AvgPool2d(self.kernel, self.stride, padding, ceil_mode=self.ceil_mode,
                              count_include_pad=self.count_include_pad)

    def __init__(self, kernel=None, stride=None, padding=0, ceil_mode=False, count_include_pad=True, name=None,
                 call="module", kernel_size=None):
        # (PyTorch's order, to count_include_pad)
        super().__init__(kernel, stride, padding, ceil_mode=ceil_mode, name=name, call=call, kernel_size=kernel_size)
        self.count_include_pad = _flag(count_include_pad, "count_include_pad", name)


class Subsampling(_Pool):
    """LeNet-5's subsampling (S2, S4): the sum of each window, times one trainable coefficient per map,
    plus one trainable bias per map."""

    kind = "subsampling"
    called = ('pool', 'pooling', 'subsampling')
    saves = S.conv
    example = "input 28x28x6 | subsampling 2"
    fields = ("kernel", "stride")
    # realised as a depthwise convolution through F.conv2d, which ptflops does not patch; torchinfo sees a
    # module without "Conv" in its class name
    tools = {"fvcore": C.macs, "ptflops": C.ZERO, "torchinfo": C.params_per_sample}

    def to_torch(self, x, no_bias, T):
        return T.Subsampling(x[2], self.kernel, self.stride, not no_bias)

    def __init__(self, kernel=2, stride=None, name=None):
        super().__init__(kernel, stride, 0, name=name)

    def counts(self, x, y):
        return (
            x[2],  # one coefficient per map
            x[2],  # one bias per map
            0,
            # MACs = H_out · W_out · C · F_h · F_w: coefficient × each input of the window, accumulated
            y[0] * y[1] * y[2] * self.kernel[0] * self.kernel[1],
            y[0] * y[1] * y[2],  # one bias addition per output element
        )

    pooled_as = "subsampling"

    def in_words(self):
        return super().in_words() + ", each window's sum times a trainable coefficient, plus a trainable bias, per map"

class _Global(Layer):
    """Global pooling over H×W (over D×H×W of a volume): a vector of C (``keepdims=True``: a 1×1×C map, a
    1×1×1×C volume)."""

    fields = ("keepdims",)

    def __init__(self, keepdims=False, name=None):
        super().__init__(name)
        self.keepdims = _flag(keepdims, "keepdims", name)

    def infer(self, x, ctx, path):
        if len(x) != 4:
            _require_map(x, path, self.kind)
        return (1,) * (len(x) - 1) + (x[-1],) if self.keepdims else (x[-1],)

    def _torch_pool(self, x, T, kind):
        # nn.AdaptiveAvgPool2d(1) over a map, nn.AdaptiveAvgPool3d(1) over a volume
        return getattr(T.nn, f"Adaptive{kind}Pool{len(x) - 1}d")(1)

    def window(self, x):
        # the window is the whole map (volume)
        return tuple((e, e, 0) for e in x[:-1])


class GlobalAvgPool(_Global):
    """Global average pooling over H×W: ``GlobalAvgPool(keepdims=False, call="module")``.

    ``call``: how the network's forward computes it — ``"module"``, an ``nn.AdaptiveAvgPool2d(1)`` (then a
    flatten unless ``keepdims``); ``"functional"``, a bare ``F.adaptive_avg_pool2d(x, 1)``; ``"mean"``, the
    tensor method ``x.mean([2, 3])`` (torchvision's MNASNet and ShuffleNetV2). The same shapes and counts
    (no MACs); what the tools see differs: fvcore counts adaptive_avg_pool2d (1 per input element) and has
    no handle for mean; ptflops counts the input twice for a module (its hook and the patched
    ``F.adaptive_avg_pool2d`` that it calls), once for the functional, and patches no ``Tensor.mean``."""

    kind = "gap"
    called = ('pool', 'pooling', 'avgpool', 'gap')
    spoken = "global average pooling"
    saves = S.nothing
    example = "input 7x5x16 | gap"
    fields = ("keepdims", "call")
    calls = CALLS
    tools = {"fvcore": C.averaged_in, "ptflops": C.called_in, "torchinfo": C.ZERO}

    def __init__(self, keepdims=False, name=None, call="module"):
        super().__init__(keepdims, name)
        self.call = _call(call, self.calls, name)

    def to_torch(self, x, no_bias, T):
        if self.call == "mean":
            return T.Mean(self.keepdims, len(x) - 1)
        if self.call == "functional":
            return T.GlobalPool(T.Functional(f"adaptive_avg_pool{len(x) - 1}d", output_size=1), self.keepdims)
        return T.GlobalPool(self._torch_pool(x, T, "Avg"), self.keepdims)

    def describe(self):
        return "global avg pool"


class GlobalMaxPool(_Global):
    kind = "gmp"
    called = ('pool', 'pooling', 'maxpool', 'maxpooling')
    spoken = "global max pooling"
    saves = S.maxpool
    example = "input 7x5x16 | gmp"
    tools = {"fvcore": C.ZERO, "ptflops": C.twice_in, "torchinfo": C.ZERO}

    def to_torch(self, x, no_bias, T):
        return T.GlobalPool(self._torch_pool(x, T, "Max"), self.keepdims)

    def describe(self):
        return "global max pool"


class _Adaptive(Layer):
    """Adaptive pooling to a fixed ``output`` size (int or pair), PyTorch's windows."""

    fields = ("output",)

    def __init__(self, output=None, name=None, output_size=None):
        super().__init__(name)
        output = _either(output, output_size, "output", "output_size", name)
        if output is None:
            raise ConfigError(f"{type(self).__name__} needs its output size: {type(self).__name__}(1), or "
                              "output_size=1", name)
        self.output = _pair(output, "output size", name)

    def config(self):
        out = self.output
        return {"output": out[0] if out[0] == out[1] else out}

    def infer(self, x, ctx, path):
        _require_map(x, path, self.kind)
        return (self.output[0], self.output[1], x[2])

    def window(self, x):
        # the largest window over the output cells; the stride is exact when O divides H. Written with
        # formulas.maximum/where only, so that ints, sympy sizes and numpy arrays of sizes all work
        steps = []
        for a in (0, 1):
            size, out = x[a], self.output[a]
            widest = F.adaptive_widest(size, out)
            steps.append((widest, F.where(size >= out, size // out, 1), 0))
        return tuple(steps)

    def describe(self):
        return f"{self.kind} → {_kxk(self.output)}"


class AdaptiveAvgPool2d(_Adaptive):
    """Adaptive average pooling to ``output`` (an int or a pair): ``AdaptiveAvgPool2d(output, call="module")``.

    ``call``: how the network's forward computes it — ``"module"``, an ``nn.AdaptiveAvgPool2d``;
    ``"functional"``, a bare ``F.adaptive_avg_pool2d(x, output)`` call (torchvision's DenseNet, MobileNetV2,
    GoogLeNet's and Inception v3's aux heads). The same shapes and counts; ptflops counts the input of a
    module twice (its hook and the patched functional that the module calls), of a bare functional once."""

    kind = "adaptiveavgpool"
    called = ('pool', 'pooling', 'avgpool')
    saves = S.adaptiveavgpool
    example = "input 13x11x8 | adaptiveavgpool 6"
    fields = ("output", "call")
    calls = ("module", "functional")
    tools = {"fvcore": C.in_numel, "ptflops": C.called_in, "torchinfo": C.ZERO}

    def __init__(self, output=None, name=None, call="module", output_size=None):
        super().__init__(output, name, output_size)
        self.call = _call(call, self.calls, name)

    def config(self):
        out = _Adaptive.config(self)
        if self.call != "module":
            out["call"] = self.call
        return out

    def to_torch(self, x, no_bias, T):
        if self.call == "functional":
            return T.Functional("adaptive_avg_pool2d", output_size=self.output)
        return T.nn.AdaptiveAvgPool2d(self.output)


class AdaptiveMaxPool2d(_Adaptive):
    kind = "adaptivemaxpool"
    called = ('pool', 'pooling', 'maxpool', 'maxpooling')
    saves = S.maxpool
    example = "input 13x11x8 | adaptivemaxpool [4,3]"
    tools = {"fvcore": C.ZERO, "ptflops": C.twice_in, "torchinfo": C.ZERO}

    def to_torch(self, x, no_bias, T):
        return T.nn.AdaptiveMaxPool2d(self.output)


# ---------------------------------------------------------------------------------------------------------
# vectors


class Flatten(Layer):
    """H×W×C → a vector of H·W·C (PyTorch flattens C×H×W: the same count); any other shape to the vector of
    its elements."""

    kind = "flatten"
    called = ('flatten',)
    spoken = "flatten to a vector"
    saves = S.nothing
    view = True
    example = "input 5x4x3 | flatten | dense 10"
    tools = C.NONE

    def to_torch(self, x, no_bias, T):
        return T.nn.Flatten()

    def infer(self, x, ctx, path):
        if len(x) == 1:
            return x
        # N = H · W · C (L · C of a sequence, D · H · W · C of a volume)
        return (F.product(x),)


class Linear(Layer):
    """Fully-connected (dense) layer: ``Linear(units, *, bias=True)`` on a vector; the input size comes from
    the input. PyTorch's names are accepted: ``Linear(in_features=512, out_features=10)`` (``in_features``
    checked against the input); PyTorch's positional ``Linear(512, 10)`` is refused with its translation,
    ``Linear(10)``."""

    kind = "dense"
    takes_activation = True
    called = ('fc', 'dense', 'fully', 'linear', 'connected')
    saves = S.dense
    global_field = True
    example = "input 5x4x3 | flatten | dense 10"
    fields = ("units", "bias")
    tools = {"fvcore": C.macs, "ptflops": C.macs_and_bias, "torchinfo": C.params_per_sample}

    def __init__(self, units=None, *more, bias=True, name=None, in_features=None, out_features=None):
        super().__init__(name)
        if more:
            # PyTorch's order: in_features, out_features, bias
            args = (units, *more)
            rest = [("bias", args[2])] if len(args) == 3 else []
            if isinstance(args[1], bool):
                theirs = [f"Linear({_args_text(args[:1], [('bias', args[1])])})"]  # (a bias in second place)
            elif len(args) <= 3:
                named = [("in_features", args[0]), ("out_features", args[1])]
                theirs = [f"Linear({_args_text(args[1:2], rest)})", f"Linear({_args_text((), named + rest)})"]
            else:
                theirs = []
            raise _torch_order("Linear", args, "shapecalc's Linear takes its output size, the bias by name, and its "
                               "input size from the input", theirs, name)
        units = _either(units, out_features, "units", "out_features", name)
        if units is None:
            raise ConfigError("Linear needs its output size: Linear(10), or Linear(out_features=10)", name)
        # PyTorch's in_features: not needed (the input has them), checked where given
        self.in_features = None if in_features is None else _positive_int(in_features, "in_features", name)
        self.units = _positive_int(units, "units", name)
        self.bias = _flag(bias, "bias", name)

    def infer(self, x, ctx, path):
        _require_vector(x, path, "dense")
        if self.in_features is not None:
            _expect(self.in_features, x[0], "in_features", path)
        return (self.units,)

    def counts(self, x, y):
        return (
            F.linear_weights(x[0], self.units),
            self.units if self.bias else 0,  # one bias per unit
            0,
            x[0] * self.units,  # MACs = N_in · N_out
            self.units if self.bias else 0,  # one bias addition per unit
        )

    def describe(self):
        return f"dense {self.units}" + (", no bias" if not self.bias else "")

    def to_torch(self, x, no_bias, T):
        return T.nn.Linear(x[0], self.units, bias=self.bias and not no_bias)

    def in_words(self):
        return f"fully connected, {self.units} units" + ("" if self.bias else ", no biases")

Dense = Linear


class RBF(Layer):
    """Euclidean radial-basis output units (LeNet-5): unit i outputs Σ_j (x_j − w_ij)²; the centres
    ``w`` are fixed by hand (``trainable=False`` by default)."""

    kind = "rbf"
    takes_activation = True
    called = ('rbf',)
    saves = S.saves_input
    global_field = True
    example = "input 84 | rbf 10"
    fields = ("units", "trainable")
    # the x·wᵀ matrix product: fvcore's matmul, ptflops' patched torch.mm
    tools = {"fvcore": C.macs, "ptflops": C.macs, "torchinfo": C.params_per_sample}

    def __init__(self, units, trainable=False, name=None):
        super().__init__(name)
        self.units = _positive_int(units, "units", name)
        self.trainable = _flag(trainable, "trainable", name)

    def infer(self, x, ctx, path):
        _require_vector(x, path, "rbf")
        return (self.units,)

    def counts(self, x, y):
        return (
            x[0] * self.units,  # one centre coordinate per unit per input
            0,
            0,
            x[0] * self.units,  # one squared difference accumulated per unit per input
            0,
        )

    def describe(self):
        return f"rbf {self.units}" + (" (fixed)" if not self.trainable else "")

    def to_torch(self, x, no_bias, T):
        return T.RBF(x[0], self.units, self.trainable)

    def in_words(self):
        return f"radial basis function output, {self.units} units, each with a fixed centre"

# ---------------------------------------------------------------------------------------------------------
# normalisation, dropout, activations


def _batchnorm_fvcore(row):
    # fvcore's aten::batch_norm: 2 per input element with a γ (its weight argument), 1 without; a β alone
    # adds nothing
    layer = row.layer
    return C.in_numel(row) * (2 if layer.affine and layer.scale else 1)


class BatchNorm(Layer):
    """Batch normalisation over channels (BatchNorm2d on maps, BatchNorm1d on vectors).

    γ (weights) and β (biases) are trainable (``affine=True``); the running mean and variance are
    non-trainable buffers. Keras' switches ``scale=False`` (no γ: InceptionV3's convolutions) and
    ``center=False`` (no β) drop one of the two."""

    kind = "batchnorm"
    called = ('batchnorm', 'bn')
    spoken = "batch normalisation"
    saves = S.batchnorm
    buffers_are = "BatchNorm running statistics"
    example = "input 9x7x8 | batchnorm"
    fields = ("eps", "momentum", "affine", "scale", "center")
    tools = {"fvcore": _batchnorm_fvcore, "ptflops": C.normalised, "torchinfo": C.params_per_sample}

    def __init__(self, *more, eps=1e-5, momentum=0.1, affine=True, scale=True, center=True, name=None,
                 num_features=None):
        super().__init__(name)
        if more:
            # PyTorch's order: num_features, eps, momentum, affine
            theirs = ["BatchNorm()", f"BatchNorm(num_features={more[0]!r})"] if len(more) == 1 else []
            raise _torch_order("BatchNorm", more, "shapecalc's BatchNorm takes its channels from the input and its "
                               "arguments by name (eps=…, momentum=…)", theirs, name)
        # PyTorch's num_features: not needed (the input has them), checked where given; a BatchNorm without
        # them passes its input through without asking (see Layer.passes)
        self.num_features = None if num_features is None else _positive_int(num_features, "num_features", name)
        self.passes = self.num_features is None
        self.eps = _number(eps, "eps", name, positive=True)
        # PyTorch accepts momentum=None (a cumulative moving average)
        self.momentum = None if momentum is None else _number(momentum, "momentum", name)
        self.affine = _flag(affine, "affine", name)
        self.scale = _flag(scale, "scale", name)
        self.center = _flag(center, "center", name)

    @staticmethod
    def _channels(x):
        return x[-1]

    def infer(self, x, ctx, path):
        _expect(self.num_features, x[-1], "num_features", path)
        return x

    def counts(self, x, y):
        # γ and β, one each per channel when affine (and scale, center); running mean and variance, one each
        # per channel
        return (x[-1] if self.affine and self.scale else 0, x[-1] if self.affine and self.center else 0,
                2 * x[-1], 0, 0)

    def describe(self):
        dropped = [p for p, kept in (("γ", self.scale), ("β", self.center)) if self.affine and not kept]
        return "batchnorm" + (f", no {' or '.join(dropped)}" if dropped else "")

    def to_torch(self, x, no_bias, T):
        norm = (T.nn.BatchNorm2d if len(x) == 3 else T.nn.BatchNorm1d)(
            x[-1], eps=self.eps, momentum=self.momentum, affine=self.affine
        )
        if self.affine and not self.scale:
            # Keras' scale=False: no γ (F.batch_norm accepts weight=None)
            norm.register_parameter("weight", None)
        if self.affine and (no_bias or not self.center):
            # --no-bias counts γ only: β is dropped (F.batch_norm accepts bias=None); so does center=False
            norm.register_parameter("bias", None)
        return norm

    def buffer_bytes(self, row, bytes_per_element):
        # running mean and variance, and the int64 num_batches_tracked
        return row.buffers * bytes_per_element + S.COUNTER_BYTES


BatchNorm2d = BatchNorm


class LocalResponseNorm(Layer):
    """Local response normalisation across ``size`` neighbouring channels (AlexNet, GoogLeNet)."""

    kind = "lrn"
    called = ('lrn',)
    saves = S.lrn
    example = "input 9x7x8 | lrn"
    fields = ("size", "alpha", "beta", "k")
    tools = {"fvcore": C.ZERO, "ptflops": C.lrn_ptflops, "torchinfo": C.ZERO}

    def to_torch(self, x, no_bias, T):
        return T.nn.LocalResponseNorm(self.size, self.alpha, self.beta, self.k)

    def __init__(self, size=5, alpha=1e-4, beta=0.75, k=2.0, name=None):
        super().__init__(name)
        self.size = _positive_int(size, "size", name)
        self.alpha = _number(alpha, "alpha", name)
        self.beta = _number(beta, "beta", name)
        self.k = _number(k, "k", name)

    def infer(self, x, ctx, path):
        _require_map(x, path, "lrn")
        return x

    def describe(self):
        return f"lrn n={self.size}"

    def in_words(self):
        return f"local response normalisation across {self.size} channels"

class Dropout(Layer):
    kind = "dropout"
    called = ('dropout',)
    saves = S.dropout
    example = "input 9x7x8 | dropout 0.3"
    fields = ("p",)
    tools = C.NONE

    def to_torch(self, x, no_bias, T):
        return T.nn.Dropout(self.p)

    def __init__(self, p=0.5, name=None):
        super().__init__(name)
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
            raise ConfigError(f"dropout probability must be in [0, 1), received {p!r}", name)
        self.p = p

    def describe(self):
        return f"dropout {self.p}"

    def in_words(self):
        return f"dropout, p = {self.p:g}"

class _Activation(Layer):
    """An element-wise function: shape unchanged, no parameters. ``module``: the name of its class in
    ``torch.nn`` (or among shapecalc's own, :mod:`shapecalc.torch`)."""

    module = "Identity"

    def describe(self):
        return self.kind

    def to_torch(self, x, no_bias, T):
        return getattr(T.nn, self.module)() if hasattr(T.nn, self.module) else getattr(T, self.module)()


class ReLU(_Activation):
    """max(x, 0): ``ReLU(call="module")``.

    ``call``: how the network's forward computes it — ``"module"``, an ``nn.ReLU``; ``"functional"``, a
    bare ``F.relu(x)`` call without a module of its own (torchvision's GoogLeNet and Inception v3
    BasicConv2d, DenseNet's last ReLU). The same shapes and counts; ptflops counts a module's output twice
    (the nn.ReLU hook and the patched F.relu that it calls), a bare F.relu's once."""

    kind = "relu"
    called = ('relu',)
    spoken = "ReLU"
    saves = S.saves_output
    example = "input 9x7x8 | relu"
    module = "ReLU"
    fields = ("call",)
    calls = ("module", "functional")
    tools = {"fvcore": C.ZERO, "ptflops": C.called_out, "torchinfo": C.ZERO}

    def __init__(self, call="module", name=None):
        super().__init__(name)
        self.call = _call(call, self.calls, name)

    def to_torch(self, x, no_bias, T):
        return T.Functional("relu") if self.call == "functional" else T.nn.ReLU()


class Tanh(_Activation):
    kind = "tanh"
    called = ('tanh',)
    spoken = "tanh"
    saves = S.saves_output
    example = "input 9x7x8 | tanh"
    module = "Tanh"
    tools = C.NONE


class ScaledTanh(_Activation):
    """LeNet-5's squashing function A·tanh(S·a), A = 1.7159, S = 2/3."""

    kind = "scaledtanh"
    called = ('tanh',)
    spoken = "scaled tanh, 1.7159 tanh(2a/3)"
    saves = S.scaledtanh
    example = "input 9x7x8 | scaledtanh"
    module = "ScaledTanh"
    tools = C.NONE


class Sigmoid(_Activation):
    kind = "sigmoid"
    called = ('sigmoid',)
    spoken = "sigmoid"
    saves = S.saves_output
    example = "input 9x7x8 | sigmoid"
    module = "Sigmoid"
    tools = C.NONE


class Softmax(_Activation):
    kind = "softmax"
    called = ('softmax',)
    spoken = "softmax"
    saves = S.saves_output
    example = "input 10 | softmax"
    # F.softmax, patched by ptflops (nn.Softmax has no hook of its own)
    tools = {"fvcore": C.ZERO, "ptflops": C.out_numel, "torchinfo": C.ZERO}

    def to_torch(self, x, no_bias, T):
        return T.nn.Softmax(dim=1)


class Identity(Layer):
    kind = "identity"
    spoken = "identity"
    saves = S.nothing
    view = True
    example = "input 9x7x8 | identity"
    tools = C.NONE

    def to_torch(self, x, no_bias, T):
        return T.nn.Identity()


class ChannelPadShortcut(Layer):
    """ResNet option A shortcut: keep every ``stride``-th position, pad the channels with zeros up to
    ``channels``. No parameters."""

    kind = "padshortcut"
    saves = S.nothing
    example = "input 9x7x8 | padshortcut 16 2"
    fields = ("channels", "stride")
    tools = C.NONE

    def __init__(self, channels, stride=1, name=None):
        super().__init__(name)
        self.channels = _positive_int(channels, "channels", name)
        self.stride = _positive_int(stride, "stride", name)

    def infer(self, x, ctx, path):
        _require_map(x, path, "padshortcut")
        _require_numeric_channels(x, path, "padshortcut")
        if self.channels < x[2]:
            raise ShapeError(f"cannot pad {x[2]} channels down to {self.channels}", path)
        # x[::S]: ⌈H / S⌉ positions kept
        return (F.ceil_div(x[0], self.stride), F.ceil_div(x[1], self.stride), self.channels)

    def window(self, x):
        return ((1, self.stride, 0), (1, self.stride, 0))

    def describe(self):
        return f"identity /{self.stride}, zero-pad to {self.channels}"

    def to_torch(self, x, no_bias, T):
        return T.ChannelPad(self.channels, self.stride)


# ---------------------------------------------------------------------------------------------------------
# the modern networks' kinds: depthwise and separable convolution, explicit padding, smooth activations,
# group normalisation, stochastic depth, channel shuffle and split


class DepthwiseConv2d(_Windowed):
    """Depthwise convolution: every input channel convolved with its own ``multiplier`` kernels
    (``DepthwiseConv2d(kernel, stride=1, padding=0, multiplier=1, dilation=1, bias=True)``; Keras'
    DepthwiseConv2D, PyTorch's Conv2d with ``groups = C_in``). Output channels C · multiplier."""

    kind = "dwconv"
    saves = S.conv
    example = "input 15x13x8 | dwconv 3 s2 p1 multiplier=2"
    shows_unit_stride = False
    fields = ("kernel", "stride", "padding", "multiplier", "dilation", "bias")
    tools = {"fvcore": C.macs, "ptflops": C.macs_and_bias, "torchinfo": C.macs_and_bias}

    def __init__(self, kernel, stride=1, padding=0, multiplier=1, dilation=1, bias=True, name=None):
        super().__init__(name)
        self.multiplier = _positive_int(multiplier, "multiplier", name)
        self.bias = _flag(bias, "bias", name)
        self._set_window(kernel, stride, padding, dilation, False)

    def config(self):
        return Conv2d.config(self)

    def infer(self, x, ctx, path):
        _require_map(x, path, self.kind)
        h, w = self._spatial(x, ctx, path)
        return (h, w, x[2] * self.multiplier)

    def counts(self, x, y):
        k0, k1 = self.kernel
        return (
            F.conv_weights(x[2], y[2], k0, k1, x[2]),  # W = F_h · F_w · C · M (one group per channel)
            y[2] if self.bias else 0,  # one bias per output channel
            0,
            F.conv_macs(y[0], y[1], y[2], x[2], k0, k1, x[2]),  # MACs = H_out · W_out · C · M · F_h · F_w
            y[0] * y[1] * y[2] if self.bias else 0,
        )

    def to_torch(self, x, no_bias, T):
        return T.padded_conv(T.nn.Conv2d, x[2], x[2] * self.multiplier, self, self.pads(x), x[2],
                             self.bias and not no_bias)

    def describe(self):
        multiplier = f", ×{self.multiplier}" if self.multiplier != 1 else ""
        return f"dwconv {self._window_text()}{multiplier}" + (", no bias" if not self.bias else "")


class SeparableConv2d(_Windowed):
    """Depthwise separable convolution in one layer (Keras' SeparableConv2D): a depthwise convolution
    (``multiplier`` kernels per channel, no bias), then a 1×1 convolution to ``filters`` with the bias."""

    kind = "sepconv"
    saves = S.sepconv
    example = "input 15x13x8 | sepconv 16 k3 same"
    shows_unit_stride = False
    fields = ("filters", "kernel", "stride", "padding", "multiplier", "dilation", "bias")
    # realised as two Conv2d modules: every tool sees two convolutions
    tools = {"fvcore": C.macs, "ptflops": C.macs_and_bias, "torchinfo": C.macs_and_bias}

    def __init__(self, filters, kernel, stride=1, padding=0, multiplier=1, dilation=1, bias=True, name=None):
        super().__init__(name)
        self.filters = _positive_int(filters, "filters", name)
        self.multiplier = _positive_int(multiplier, "multiplier", name)
        self.bias = _flag(bias, "bias", name)
        self._set_window(kernel, stride, padding, dilation, False)

    def config(self):
        return Conv2d.config(self)

    def infer(self, x, ctx, path):
        _require_map(x, path, self.kind)
        h, w = self._spatial(x, ctx, path)
        return (h, w, self.filters)

    def counts(self, x, y):
        k0, k1 = self.kernel
        middle = x[2] * self.multiplier
        return (
            # W = F_h · F_w · C · M (depthwise) + C · M · K (pointwise)
            F.conv_weights(x[2], middle, k0, k1, x[2]) + F.conv_weights(middle, self.filters, 1, 1),
            self.filters if self.bias else 0,
            0,
            # MACs = H_out · W_out · (C · M · F_h · F_w + C · M · K)
            F.conv_macs(y[0], y[1], middle, x[2], k0, k1, x[2]) + F.conv_macs(y[0], y[1], self.filters, middle, 1, 1),
            y[0] * y[1] * y[2] if self.bias else 0,
        )

    def to_torch(self, x, no_bias, T):
        middle = x[2] * self.multiplier
        depthwise = T.padded_conv(T.nn.Conv2d, x[2], middle, self, self.pads(x), x[2], False)
        pointwise = T.nn.Conv2d(middle, self.filters, 1, bias=self.bias and not no_bias)
        return T.nn.Sequential(depthwise, pointwise)

    def describe(self):
        multiplier = f", ×{self.multiplier}" if self.multiplier != 1 else ""
        return f"sepconv {self._window_text()}{multiplier}, {self.filters}" + (", no bias" if not self.bias else "")

    def parameter_tensors(self, row, no_bias=False):
        # the depthwise weights; the pointwise weights and biases
        return 2 + (self.bias and not no_bias)

def _sides(value, name):
    """Padding ``P``, ``(P_h, P_w)`` or ``((top, bottom), (left, right))`` as the last form."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, (tuple, list)) for v in value):
        return (_pair(value[0], "padding", name, minimum=0), _pair(value[1], "padding", name, minimum=0))
    h, w = _pair(value, "padding", name, minimum=0)
    return ((h, h), (w, w))


def _sides_config(sides):
    """The shortest form of ``((top, bottom), (left, right))``: ``P``, ``(P_h, P_w)`` or itself."""
    (t, b), (l, r) = sides
    return t if t == b == l == r else (t, l) if (t, l) == (b, r) else sides


class ZeroPad2d(Layer):
    """Explicit zero padding, asymmetric if need be: ``ZeroPad2d(((top, bottom), (left, right)))``, or
    ``P`` / ``(P_h, P_w)`` for the same on both sides (Keras' ZeroPadding2D, PyTorch's ZeroPad2d)."""

    kind = "zeropad"
    saves = S.nothing
    example = "input 9x7x8 | zeropad [[0,1],[2,1]]"
    fields = ("padding",)
    tools = C.NONE

    def __init__(self, padding=1, name=None):
        super().__init__(name)
        self.padding = _sides(padding, name)

    def config(self):
        return {"padding": _sides_config(self.padding)}

    def infer(self, x, ctx, path):
        _require_map(x, path, self.kind)
        (t, b), (l, r) = self.padding
        # H + top + bottom, W + left + right
        return (x[0] + t + b, x[1] + l + r, x[2])

    def window(self, x):
        # a 1×1 window that moves the field's start by the padding before it
        return ((1, 1, self.padding[0][0]), (1, 1, self.padding[1][0]))

    def to_torch(self, x, no_bias, T):
        return T.nn.ZeroPad2d(T.pad_arg(self.padding))

    def describe(self):
        return f"zeropad {_pad_text(self.padding)}"


class Crop2d(Layer):
    """Rows and columns cut off the map's borders, asymmetric if need be: ``Crop2d(((top, bottom), (left,
    right)))``, or ``P`` / ``(P_h, P_w)`` (Keras' Cropping2D; NASNet aligns its cells so). No parameters."""

    kind = "crop"
    saves = S.nothing
    view = True
    example = "input 9x7x8 | crop [[0,1],[2,1]]"
    fields = ("cropping",)
    tools = C.NONE

    def __init__(self, cropping=1, name=None):
        super().__init__(name)
        self.cropping = _sides(cropping, name)

    def config(self):
        return {"cropping": _sides_config(self.cropping)}

    def infer(self, x, ctx, path):
        _require_map(x, path, self.kind)
        (t, b), (l, r) = self.cropping
        ctx.positive(x[0] - t - b, _crop_message, path, "H", x[0], t, b)
        ctx.positive(x[1] - l - r, _crop_message, path, "W", x[1], l, r)
        # H − top − bottom, W − left − right
        return (x[0] - t - b, x[1] - l - r, x[2])

    def window(self, x):
        # a 1×1 window whose first position is the first row and column kept
        return ((1, 1, -self.cropping[0][0]), (1, 1, -self.cropping[1][0]))

    def to_torch(self, x, no_bias, T):
        # PyTorch pads by negative amounts by cropping
        (t, b), (l, r) = self.cropping
        return T.nn.ZeroPad2d((-l, -r, -t, -b))

    def describe(self):
        return f"crop {_pad_text(self.cropping)}"


def _crop_message(axis, size, before, after):
    return f"cropping {before} + {after} from {axis} = {size} leaves nothing"


class ReLU6(_Activation):
    """min(max(x, 0), 6) (MobileNets). Its kind is a word without the final digit (unnamed layers are
    numbered after their kind); the spec also reads ``relu6``."""

    kind = "relusix"
    spoken = "ReLU6"
    saves = S.saves_input
    example = "input 9x7x8 | relu6"
    module = "ReLU6"
    # ptflops' hook on nn.ReLU6 (its forward calls F.hardtanh, which is not patched)
    tools = {"fvcore": C.ZERO, "ptflops": C.out_numel, "torchinfo": C.ZERO}

    def describe(self):
        return "relu6"


class Hardswish(_Activation):
    """x · ReLU6(x + 3) / 6 (MobileNetV3)."""

    kind = "hardswish"
    saves = S.saves_input
    example = "input 9x7x8 | hardswish"
    module = "Hardswish"
    tools = C.NONE


class Hardsigmoid(_Activation):
    """ReLU6(x + 3) / 6 (MobileNetV3's squeeze-excitation gate)."""

    kind = "hardsigmoid"
    saves = S.saves_input
    example = "input 9x7x8 | hardsigmoid"
    module = "Hardsigmoid"
    tools = C.NONE


class SiLU(_Activation):
    """x · σ(x), also called swish (EfficientNet)."""

    kind = "silu"
    saves = S.saves_input
    example = "input 9x7x8 | silu"
    module = "SiLU"
    # ptflops patches F.silu (one count per output element) and has no hook for nn.SiLU
    tools = {"fvcore": C.ZERO, "ptflops": C.out_numel, "torchinfo": C.ZERO}


class GELU(_Activation):
    """x · Φ(x) (ViT, ConvNeXt)."""

    kind = "gelu"
    saves = S.saves_input
    example = "input 9x7x8 | gelu"
    module = "GELU"
    # ptflops: the nn.GELU hook and the patched F.gelu it calls
    tools = {"fvcore": C.ZERO, "ptflops": C.twice_out, "torchinfo": C.ZERO}


class GroupNorm(Layer):
    """Group normalisation: the channels in ``groups`` groups, normalised per sample; γ and β per channel
    when ``affine``, no running statistics."""

    kind = "groupnorm"
    saves = S.groupnorm
    example = "input 9x7x8 | groupnorm 4"
    fields = ("groups", "eps", "affine")
    tools = {"fvcore": C.group_normalised, "ptflops": C.normalised, "torchinfo": C.params_per_sample}

    def __init__(self, groups=None, *more, eps=1e-5, affine=True, name=None, num_groups=None, num_channels=None):
        super().__init__(name)
        if more:
            # PyTorch's order: num_groups, num_channels, eps, affine
            args = (groups, *more)
            theirs = [f"GroupNorm({args[0]!r})",
                      f"GroupNorm(num_groups={args[0]!r}, num_channels={args[1]!r})"] if len(args) == 2 else []
            raise _torch_order("GroupNorm", args, "shapecalc's GroupNorm takes its number of groups, the rest by name, "
                               "and its channels from the input", theirs, name)
        groups = _either(groups, num_groups, "groups", "num_groups", name)
        if groups is None:
            raise ConfigError("GroupNorm needs its number of groups: GroupNorm(32), or GroupNorm(num_groups=32)", name)
        # PyTorch's num_channels: not needed (the input has them), checked where given
        self.num_channels = None if num_channels is None else _positive_int(num_channels, "num_channels", name)
        self.groups = _positive_int(groups, "groups", name)
        self.eps = _number(eps, "eps", name, positive=True)
        self.affine = _flag(affine, "affine", name)

    def infer(self, x, ctx, path):
        _require_map(x, path, self.kind)
        if self.num_channels is not None:
            _expect(self.num_channels, x[2], "num_channels", path)
        _require_numeric_channels(x, path, self.kind)
        if x[2] % self.groups:
            raise ShapeError(f"groups {self.groups} must divide the {x[2]} channels (remainder {x[2] % self.groups})",
                             path)
        return x

    def counts(self, x, y):
        # γ and β, one each per channel when affine
        affine = x[2] if self.affine else 0
        return (affine, affine, 0, 0, 0)

    def to_torch(self, x, no_bias, T):
        norm = T.nn.GroupNorm(self.groups, x[2], eps=self.eps, affine=self.affine)
        if no_bias and self.affine:
            norm.register_parameter("bias", None)
        return norm

    def describe(self):
        return f"groupnorm {self.groups}"


class StochasticDepth(Layer):
    """Stochastic depth (Huang et al. 2016): in training, drops the whole residual branch with probability
    ``p`` (``mode="row"``: per sample; ``"batch"``: for the batch); at inference the identity. No
    parameters, no arithmetic."""

    kind = "stochasticdepth"
    saves = S.stochasticdepth
    example = "input 9x7x8 | residual( conv 8 k3 p1 | stochasticdepth 0.2 )"
    fields = ("p", "mode")
    tools = C.NONE

    def __init__(self, p=0.0, mode="row", name=None):
        super().__init__(name)
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise ConfigError(f"drop probability must be in [0, 1], received {p!r}", name)
        if mode not in ("row", "batch"):
            raise ConfigError(f"mode must be 'row' or 'batch', received {mode!r}", name)
        self.p, self.mode = p, mode

    def to_torch(self, x, no_bias, T):
        return T.StochasticDepth(self.p, self.mode)

    def describe(self):
        return f"stochastic depth {self.p}"


class ChannelShuffle(Layer):
    """ShuffleNet's channel shuffle: C = g · n channels read as g × n, transposed to n × g. No parameters."""

    kind = "shuffle"
    saves = S.nothing
    example = "input 9x7x8 | shuffle 4"
    fields = ("groups",)
    tools = C.NONE

    def __init__(self, groups, name=None):
        super().__init__(name)
        self.groups = _positive_int(groups, "groups", name)

    def infer(self, x, ctx, path):
        _require_map(x, path, self.kind)
        _require_numeric_channels(x, path, self.kind)
        if x[2] % self.groups:
            raise ShapeError(f"groups {self.groups} must divide the {x[2]} channels (remainder {x[2] % self.groups})",
                             path)
        return x

    def to_torch(self, x, no_bias, T):
        return T.nn.ChannelShuffle(self.groups)

    def describe(self):
        return f"channel shuffle {self.groups}"


class Chunk(Layer):
    """Part ``index`` (0-based) of the channels split into ``parts`` equal parts (``torch.chunk`` on the
    channels; ShuffleNetV2's split). No parameters."""

    kind = "chunk"
    saves = S.nothing
    view = True
    example = "input 9x7x8 | branches( chunk 2 index=0 ; chunk 2 index=1 | conv 4 k1 ) concat post( shuffle 2 )"
    fields = ("parts", "index")
    tools = C.NONE

    def __init__(self, parts, index, name=None):
        super().__init__(name)
        self.parts = _positive_int(parts, "parts", name)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < self.parts:
            raise ConfigError(f"index must be a whole number from 0 to {self.parts - 1}, received {index!r}", name)
        self.index = index

    def infer(self, x, ctx, path):
        _require_numeric_channels(x, path, self.kind)
        if x[-1] % self.parts:
            raise ShapeError(f"{self.parts} parts must divide the {x[-1]} channels (remainder {x[-1] % self.parts})",
                             path)
        # C / parts channels
        return tuple(x[:-1]) + (x[-1] // self.parts,)

    def to_torch(self, x, no_bias, T):
        return T.Chunk(self.parts, self.index)

    def describe(self):
        return f"chunk {self.index + 1} of {self.parts}"


# ---------------------------------------------------------------------------------------------------------
# channels-last layers (ConvNeXt; the MLPs of transformers): shapecalc's shapes are H×W×C whatever the
# memory layout, so these act on the last axis of a map or of a vector


class LayerNorm(Layer):
    """Layer normalisation over the last axis: the channels of a map (ConvNeXt's LayerNorm2d, or a
    LayerNorm after a permute), the features of a vector. γ and β per channel when affine; no buffers.

    ``channels_first`` (maps only): the layer is written for N×C×H×W tensors, as torchvision's LayerNorm2d
    (ConvNeXt's stem, downsampling layers and classifier): a subclass of nn.LayerNorm that permutes to
    channels-last, calls ``F.layer_norm`` and permutes back. The same shapes and counts; but ptflops, which
    hooks nn.LayerNorm by its exact class and does not patch ``F.layer_norm``, counts nothing for it. Without
    it, on a map, the layer is an nn.LayerNorm over channels-last data (ConvNeXt's blocks, after a permute)."""

    kind = "layernorm"
    saves = S.layernorm
    fields = ("eps", "affine", "channels_first")
    example = "input 9x7x8 | layernorm eps=1e-06"
    # ptflops hooks nn.LayerNorm (one count per element: its γ and β flag is named elementwise_affine, which
    # its hook does not read) and does not patch F.layer_norm: a subclass (channels_first) counts nothing
    tools = {"fvcore": C.group_normalised, "ptflops": C.layernorm_ptflops, "torchinfo": C.params_per_sample}

    def __init__(self, *more, eps=1e-5, affine=True, channels_first=False, name=None, normalized_shape=None,
                 elementwise_affine=None):
        super().__init__(name)
        if more:
            # PyTorch's order: normalized_shape, eps, elementwise_affine
            theirs = ["LayerNorm()", f"LayerNorm(normalized_shape={more[0]!r})"] if len(more) == 1 else []
            raise _torch_order("LayerNorm", more, "shapecalc's LayerNorm normalises the input's last axis and takes "
                               "its arguments by name (eps=…, affine=…)", theirs, name)
        # PyTorch's normalized_shape: the last axis only (an int, or a list of one); checked where given
        if isinstance(normalized_shape, (list, tuple)) and len(normalized_shape) == 1:
            normalized_shape = normalized_shape[0]
        self.normalized_shape = (None if normalized_shape is None else
                                 _positive_int(normalized_shape, "normalized_shape (the last axis)", name))
        self.eps = _number(eps, "eps", name, positive=True)
        if elementwise_affine is not None:
            # (PyTorch's name for affine)
            if affine is not True and affine != elementwise_affine:
                raise ConfigError(f"affine={affine!r} and elementwise_affine={elementwise_affine!r} name the same "
                                  "argument: give one", name)
            affine = elementwise_affine
        self.affine = _flag(affine, "affine", name)
        self.channels_first = _flag(channels_first, "channels_first", name)

    def infer(self, x, ctx, path):
        if self.channels_first:
            _require_map(x, path, "layernorm channels_first")
        if self.normalized_shape is not None:
            _expect(self.normalized_shape, x[-1], "normalized_shape", path)
        return x

    def counts(self, x, y):
        # γ and β, one each per channel when affine
        affine = x[-1] if self.affine else 0
        return (affine, affine, 0, 0, 0)

    def to_torch(self, x, no_bias, T):
        cls = T.LayerNorm2d if self.channels_first else T.nn.LayerNorm
        norm = cls(x[-1], eps=self.eps, elementwise_affine=self.affine)
        if no_bias and self.affine:
            norm.register_parameter("bias", None)
        return T.ChannelsLast(norm) if len(x) == 3 and not self.channels_first else norm

    def describe(self):
        return "layernorm"


class PointwiseLinear(Layer):
    """A dense layer applied at every position of a map, over its channels: H×W×C → H×W×units (PyTorch's
    Linear on a channels-last tensor, as in ConvNeXt's blocks; Keras' Dense on a map); on tokens N×D, to
    every token (a transformer's MLP). On a vector it is a dense layer."""

    kind = "pointwise"
    saves = S.dense
    fields = ("units", "bias")
    example = "input 9x7x8 | pointwise 32"
    tools = {"fvcore": C.macs, "ptflops": C.macs_and_bias, "torchinfo": C.params_per_sample}

    def __init__(self, units, bias=True, name=None):
        super().__init__(name)
        self.units = _positive_int(units, "units", name)
        self.bias = _flag(bias, "bias", name)

    def infer(self, x, ctx, path):
        return tuple(x[:-1]) + (self.units,)

    def counts(self, x, y):
        positions = 1
        for d in y[:-1]:
            positions = positions * d  # H · W on a map, N on tokens
        return (
            F.linear_weights(x[-1], self.units),  # W = C_in · units
            self.units if self.bias else 0,
            0,
            positions * x[-1] * self.units,  # MACs = positions · C_in · units
            positions * self.units if self.bias else 0,
        )

    def to_torch(self, x, no_bias, T):
        linear = T.nn.Linear(x[-1], self.units, bias=self.bias and not no_bias)
        return T.ChannelsLast(linear) if len(x) == 3 else linear

    def describe(self):
        return f"pointwise dense {self.units}" + (", no bias" if not self.bias else "")


class LayerScale(Layer):
    """Layer scale (Touvron et al. 2021; ConvNeXt): each channel multiplied by a learnt γ, initialised to
    ``init``. C parameters; its multiplications are not MACs."""

    kind = "layerscale"
    saves = S.layerscale
    fields = ("init",)
    example = "input 9x7x8 | residual( conv 8 k3 p1 | layerscale )"
    # x * γ: the operator, which ptflops does not patch; torchinfo counts only parameters named "weight" or
    # "bias" of the leaf modules that run, and γ is a layer_scale (in torchvision, of CNBlock, no leaf)
    tools = C.NONE

    def __init__(self, init=1e-6, name=None):
        super().__init__(name)
        self.init = _number(init, "init", name)

    def counts(self, x, y):
        return (x[-1], 0, 0, 0, 0)  # one γ per channel

    def to_torch(self, x, no_bias, T):
        return T.LayerScale(x[-1], self.init, len(x) == 3)

    def describe(self):
        return "layer scale"


class Permute(Layer):
    """A change of memory layout (PyTorch's ``permute``, as ConvNeXt's blocks go channels-last and back).
    shapecalc's shapes are H×W×C in any layout: the sizes are unchanged, and nothing is computed."""

    kind = "permute"
    saves = S.nothing
    view = True
    fields = ("dims",)
    example = "input 9x7x8 | permute [0,2,3,1] | pointwise 4 | permute [0,3,1,2]"
    tools = C.NONE

    def __init__(self, dims=(0, 2, 3, 1), name=None):
        super().__init__(name)
        if not isinstance(dims, (list, tuple)) or sorted(dims) != list(range(len(dims))):
            raise ConfigError(f"dims must be a permutation such as [0, 2, 3, 1], received {dims!r}", name)
        self.dims = tuple(dims)

    def config(self):
        return {"dims": list(self.dims)}

    def to_torch(self, x, no_bias, T):
        # shapecalc's PyTorch realisation keeps N×C×H×W throughout: its channels-last layers permute themselves
        return T.nn.Identity()

    def describe(self):
        return "permute (layout only)"


# ---------------------------------------------------------------------------------------------------------
# Keras' preprocessing and reshaping layers (read by shapecalc.from_keras): a fixed rescaling, a
# normalisation by stored or given statistics, a reshape in channels-last order

#: the PyTorch modules of the three kinds below, made on first use (see _keras_torch)
_KERAS_TORCH = {}


def _keras_torch(T):
    """The PyTorch modules of Rescaling, Normalization and Reshape (made once, on first use: a realisation is
    what imports torch). Each computes in Keras' channels-last order, as Keras does: a map N×C×H×W is
    permuted to N×H×W×C, and a map result back."""
    if _KERAS_TORCH:
        return _KERAS_TORCH
    torch, nn = T.torch, T.nn

    def last(x):
        return x.permute(0, 2, 3, 1) if x.dim() == 4 else x

    def first(y):
        return y.permute(0, 3, 1, 2) if y.dim() == 4 else y

    class KerasRescaling(nn.Module):
        """x · scale + offset (numbers, or one per channel): constants, no parameters."""

        def __init__(self, scale, offset):
            super().__init__()
            self.scale, self.offset = scale, offset

        def forward(self, x):
            y = last(x)
            scale = torch.as_tensor(self.scale, dtype=y.dtype, device=y.device)
            offset = torch.as_tensor(self.offset, dtype=y.dtype, device=y.device)
            return first(y * scale + offset)

    class KerasNormalization(nn.Module):
        """(x − mean) / √variance over the kept axes: the statistics are buffers (Keras' non-trainable
        mean, variance and count) unless the model gives them as constants."""

        def __init__(self, shape, mean, variance):
            super().__init__()
            if mean is None:
                self.register_buffer("mean", torch.zeros(shape))
                self.register_buffer("variance", torch.ones(shape))
                self.register_buffer("count", torch.zeros((), dtype=torch.int64))
            else:
                # constants, made where the input is (as Keras' are): no buffers
                self.given = (mean, variance, shape)

        def forward(self, x):
            y = last(x)
            if hasattr(self, "given"):
                mean, variance, shape = self.given
                mean, variance = (torch.as_tensor(v, dtype=y.dtype, device=y.device).reshape(
                    shape if isinstance(v, list) else ()) for v in (mean, variance))
            else:
                mean, variance = self.mean, self.variance
            return first((y - mean) / torch.sqrt(variance).clamp_min(1e-7))

    class KerasReshape(nn.Module):
        """A reshape of each sample, in channels-last order."""

        def __init__(self, target):
            super().__init__()
            self.target = tuple(target)

        def forward(self, x):
            return first(last(x).reshape(x.shape[0], *self.target))

    _KERAS_TORCH.update(Rescaling=KerasRescaling, Normalization=KerasNormalization, Reshape=KerasReshape)
    return _KERAS_TORCH


def _constant(value, what, name):
    """A number, or a non-empty list of numbers (one per channel)."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ConfigError(f"{what} must be a number or a list of numbers, received {value!r}", name)
        return [_number(v, what, name) for v in value]
    return _number(value, what, name)


def _per_channel(value, x, ctx, path, kind, what):
    """A list of values must have one per channel."""
    if isinstance(value, list) and len(value) > 1:
        ctx.equal((len(value),), (x[-1],), lambda: f"{kind}: {what} has {len(value)} values for {x[-1]} channels",
                  path)


class Rescaling(Layer):
    """x · scale + offset, with fixed numbers (or one per channel): Keras' Rescaling (``1/255``, or
    ``1/127.5`` and ``−1``). No parameters; its multiplications are no MACs."""

    kind = "rescaling"
    saves = S.rescaling
    example = "input 9x7x3 | rescaling 0.00784313725490196 offset=-1.0"
    fields = ("scale", "offset")
    tools = C.NONE

    def __init__(self, scale=1.0, offset=0.0, name=None):
        super().__init__(name)
        self.scale = _constant(scale, "scale", name)
        self.offset = _constant(offset, "offset", name)

    def infer(self, x, ctx, path):
        _per_channel(self.scale, x, ctx, path, self.kind, "scale")
        _per_channel(self.offset, x, ctx, path, self.kind, "offset")
        return x

    def to_torch(self, x, no_bias, T):
        return _keras_torch(T)["Rescaling"](self.scale, self.offset)

    def describe(self):
        def text(v):
            return f"[{len(v)} values]" if isinstance(v, list) else f"{v:.6g}"
        offset = self.offset
        shift = "" if offset == 0 else f" {'−' if not isinstance(offset, list) and offset < 0 else '+'} " + (
            text(offset) if isinstance(offset, list) else f"{abs(offset):.6g}")
        return f"rescaling ×{text(self.scale)}{shift}"


class Normalization(Layer):
    """(x − mean) / √variance, per position of the kept ``axis`` (default: the channels, ``(-1,)``; ``()``:
    one mean for all): Keras' Normalization. With ``mean`` and ``variance`` None the statistics are stored
    in the model (adapted to data): mean and variance, one each per kept position, and a count — Keras'
    non-trainable weights, buffers here; given as numbers (or lists), they are constants: nothing stored."""

    kind = "normalization"
    saves = S.normalization
    buffers_are = "Normalization mean, variance and count"
    example = "input 9x7x8 | normalization"
    fields = ("axis", "mean", "variance")
    tools = C.NONE

    def __init__(self, axis=(-1,), mean=None, variance=None, name=None):
        super().__init__(name)
        if type(axis) is int:
            axis = (axis,)
        if not isinstance(axis, (list, tuple)) or any(isinstance(a, bool) or not isinstance(a, int) for a in axis) \
                or len(set(axis)) != len(axis):
            raise ConfigError(f"axis must be a list of distinct axes such as [-1], received {axis!r}", name)
        self.axis = tuple(axis)
        if (mean is None) != (variance is None):
            raise ConfigError("mean and variance are given together, or neither (stored in the model)", name)
        self.mean = None if mean is None else _constant(mean, "mean", name)
        self.variance = None if variance is None else _constant(variance, "variance", name)

    def config(self):
        out = {"axis": list(self.axis)} if self.axis != (-1,) else {}
        if self.mean is not None:
            out.update(mean=self.mean, variance=self.variance)
        return out

    def _kept(self, x, path=None):
        """The kept axes as indices of ``x``, in order."""
        kept = []
        for a in self.axis:
            if not -len(x) <= a < len(x):
                raise ShapeError(f"normalization axis {a} is outside the input {format_shape(x)}", path)
            kept.append(a % len(x))
        return sorted(kept)

    def _size(self, x):
        size = 1
        for a in self._kept(x):
            size = size * x[a]  # the positions kept: one mean and one variance each
        return size

    def infer(self, x, ctx, path):
        self._kept(x, path)
        for value, what in ((self.mean, "mean"), (self.variance, "variance")):
            if isinstance(value, list) and len(value) > 1:
                ctx.equal((len(value),), (self._size(x),), lambda v=value, w=what: (
                    f"normalization: {w} has {len(v)} values for the {self._size(x)} positions of axis "
                    f"{list(self.axis)}"), path)
        return x

    def counts(self, x, y):
        if self.mean is not None:
            return _NOTHING  # constants of the model, not weights
        # mean and variance per kept position, and one count
        return (0, 0, 2 * self._size(x) + 1, 0, 0)

    def to_torch(self, x, no_bias, T):
        kept = self._kept(x)
        shape = tuple(x[a] if a in kept else 1 for a in range(len(x)))
        return _keras_torch(T)["Normalization"](shape, self.mean, self.variance)

    def describe(self):
        return "normalization" + (" (given mean, variance)" if self.mean is not None else "")

    def buffer_bytes(self, row, bytes_per_element):
        # mean and variance, and Keras' int64 count (one of the buffers)
        return (row.buffers - 1) * bytes_per_element + S.COUNTER_BYTES

class Reshape(Layer):
    """Each sample's values in a new shape, read in channels-last order (Keras' Reshape): ``target`` a map
    ``(H, W, C)``, tokens ``(N, D)`` or a vector ``(N,)``, one size of which may be −1 (what is left). The
    element counts must agree. No parameters, no arithmetic."""

    kind = "reshape"
    saves = S.nothing
    example = "input 6x4x8 | reshape [-1,8]"
    fields = ("target",)
    tools = C.NONE

    def __init__(self, target, name=None):
        super().__init__(name)
        if type(target) is int:
            target = (target,)
        if not isinstance(target, (list, tuple)) or not 1 <= len(target) <= 3 or any(
                isinstance(d, bool) or not isinstance(d, int) or (d < 1 and d != -1) for d in target) \
                or list(target).count(-1) > 1:
            raise ConfigError(f"target must be 1 to 3 sizes ≥ 1, one of which may be -1, received {target!r}",
                              name)
        for d in target:
            if d > MAX_SIZE:
                raise ConfigError(f"target size {d} is larger than the limit {MAX_SIZE:,}", name)
        self.target = tuple(target)

    def config(self):
        return {"target": list(self.target)}

    def infer(self, x, ctx, path):
        n = 1
        for d in x:
            n = n * d  # the elements of a sample
        known = 1
        for d in self.target:
            if d != -1:
                known = known * d
        if -1 not in self.target:
            ctx.equal((n,), (known,), _reshape_mismatch, path, x, self.target)
            return self.target
        rest = n // known  # the −1 size: what is left
        ctx.equal((rest * known,), (n,), _reshape_mismatch, path, x, self.target)
        return tuple(rest if d == -1 else d for d in self.target)

    def to_torch(self, x, no_bias, T):
        return _keras_torch(T)["Reshape"](self.target)

    def describe(self):
        return "reshape to " + "×".join("?" if d == -1 else str(d) for d in self.target)

    def output_is_view(self, x):
        # a reshape of a map goes through channels-last (Keras' order): a copy; of tokens or a vector, a view
        return len(x) != 3

def _reshape_mismatch(x, target):
    return f"reshape cannot make {format_shape(x)} into {'×'.join(str(d) for d in target)}: the element counts differ"


# ---------------------------------------------------------------------------------------------------------
# tokens: a sequence of N vectors of D, shape (N, D) (Vision Transformers)


def _require_tokens(x, path, kind):
    if len(x) != 2:
        raise ShapeError(f"{kind} expects tokens N×D, received {format_shape(x)}: a feature map becomes tokens "
                         "through a tokens layer (after the patch embedding's convolution)", path)


class Tokens(Layer):
    """A feature map read as tokens, one per position: H×W×C → (H·W)×C (a ViT's patch embedding reshapes
    its convolution's output so). No parameters."""

    kind = "tokens"
    saves = S.nothing
    view = True
    example = "input 32x32x3 | conv 8 k8 s8 | tokens | layernorm"
    tools = C.NONE

    def infer(self, x, ctx, path):
        _require_map(x, path, self.kind)
        # N = H · W tokens of C
        return (x[0] * x[1], x[2])

    def to_torch(self, x, no_bias, T):
        return T.Tokens()

    def describe(self):
        return "to tokens"


class ClassToken(Layer):
    """A learnt class token put before the others: N×D → (N + 1)×D; D parameters."""

    kind = "classtoken"
    saves = S.nothing
    example = "input 32x32x3 | conv 8 k8 s8 | tokens | classtoken | selecttoken"
    # a parameter and a concatenation: no tool counts them (torchinfo counts only parameters named "weight"
    # or "bias", and torchvision's class_token belongs to VisionTransformer, no leaf)
    tools = C.NONE

    def infer(self, x, ctx, path):
        _require_tokens(x, path, self.kind)
        return (x[0] + 1, x[1])

    def counts(self, x, y):
        return (x[1], 0, 0, 0, 0)  # one vector of D

    def to_torch(self, x, no_bias, T):
        return T.ClassToken(x[1])

    def describe(self):
        return "class token"


class PositionEmbedding(Layer):
    """A learnt position embedding added to the tokens: N·D parameters (they depend on the input size, as
    a ViT's do on its image size)."""

    kind = "posembed"
    saves = S.nothing
    example = "input 32x32x3 | conv 8 k8 s8 | tokens | posembed"
    # x + the embedding: the operator, which ptflops does not patch; torchinfo counts only parameters named
    # "weight" or "bias" (torchvision's pos_embedding belongs to the Encoder, no leaf)
    tools = C.NONE

    def infer(self, x, ctx, path):
        _require_tokens(x, path, self.kind)
        return x

    def counts(self, x, y):
        return (x[0] * x[1], 0, 0, 0, 0)  # N · D

    def to_torch(self, x, no_bias, T):
        return T.PositionEmbedding(x[0], x[1])

    def describe(self):
        return "position embedding"


class MultiheadAttention(Layer):
    """Multi-head self-attention on tokens N×D (PyTorch's nn.MultiheadAttention): Q, K, V projections
    (3·D·D weights, 3·D biases), ``heads`` heads of D / heads, and the output projection (D·D + D).

    MACs, as torchvision's published figures count them: the projections, 4·N·D², and the two products of
    attention, Q·Kᵀ and A·V, N²·D each; the softmax is not a multiply-accumulate.

    The realisation holds the parameters as nn.MultiheadAttention does (``in_proj_weight``,
    ``in_proj_bias`` and a child ``out_proj`` whose weights it uses without calling it) and computes with
    torch.matmul, torch.add, torch.mul and F.softmax: ptflops counts what its nn.MultiheadAttention hook
    counts, and torchinfo, which counts leaf modules that run, nothing — as on torchvision's ViT."""

    kind = "attention"
    saves = S.attention
    fields = ("heads", "bias")
    example = "input 32x32x3 | conv 16 k8 s8 | tokens | residual( layernorm | attention 4 ) flat | selecttoken"
    global_field = True
    tools = {"fvcore": C.macs, "ptflops": C.attention_ptflops, "torchinfo": C.ZERO}

    def __init__(self, heads=None, *more, bias=True, name=None, embed_dim=None, num_heads=None):
        super().__init__(name)
        if more:
            # PyTorch's order: embed_dim, num_heads, dropout, bias
            args = (heads, *more)
            theirs = [f"MultiheadAttention({args[1]!r})",
                      f"MultiheadAttention(embed_dim={args[0]!r}, num_heads={args[1]!r})"] if len(args) == 2 else []
            raise _torch_order("MultiheadAttention", args, "shapecalc's MultiheadAttention takes its number of heads, "
                               "the bias by name, and the embedding size from the input", theirs, name)
        heads = _either(heads, num_heads, "heads", "num_heads", name)
        if heads is None:
            raise ConfigError("MultiheadAttention needs its number of heads: MultiheadAttention(8), or "
                              "MultiheadAttention(num_heads=8)", name)
        # PyTorch's embed_dim: not needed (the tokens have it), checked where given
        self.embed_dim = None if embed_dim is None else _positive_int(embed_dim, "embed_dim", name)
        self.heads = _positive_int(heads, "heads", name)
        self.bias = _flag(bias, "bias", name)

    def infer(self, x, ctx, path):
        _require_tokens(x, path, self.kind)
        if self.embed_dim is not None:
            _expect(self.embed_dim, x[1], "embed_dim", path)
        _require_numeric_channels((None, None, x[1]), path, self.kind)
        if x[1] % self.heads:
            raise ShapeError(f"{self.heads} heads must divide the {x[1]} features (remainder {x[1] % self.heads})",
                             path)
        return x

    def counts(self, x, y):
        n, d = x
        return (
            4 * d * d,  # W = 3·D·D (Q, K, V) + D·D (output)
            4 * d if self.bias else 0,
            0,
            4 * n * d * d + 2 * n * n * d,  # MACs = 4·N·D² (projections) + 2·N²·D (Q·Kᵀ and A·V)
            4 * n * d if self.bias else 0,
        )

    def to_torch(self, x, no_bias, T):
        return T.SelfAttention(x[1], self.heads, self.bias and not no_bias)

    def describe(self):
        return f"attention, {self.heads} heads" + (", no bias" if not self.bias else "")

    def parameter_tensors(self, row, no_bias=False):
        # in_proj_weight, in_proj_bias, out_proj's weight and bias
        return 2 * (1 + (self.bias and not no_bias))

class SelectToken(Layer):
    """One token as a vector: N×D → D (``index`` 0: a ViT's class token, ``x[:, 0]``)."""

    kind = "selecttoken"
    saves = S.nothing
    view = True
    fields = ("index",)
    example = "input 32x32x3 | conv 8 k8 s8 | tokens | classtoken | selecttoken | dense 10"
    tools = C.NONE

    def __init__(self, index=0, name=None):
        super().__init__(name)
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise ConfigError(f"index must be a whole number ≥ 0, received {index!r}", name)
        self.index = index

    def infer(self, x, ctx, path):
        _require_tokens(x, path, self.kind)
        if isinstance(x[0], int) and self.index >= x[0]:
            raise ShapeError(f"token {self.index} does not exist: there are {x[0]}", path)
        return (x[1],)

    def to_torch(self, x, no_bias, T):
        return T.SelectToken(self.index)

    def describe(self):
        return f"token {self.index}"


# ---------------------------------------------------------------------------------------------------------
# attention in windows of a feature map (Swin Transformers, MaxViT): Swin's window attention works on the
# H×W×C map itself; MaxViT partitions the map into groups of tokens, a G×N×C shape (G groups of N tokens,
# which stands where a map's H×W×C would), attends within each group and puts the tokens back


def _square_root(value):
    """The square root of a size that should be a square: an int (⌊√v⌋), a numpy array of sizes (rounded),
    a sympy expression (exact: √((H/7)²) is H/7, sizes being positive); the caller checks it is whole."""
    if isinstance(value, int):
        import math

        return math.isqrt(value) if value > 0 else 0
    if hasattr(value, "free_symbols"):
        import sympy

        return sympy.powdenest(sympy.sqrt(value), force=True)
    import numpy

    return numpy.rint(numpy.sqrt(numpy.asarray(value, dtype=float))).astype(numpy.int64)


def _require_square(root, value, ctx, path, what):
    """``value`` = ``root``²: numerically, or, for a sympy root, that a root left under a √ is whole."""
    if hasattr(root, "free_symbols"):
        import sympy

        if any(not p.exp.is_integer for p in root.atoms(sympy.Pow)):
            ctx.equal((sympy.floor(root),), (root,), _not_square, path, what, value)
    else:
        ctx.equal((root * root,), (value,), _not_square, path, what, value)


def _exact_div(size, divisor):
    """``size / divisor`` where the division is known to be exact (checked by the caller): ``//`` on ints and
    numpy arrays, ``/`` on sympy sizes (so that ``(H/7)·7`` is H again, not 7·⌊H/7⌋)."""
    return size / divisor if hasattr(size, "free_symbols") else size // divisor


def _not_square(what, value):
    return f"{what} {value} is not a square (a departition puts √G × √G groups of √N × √N tokens back on a map)"


class SpaceToDepth(Layer):
    """The ``block``×``block`` neighbours of each position concatenated over the channels:
    H×W×C → ⌈H/b⌉×⌈W/b⌉×b²·C, H and W first zero-padded at the bottom and right up to multiples of b (the
    gathering step of Swin's patch merging, which then normalises and projects the 4C channels to 2C).
    No parameters, no arithmetic."""

    kind = "spacetodepth"
    saves = S.nothing
    fields = ("block",)
    example = "input 9x7x8 | spacetodepth 2 | layernorm | pointwise 16 nobias"
    tools = C.NONE

    def __init__(self, block=2, name=None):
        super().__init__(name)
        self.block = _positive_int(block, "block", name)

    def infer(self, x, ctx, path):
        _require_map(x, path, self.kind)
        b = self.block
        # ⌈H / b⌉ × ⌈W / b⌉ positions of b·b·C channels
        return (F.ceil_div(x[0], b), F.ceil_div(x[1], b), x[2] * b * b)

    def window(self, x):
        # a b×b window with stride b; the zero padding comes after the map, not before
        return ((self.block, self.block, 0), (self.block, self.block, 0))

    def to_torch(self, x, no_bias, T):
        return T.SpaceToDepth(self.block)

    def describe(self):
        b = self.block
        return f"space to depth {b}×{b} (zero-padded)"


class WindowAttention(Layer):
    """Swin's (shifted) window multi-head self-attention on an H×W×C map (torchvision's
    ShiftedWindowAttention): the map zero-padded at the bottom and right to multiples of the window,
    cyclically shifted by ``shift`` (no shift where one window covers the padded axis), cut into
    ⌈H/w_h⌉·⌈W/w_w⌉ windows of N = w_h·w_w tokens, self-attention in each window with a learnt relative
    position bias, and the map put back (unshifted, unpadded).

    Parameters: Q, K, V and output projections (4·C² weights, 4·C biases) and the bias table,
    (2·w_h − 1)·(2·w_w − 1) × heads; buffer: the index into the table, N² entries.

    MACs, as torchvision's published GFLOPS (``FlopCounterMode``) count them: per window the projections,
    4·N·C², and the two products Q·Kᵀ and A·V, N²·C each — the padded windows included; the scaling,
    bias, mask and softmax are no multiply-accumulates.

    Receptive field: each position attends to the w positions of its window along each axis (a shifted
    window is w wide too; the positions that the cyclic shift brings together are masked out), or to the
    whole axis where that is shorter: a w-wide step of stride 1, as for a convolution. It is position-exact
    for one layer; a stack of shifted windows reaches about w further per layer, as the steps add up."""

    kind = "windowattention"
    saves = S.windowattention
    buffers_are = "relative position indices"
    fields = ("heads", "size", "shift", "bias")
    example = "input 10x9x8 | windowattention 2 size=4 shift=2"
    # as torchvision's shifted_window_attention: the projections are F.linear calls on the weights of the
    # nn.Linear modules qkv and proj, which never run. fvcore: its linear and matmul MACs; ptflops: the
    # patched matmuls and softmax, not the projections; torchinfo: nothing (see conventions.py)
    tools = {"fvcore": C.macs, "ptflops": C.window_attention_ptflops, "torchinfo": C.window_attention_torchinfo}

    def __init__(self, heads, size=7, shift=0, bias=True, name=None):
        super().__init__(name)
        self.heads = _positive_int(heads, "heads", name)
        self.size = _pair(size, "window size", name)
        self.shift = _pair(shift, "shift", name, minimum=0)
        for s, w in zip(self.shift, self.size):
            if s >= w:
                raise ConfigError(f"shift {s} must be smaller than the window {w}", name)
        self.bias = _flag(bias, "bias", name)

    def config(self):
        out = Layer.config(self)
        for key in ("size", "shift"):
            if key in out and out[key][0] == out[key][1]:
                out[key] = out[key][0]
        if out.get("size") == 7:
            del out["size"]
        if out.get("shift") == 0:
            del out["shift"]
        return out

    def infer(self, x, ctx, path):
        _require_map(x, path, self.kind)
        _require_numeric_channels(x, path, self.kind)
        if x[2] % self.heads:
            raise ShapeError(f"{self.heads} heads must divide the {x[2]} channels (remainder {x[2] % self.heads})",
                             path)
        return x

    def windows(self, x):
        """(windows, tokens per window): ⌈H/w_h⌉·⌈W/w_w⌉ and w_h·w_w."""
        wh, ww = self.size
        return F.ceil_div(x[0], wh) * F.ceil_div(x[1], ww), wh * ww

    def table(self):
        """The relative positions of a window: (2·w_h − 1)·(2·w_w − 1)."""
        return (2 * self.size[0] - 1) * (2 * self.size[1] - 1)

    def counts(self, x, y):
        c = x[2]
        windows, n = self.windows(x)
        return (
            4 * c * c + self.table() * self.heads,  # W = 3·C·C (Q, K, V) + C·C (output) + table × heads
            4 * c if self.bias else 0,
            n * n,  # the relative position index, N × N
            windows * n * c * (4 * c + 2 * n),  # MACs = windows · (4·N·C² + 2·N²·C)
            windows * n * 4 * c if self.bias else 0,
        )

    def window(self, x):
        # min(w, H) = w − max(w − H, 0): one window, or the whole axis where it is shorter
        wh, ww = self.size
        return ((wh - F.maximum(wh - x[0], 0), 1, 0), (ww - F.maximum(ww - x[1], 0), 1, 0))

    def to_torch(self, x, no_bias, T):
        return T.WindowAttention(x[2], self.heads, self.size, self.shift, self.bias and not no_bias)

    def _text(self):
        shift = f", shift {_kxk(self.shift)}" if any(self.shift) else ""
        return f"{_kxk(self.size)}, {self.heads} heads{shift}" + (", no bias" if not self.bias else "")

    def describe(self):
        return "window attention " + self._text()

    def parameter_tensors(self, row, no_bias=False):
        # the position bias table; the QKV and output projections
        return 1 + 2 * (1 + (self.bias and not no_bias))

    def buffer_bytes(self, row, bytes_per_element):
        # the relative position index, int64
        return row.buffers * S.INDEX_BYTES

class CosineWindowAttention(WindowAttention):
    """Swin V2's window attention (torchvision's ShiftedWindowAttentionV2): as Swin's, with scaled cosine
    attention — cos(Q, K) times a learnt, clamped scale per head — and a continuous position bias: a
    2 → ``hidden`` → heads MLP (ReLU) over the (2·w_h − 1)·(2·w_w − 1) log-spaced relative coordinates of
    the window, 16·sigmoid of it added to the scores. The K part of the QKV bias is held but not used.

    Parameters: the projections (4·C² weights, 4·C biases), the scale (heads), the MLP (2·hidden weights and
    hidden biases, then hidden × heads weights); buffers: the coordinate table, 2 per relative position, and
    the index, N².

    MACs: the window attention's, windows · (4·N·C² + 2·N²·C), plus the position-bias MLP over the
    relative positions T, T·(2·hidden + hidden·heads) — as torchvision's published GFLOPS count. That MLP
    runs once per forward pass whatever the batch; shapecalc's figures are per sample, so at a batch of B it
    is counted B times."""

    kind = "cosinewindowattention"
    saves = S.cosinewindowattention
    buffers_are = "relative position indices and coordinates"
    fields = ("heads", "size", "shift", "bias", "hidden")
    example = "input 10x9x8 | cosinewindowattention 2 size=4 shift=2 hidden=16"
    # Q·Kᵀ with the @ operator (not counted by ptflops, as torchvision's); ptflops also counts the MLP's
    # Linear hooks and its ReLU twice (nn.ReLU's hook and the patched F.relu); torchinfo the MLP's parameters
    # once per forward pass
    tools = {"fvcore": C.macs, "ptflops": C.window_attention_ptflops, "torchinfo": C.window_attention_torchinfo}

    def __init__(self, heads, size=8, shift=0, bias=True, hidden=512, name=None):
        super().__init__(heads, size, shift, bias, name)
        self.hidden = _positive_int(hidden, "hidden", name)

    def config(self):
        out = Layer.config(self)
        for key in ("size", "shift"):
            if key in out and out[key][0] == out[key][1]:
                out[key] = out[key][0]
        if out.get("size") == 8:
            del out["size"]
        if out.get("shift") == 0:
            del out["shift"]
        return out

    def counts(self, x, y):
        c = x[2]
        windows, n = self.windows(x)
        t, hidden, heads = self.table(), self.hidden, self.heads
        return (
            # W = 4·C² (projections) + heads (logit scale) + 2·hidden + hidden·heads (position-bias MLP)
            4 * c * c + heads + 2 * hidden + hidden * heads,
            (4 * c if self.bias else 0) + hidden,
            n * n + 2 * t,  # the index (N × N) and the relative coordinates (T × 2)
            # MACs = windows · (4·N·C² + 2·N²·C) + T · (2·hidden + hidden·heads)
            windows * n * c * (4 * c + 2 * n) + t * (2 * hidden + hidden * heads),
            (windows * n * 4 * c if self.bias else 0) + t * hidden,
        )

    def once_per_pass(self, x, y):
        # the position-bias MLP runs on the table, once whatever the batch: T · (2·hidden + hidden·heads)
        t, hidden = self.table(), self.hidden
        return (t * (2 * hidden + hidden * self.heads), t * hidden)

    def to_torch(self, x, no_bias, T):
        return T.WindowAttention(x[2], self.heads, self.size, self.shift, self.bias and not no_bias,
                                 cosine=True, hidden=self.hidden, mlp_bias=not no_bias)

    def describe(self):
        return "cosine window attention " + self._text()

    def parameter_tensors(self, row, no_bias=False):
        # the logit scale; the projections; the position MLP: 2 weights and a bias
        return 1 + 2 * (1 + (self.bias and not no_bias)) + 2 + (not no_bias)

    def buffer_bytes(self, row, bytes_per_element):
        # the index (n² int64) and the relative coordinates (2 per offset, at the dtype)
        tokens = self.size[0] * self.size[1]
        return tokens * tokens * S.INDEX_BYTES + (row.buffers - tokens * tokens) * bytes_per_element

class Partition(Layer):
    """MaxViT's partition of a square map into groups of tokens (torchvision's WindowPartition): with
    P = ``size``, the H×W map (H = W, a multiple of P) becomes G×N×C — ``grid=False``: (H/P)² blocks of
    P×P neighbours, ((H/P)², P², C); ``grid=True``: the map cut into H/P × H/P cells, P² of them, each
    cell one group ((P², (H/P)², C)), which a swap of axes turns into (H/P)² groups of P² positions spread
    over the whole map. torchvision's MaxViT runs square maps only: its grid partition counts its cells along
    H for both axes. No parameters, no arithmetic.

    Receptive field: the attention on the groups mixes each position with the P positions of its block
    along each axis (block partition), or with P positions H/P apart, spanning (P − 1)·H/P + 1 (grid
    partition); that step is taken here, and the rows up to the departition keep it."""

    kind = "partition"
    saves = S.nothing
    axes = ("G", "N", "C")
    fields = ("size", "grid")
    example = "input 14x14x8 | partition 7 | relativeattention 4 7 | departition"
    tools = C.NONE

    def __init__(self, size=7, grid=False, name=None):
        super().__init__(name)
        self.size = _positive_int(size, "size", name)
        self.grid = _flag(grid, "grid", name)

    def infer(self, x, ctx, path):
        _require_map(x, path, self.kind)
        p = self.size
        ctx.equal((x[1],), (x[0],), lambda: f"partition expects a square map, received {_kxk(x[:2])}", path)
        ctx.equal((x[0] % p,), (0,), lambda: f"partition {p} must divide the map's {x[0]} rows and columns "
                                            f"(remainder {x[0] % p})", path)
        side = _exact_div(x[0], p)
        cells = side * side  # (H / P)²
        return ((p * p, cells, x[2]) if self.grid else (cells, p * p, x[2]))

    def window(self, x):
        p = self.size
        if self.grid:
            # P positions H/P apart: a span of (P − 1)·H/P + 1
            return (((p - 1) * _exact_div(x[0], p) + 1, 1, 0), ((p - 1) * _exact_div(x[1], p) + 1, 1, 0))
        return ((p, 1, 0), (p, 1, 0))

    def to_torch(self, x, no_bias, T):
        # torchvision's WindowPartition with p = P (blocks) or p = H / P (grid cells)
        return T.Partition(x[0] // self.size if self.grid else self.size)

    def describe(self):
        p = self.size
        return f"{'grid' if self.grid else 'block'} partition {p}×{p}"


class SwapAxes(Layer):
    """The first two axes exchanged: A×B×C → B×A×C (MaxViT's SwapAxes between the grid partition and its
    attention). On a map, a transpose of H and W. No parameters, no arithmetic."""

    kind = "swapaxes"
    saves = S.nothing
    view = True
    axes = ("G", "N", "C")
    example = "input 14x14x8 | partition 7 grid=on | swapaxes | relativeattention 4 7 | swapaxes | departition"
    tools = C.NONE

    def infer(self, x, ctx, path):
        _require_map(x, path, self.kind)
        return (x[1], x[0], x[2])

    def to_torch(self, x, no_bias, T):
        return T.SwapAxes()

    def describe(self):
        return "swap axes"


class Departition(Layer):
    """The groups of a partition put back on their map (torchvision's WindowDepartition): G×N×C, G groups
    of N tokens, G and N squares, → S×S×C with S = √G·√N. No parameters, no arithmetic."""

    kind = "departition"
    saves = S.nothing
    example = "input 14x14x8 | partition 7 | relativeattention 4 7 | departition"
    tools = C.NONE

    def infer(self, x, ctx, path):
        _require_map(x, path, self.kind)
        g, n = _square_root(x[0]), _square_root(x[1])
        _require_square(g, x[0], ctx, path, "the group count")
        _require_square(n, x[1], ctx, path, "the group size")
        # S = √G · √N
        side = g * n
        return (side, side, x[2])

    def to_torch(self, x, no_bias, T):
        return T.Departition()

    def describe(self):
        return "departition"


class RelativeAttention(Layer):
    """MaxViT's multi-head self-attention within each group of a partition (torchvision's
    RelativePositionalMultiHeadAttention): on G×N×C, N = ``size``² tokens per group, heads of ``head_dim``
    (C / head_dim of them), a learnt relative position bias over the size×size arrangement.

    Parameters: the QKV and output projections (4·C² weights, 4·C biases) and the bias table,
    (2·size − 1)² × heads; buffer: the index into the table, N².

    MACs, as torchvision's published GFLOPS (``FlopCounterMode``) count them: per group the projections,
    4·N·C², and the two products Q·Kᵀ and A·V, N²·C each, which torchvision (and the realisation) compute
    with ``torch.einsum``: ptflops does not count them, and fvcore counts them rounded to 4 significant
    digits (:func:`shapecalc.conventions.einsum_fvcore`)."""

    kind = "relativeattention"
    saves = S.relativeattention
    buffers_are = "relative position indices"
    fields = ("head_dim", "size", "bias")
    example = "input 14x14x8 | partition 7 | relativeattention 4 7 | departition"
    tools = {"fvcore": C.relative_attention_fvcore, "ptflops": C.relative_attention_ptflops,
             "torchinfo": C.relative_attention_torchinfo}

    def __init__(self, head_dim, size=7, bias=True, name=None):
        super().__init__(name)
        self.head_dim = _positive_int(head_dim, "head_dim", name)
        self.size = _positive_int(size, "size", name)
        self.bias = _flag(bias, "bias", name)

    def infer(self, x, ctx, path):
        _require_map(x, path, self.kind)
        _require_numeric_channels(x, path, self.kind)
        if x[2] % self.head_dim:
            raise ShapeError(f"heads of {self.head_dim} must divide the {x[2]} channels "
                             f"(remainder {x[2] % self.head_dim})", path)
        n = self.size * self.size
        ctx.equal((x[1],), (n,), lambda: f"relative attention {self.size}×{self.size} expects groups of {n} tokens, "
                                         f"received {format_shape(x)}", path)
        return x

    def heads(self, x):
        return x[2] // self.head_dim

    def counts(self, x, y):
        groups, n, c = x
        table = (2 * self.size - 1) * (2 * self.size - 1)
        return (
            4 * c * c + table * self.heads(x),  # W = 3·C·C (Q, K, V) + C·C (output) + table × heads
            4 * c if self.bias else 0,
            n * n,  # the relative position index, N × N
            groups * n * c * (4 * c + 2 * n),  # MACs = G · (4·N·C² + 2·N²·C)
            groups * n * 4 * c if self.bias else 0,
        )

    def to_torch(self, x, no_bias, T):
        return T.RelativeAttention(x[2], self.head_dim, self.size, self.bias and not no_bias)

    def describe(self):
        return (f"relative attention {self.size}×{self.size}, heads of {self.head_dim}"
                + (", no bias" if not self.bias else ""))

    def parameter_tensors(self, row, no_bias=False):
        # the position bias table; the QKV and output projections
        return 1 + 2 * (1 + (self.bias and not no_bias))

    def buffer_bytes(self, row, bytes_per_element):
        # the relative position index, int64
        return row.buffers * S.INDEX_BYTES

# ---------------------------------------------------------------------------------------------------------
# merges


class Concat(Layer):
    """Channel concatenation: spatial sizes must match; channels add up."""

    kind = "concat"
    called = ('concat',)
    saves = S.nothing
    example = "input 9x7x8 | branches( conv 4 k1 ; maxpool 3 1 p1 ) concat"
    merges = True
    tools = C.NONE

    def to_torch(self, x, no_bias, T):
        return T.Concat()

    def merge(self, inputs, ctx, path):
        first = inputs[0]
        for i, x in enumerate(inputs[1:], 2):
            if len(x) != len(first):
                raise ShapeError(
                    f"concat expects inputs of the same kind; branch 1 gives {format_shape(first)}, "
                    f"branch {i} gives {format_shape(x)}",
                    path,
                )
            if len(x) == 3:
                ctx.equal(
                    x[:2],
                    first[:2],
                    lambda x=x, i=i: f"concat expects equal spatial sizes; branch 1 gives {_kxk(first[:2])}, "
                    f"branch {i} gives {_kxk(x[:2])}",
                    path,
                )
        total = 0
        for x in inputs:
            total = total + x[-1]
        return tuple(first[:-1]) + (total,)


class Add(Layer):
    """Element-wise sum (residual connections): shapes must match."""

    kind = "add"
    saves = S.nothing
    example = "input 9x7x8 | residual( conv 8 k3 p1 | relu )"
    merges = True
    tools = C.NONE

    def to_torch(self, x, no_bias, T):
        return T.Add()

    def merge(self, inputs, ctx, path):
        first = inputs[0]
        for i in range(1, len(inputs)):
            x = inputs[i]
            if len(x) != len(first):
                raise ShapeError(_add_mismatch(first, x, i + 1), path)
            ctx.equal(tuple(x), tuple(first), _add_mismatch, path, first, x, i + 1)
        return first


def _add_mismatch(first, x, i):
    # (a function, not a method: the hot path passes it without a look-up through the class)
    return f"add expects equal shapes; input 1 is {format_shape(first)}, input {i} is {format_shape(x)}"


class Multiply(Layer):
    """Element-wise product with broadcasting: each axis equal, or 1 in one of the inputs (a 1×1×C
    squeeze-excitation gate scales an H×W×C map). No parameters; its multiplications are not MACs."""

    kind = "mul"
    saves = S.mul
    example = "input 9x7x8 | residual( gap keepdims=on | conv 2 k1 | relu | conv 8 k1 | sigmoid ) mul"
    merges = True
    broadcasts = True
    tools = C.NONE

    def merge(self, inputs, ctx, path):
        out = tuple(inputs[0])
        for i in range(1, len(inputs)):
            x = tuple(inputs[i])
            if len(x) != len(out):
                raise ShapeError(_mul_mismatch(out, x, i + 1), path)
            sizes = []
            for a, b in zip(out, x):
                if a is b or (isinstance(b, int) and b == 1):
                    sizes.append(a)
                elif isinstance(a, int) and a == 1:
                    sizes.append(b)
                else:
                    ctx.equal((a,), (b,), _mul_mismatch, path, out, x, i + 1)
                    sizes.append(a)
            out = tuple(sizes)
        return out

    def to_torch(self, x, no_bias, T):
        return T.Multiply()


def _mul_mismatch(first, x, i):
    return (f"mul expects shapes that broadcast (each size equal, or 1); input 1 is {format_shape(first)}, "
            f"input {i} is {format_shape(x)}")


class Upsample(Layer):
    """Upsampling by whole factors: H×W×C → (s_h·H)×(s_w·W)×C, ``mode`` "nearest" (each value repeated) or
    "bilinear" (``align_corners=False``). No parameters; its interpolation is not multiply-accumulate (0
    MACs). PyTorch's nn.Upsample / F.interpolate with ``scale_factor``.

    Its receptive field is not followed: an output position moves by 1/s of an input position, which no
    whole-number field describes; the fields are reported unknown from here on."""

    kind = "upsample"
    saves = S.nothing
    fields = ("scale", "mode")
    example = "input 9x7x8 | conv 4 k3 | upsample 2"
    known_field = False
    # ptflops counts each output element twice (nn.Upsample's hook and the patched F.interpolate); fvcore 1
    # per output element for nearest and 4 for bilinear (interpolation, not multiply-adds); torchinfo counts
    # no parameter-free module
    tools = {"fvcore": C.upsample_fvcore, "ptflops": C.twice_out, "torchinfo": C.ZERO}

    def __init__(self, *more, scale=2, mode="nearest", name=None, scale_factor=None):
        super().__init__(name)
        if more:
            # PyTorch's order: size, scale_factor, mode — a lone number is PyTorch's output size, not a factor
            raise _torch_order("Upsample", more, "shapecalc's Upsample takes its whole factor by name, "
                               "Upsample(scale=2) or Upsample(scale_factor=2); PyTorch reads a lone number as the "
                               "output size, which shapecalc does not take", [], name)
        if scale_factor is not None:
            # (PyTorch's name for scale; a whole factor, as a float or an int)
            if isinstance(scale_factor, float) and scale_factor.is_integer():
                scale_factor = int(scale_factor)
            scale = scale_factor
        self.scale = _pair(scale, "scale", name)
        if mode not in ("nearest", "bilinear"):
            raise ConfigError(f"mode must be 'nearest' or 'bilinear', received {mode!r}", name)
        self.mode = mode

    def config(self):
        out = Layer.config(self)
        if "scale" in out and out["scale"][0] == out["scale"][1]:
            out["scale"] = out["scale"][0]
        return out

    def infer(self, x, ctx, path):
        _require_map(x, path, self.kind)
        # (s_h · H, s_w · W, C)
        return (x[0] * self.scale[0], x[1] * self.scale[1], x[2])

    def to_torch(self, x, no_bias, T):
        return T.nn.Upsample(scale_factor=tuple(float(s) for s in self.scale), mode=self.mode)

    def describe(self):
        s = self.scale
        times = f"×{s[0]}" if s[0] == s[1] else f"×{s[0]}×{s[1]}"
        return f"upsample {times}" + ("" if self.mode == "nearest" else f" {self.mode}")


# ---------------------------------------------------------------------------------------------------------
# a layer of an imported model that no kind describes


# ---------------------------------------------------------------------------------------------------------
# 1-D and 3-D maps: a sequence L×C (audio, text as channels), a volume D×H×W×C (video, medical scans); the
# window rule of H×W on each axis


def _sizes(value, n, what, name, minimum=1):
    """An int or ``n`` ints, each ≥ minimum, as ``n`` ints (the rule of :func:`_pair` on ``n`` axes)."""
    if isinstance(value, (tuple, list)):
        if len(value) != n:
            raise ConfigError(f"{what} must be a whole number or {n} of them, received {value!r}", name)
        return tuple(_pair(v, what, name, minimum)[0] for v in value)
    return (_pair(value, what, name, minimum)[0],) * n


#: the axes a window slides along, by their number
_MAP_AXES = {1: "L", 3: "DHW"}


def _require_rank(x, rank, path, kind, what):
    if len(x) != rank:
        raise ShapeError(f"{kind} expects {what}, received {format_shape(x)}", path)


def _shorter_than_kernel(layer, x):
    return (f"input {_kxk(x[:-1])} is smaller than the kernel {_kxk(layer.kernel)} on an axis, padding aside "
            "(PyTorch's avg_pool3d refuses it)")


class _MapWindow(_Windowed):
    """A window over a 1-D map L×C or a 3-D map D×H×W×C: kernel, stride, padding (a whole number, one per
    axis, "valid" or "same") and dilation per axis, each axis by the rule of H and W, its receptive field
    too."""

    #: 1 (a sequence) or 3 (a volume)
    spatial = None

    @property
    def axis_names(self):
        return _MAP_AXES[self.spatial]

    @property
    def axes(self):
        return tuple(_MAP_AXES[self.spatial]) + ("C",)

    @property
    def map_text(self):
        return "a sequence L×C" if self.spatial == 1 else "a volume D×H×W×C"

    def _set_window(self, kernel, stride, padding, dilation, ceil_mode):
        n = self.spatial
        self.kernel = _sizes(kernel, n, "kernel", self.name)
        self.stride = _sizes(self.kernel if stride is None else stride, n, "stride", self.name)
        if isinstance(padding, str):
            padding = _padding(padding, self.name)
            padding = padding if padding == "same" else 0
        self.padding = padding if padding == "same" else _sizes(padding, n, "padding", self.name, minimum=0)
        self.dilation = _sizes(dilation, n, "dilation", self.name)
        self._finish_window(ceil_mode)
        self._square = False

    @staticmethod
    def _fixed_pads(value):
        return tuple((p, p) for p in value)

    def pads(self, x):
        """Padding ``((before, after), …)`` per axis for input ``x``."""
        if self._pads is not None:
            return self._pads
        return tuple(F.same_padding(x[a], k, s, d)
                     for a, (k, s, d) in enumerate(zip(self.kernel, self.stride, self.dilation)))

    def _spatial(self, x, ctx, path):
        pads = self.pads(x)
        return tuple(self._axis(x, pads, a, ctx, path) for a in range(self.spatial))

    def window(self, x):
        pads = self.pads(x)
        return tuple((span, s, before) for span, s, (before, _) in zip(self.span, self.stride, pads))

    def _window_text(self):
        def one(sizes):
            return str(sizes[0]) if len(set(sizes)) == 1 else _kxk(sizes)

        text = _kxk(self.kernel)
        if set(self.stride) != {1} or self.shows_unit_stride:
            text += "/" + one(self.stride)
        if self.padding == "same":
            text += ", same"
        elif set(self.padding) != {0}:
            text += ", pad " + one(self.padding)
        if set(self.dilation) != {1}:
            text += ", dil " + one(self.dilation)
        if self.ceil_mode:
            text += ", ceil"
        return text

    def config(self):
        import inspect

        out = Layer.config(self)
        for key in ("kernel", "stride", "padding", "dilation"):
            if isinstance(out.get(key), tuple) and len(set(out[key])) == 1:
                out[key] = out[key][0]
        params = inspect.signature(type(self).__init__).parameters
        for key in ("stride", "padding", "dilation"):
            if key in out and key in params and out[key] == params[key].default:
                del out[key]
        if isinstance(self, _Pool) and out.get("stride") == out.get("kernel"):
            out.pop("stride", None)
        return out

    def _map(self, x, path):
        _require_rank(x, self.spatial + 1, path, self.kind, self.map_text)

    def on_sequence(self, module, T):
        """PyTorch's module on shapecalc's layout: a 1-D map is (batch, L, C) there, as tokens are, and
        PyTorch's 1-D layers take (batch, C, L)."""
        return T.ChannelsFirst(module) if self.spatial == 1 else module


class _ConvMap(_MapWindow, Conv2d):
    """A convolution over a 1-D or 3-D map: ``Conv1d(filters, kernel, *, stride=1, padding=0, dilation=1,
    groups=1, bias=True)``, as :class:`Conv2d` over each axis. Its counting-tool rules and memory rule are
    Conv2d's (the tools count a convolution of any dimension alike: tests/test_kinds.py)."""

    def infer(self, x, ctx, path):
        self._map(x, path)
        c = x[-1]
        if self.in_channels is not None:
            _expect(self.in_channels, c, "in_channels", path)
        if c % self.groups:
            raise ShapeError(f"groups {self.groups} must divide the {c} input channels (remainder {c % self.groups})",
                             path)
        return self._spatial(x, ctx, path) + (self.filters,)

    def counts(self, x, y):
        return (
            F.conv_weights_nd(x[-1], self.filters, self.kernel, self.groups),
            self.filters if self.bias else 0,  # one bias per filter
            0,
            F.conv_macs_nd(y[:-1], self.filters, x[-1], self.kernel, self.groups),
            F.product(y) if self.bias else 0,  # one addition per output element
        )

    def to_torch(self, x, no_bias, T):
        pads = self.pads(x)
        cls = getattr(T.nn, f"Conv{self.spatial}d")
        bias = self.bias and not no_bias
        if all(before == after for before, after in pads):
            conv = cls(x[-1], self.filters, self.kernel, self.stride, tuple(p[0] for p in pads), self.dilation,
                       self.groups, bias=bias)
        else:
            conv = T.Padded(T.Pad(pads, 0.0), cls(x[-1], self.filters, self.kernel, self.stride, 0, self.dilation,
                                                  self.groups, bias=bias))
        return self.on_sequence(conv, T)

    def describe(self):
        groups = f", groups {self.groups}" if self.groups != 1 else ""
        bias = ", no bias" if not self.bias else ""
        return f"{self.kind} {self._window_text()}, {self.filters}{groups}{bias}"


class Conv1d(_ConvMap):
    """1-D convolution over a sequence L×C: ``Conv1d(filters, kernel, *, stride=1, padding=0, dilation=1,
    groups=1, bias=True)``; L_out = ⌊(L − D·(F − 1) − 1 + 2P)/S⌋ + 1, the rule of H."""

    kind = "conv1d"
    called = ("conv", "convolution", "convolutional", "conv1d")
    spatial = 1
    example = "input 50x8 | conv1d 16 k5 s2 p1"


class Conv3d(_ConvMap):
    """3-D convolution over a volume D×H×W×C: ``Conv3d(filters, kernel, *, stride=1, padding=0,
    dilation=1, groups=1, bias=True)``; each of D, H and W by the rule of H."""

    kind = "conv3d"
    called = ("conv", "convolution", "convolutional", "conv3d")
    spatial = 3
    example = "input 9x12x10x3 | conv3d 8 k3 s2 p1"


class _PoolMap(_MapWindow):
    """Pooling over a 1-D or 3-D map, as its 2-D pool over each axis."""

    calls = ("module",)

    def infer(self, x, ctx, path):
        self._map(x, path)
        return self._spatial(x, ctx, path) + (x[-1],)

    def to_torch(self, x, no_bias, T):
        pads = self.pads(x)
        if C.pool_pads_itself(self, x):
            pool = self._torch_pool(T, tuple(p[0] for p in pads))
        else:
            # asymmetric, or wider than PyTorch's pooling accepts ("same" with dilation)
            pool = T.Padded(T.Pad(pads, self.filler), self._torch_pool(T, 0))
        return self.on_sequence(pool, T)


class MaxPool1d(_PoolMap, MaxPool2d):
    """Max pooling over a sequence L×C: ``MaxPool1d(kernel, stride=kernel, padding=0, *, ceil_mode=False,
    dilation=1)``."""

    kind = "maxpool1d"
    saves = S.maxpool
    spatial = 1
    example = "input 50x8 | maxpool1d 3 2 ceil"
    fields = ("kernel", "stride", "padding", "ceil_mode", "dilation")

    def _torch_pool(self, T, padding):
        # nn.MaxPool1d, nn.MaxPool3d
        return getattr(T.nn, f"MaxPool{self.spatial}d")(self.kernel, self.stride, padding, self.dilation,
                                                         ceil_mode=self.ceil_mode)


class MaxPool3d(MaxPool1d):
    """Max pooling over a volume D×H×W×C: ``MaxPool3d(kernel, stride=kernel, padding=0, *, ceil_mode=False,
    dilation=1)``."""

    kind = "maxpool3d"
    saves = S.maxpool
    spatial = 3
    example = "input 9x12x10x3 | maxpool3d 2 2 ceil"


class AvgPool1d(_PoolMap, AvgPool2d):
    """Average pooling over a sequence L×C: ``AvgPool1d(kernel, stride=kernel, padding=0, ceil_mode=False,
    count_include_pad=True)``."""

    kind = "avgpool1d"
    saves = S.avgpool
    spatial = 1
    example = "input 50x8 | avgpool1d 3 2 p1"
    fields = ("kernel", "stride", "padding", "ceil_mode", "count_include_pad")

    def _torch_pool(self, T, padding):
        # nn.AvgPool1d, nn.AvgPool3d
        return getattr(T.nn, f"AvgPool{self.spatial}d")(self.kernel, self.stride, padding, ceil_mode=self.ceil_mode,
                                                         count_include_pad=self.count_include_pad)


class AvgPool3d(AvgPool1d):
    """Average pooling over a volume D×H×W×C: ``AvgPool3d(kernel, stride=kernel, padding=0,
    ceil_mode=False, count_include_pad=True)``."""

    kind = "avgpool3d"
    saves = S.avgpool
    spatial = 3
    example = "input 9x12x10x3 | avgpool3d 3 2 p1"

    def infer(self, x, ctx, path):
        self._map(x, path)
        for a in range(3):
            # PyTorch's avg_pool3d (its max_pool3d and the 1-D and 2-D pools do not) wants every axis of the
            # input, padding aside, at least as long as the kernel
            ctx.positive(x[a] - self.kernel[a] + 1, _shorter_than_kernel, path, self, x)
        return super().infer(x, ctx, path)


class Unsupported(Layer):
    """A layer of an imported model (a PyTorch module class, an ONNX op, a Keras class) that no kind
    describes: **named, never counted as zero**. Its parameters and buffers are what the model holds (the
    importer counts them); its MACs are unknown, so a summary that holds one is *partial*
    (``Summary.partial``) and the CLI exits 2 after the table, naming what is missing and how to describe it
    (:func:`shapecalc.register`).

    Its output shape is known only where the importer observed it (``shape``, produced from input ``at``, by
    running the module on the ``meta`` device): at another or a symbolic input size it has no rule.

    Not a kind of the registry: no spec word, no PyTorch realisation of its own."""

    #: True for the rows whose arithmetic shapecalc does not know (read by Summary.partial)
    uncounted = True
    known_field = False
    tools = C.NONE

    def __init__(self, what, shape=None, weights=0, buffers=0, at=None, name=None):
        super().__init__(name)
        # (an instance attribute: this class claims no kind in the registry)
        self.kind = "unsupported"
        if not isinstance(what, str) or not what:
            raise ConfigError(f"what must name the unsupported layer, received {what!r}", name)
        self.what = what
        self.shape = None if shape is None else tuple(shape)
        self.at = None if at is None else tuple(at)
        self.weights_held, self.buffers_held = weights, buffers
        self.has_counts = True
        self.passes = False

    def infer(self, x, ctx, path):
        if self.shape is None:
            raise ShapeError(f"{self.what}: shapecalc has no rule for this layer, and its output shape is "
                             "unknown (describe it with shapecalc.register)", path)
        if self.at is not None and tuple(x) != self.at:
            raise ShapeError(f"{self.what}: shapecalc has no rule for this layer; its output is known only at "
                             f"input {format_shape(self.at)} (observed), received {format_shape(x)}", path)
        return self.shape

    def counts(self, x, y):
        # what the model holds; the MACs are unknown (not 0: Summary.partial says so)
        return (self.weights_held, 0, self.buffers_held, 0, 0)

    def config(self):
        return {"what": self.what}

    def describe(self):
        return f"{self.what} (unsupported)"


# ---------------------------------------------------------------------------------------------------------
# composites


def _layers(items, name):
    out = []
    for item in items:
        if isinstance(item, (list, tuple)):
            out.append(Sequential(*item))
        elif isinstance(item, Layer) or isinstance(item, Composite):
            out.append(item)
        else:
            raise ConfigError(f"expected a layer, received {item!r}", name)
    return out


class Composite:
    """A layer made of layers. ``children()`` lists ``(name, child)`` pairs in execution order."""

    kind = "composite"
    #: as on layers, so that every row reads ``node.trainable`` directly
    trainable = True
    #: True where the block has no row of its own: its layers are rows of the enclosing block (a flat
    #: residual block, a graph block)
    inline = False
    #: True for a side output: the main path goes on with the block's input (shapecalc.plan)
    side_output = False
    #: True where the block's children run side by side (branches; a residual body and its shortcut): a
    #: view that folds them shows the block whole or not at all
    parallel = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _check_kind(cls)

    def __init__(self, name=None):
        if name is not None and (not isinstance(name, str) or not name or "." in name):
            raise ConfigError(f"a layer name must be a non-empty word without dots, received {name!r}", name)
        self.name = name
        _walk_flags(self)

    def describe(self):
        return self.kind

    def route(self, plan, prefix, depth, x):
        """Add this block's steps to ``plan`` (a compiler of :mod:`shapecalc.plan`): its children at
        ``depth``, their paths after ``prefix``, reading step ``x``; returns the step of its result."""
        raise ConfigError(f"a composite must be a Sequential, Branches, Residual, Graph or SideHead, received "
                          f"{type(self).__name__} (a composite of your own routes its children in route())",
                          prefix.rstrip(".") or self.name or self.kind)

    def __repr__(self):
        named = f"name={self.name!r}, " if self.name else ""
        return f"{type(self).__name__}({named}...)"


class Sequential(Composite):
    """Layers applied one after the other."""

    kind = "sequential"

    def __init__(self, *layers, name=None):
        super().__init__(name)
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        self.layers = _layers(layers, name)

    def route(self, plan, prefix, depth, x):
        return plan.sequence(self.layers, prefix, depth, x)

    def describe(self):
        # a folded block reads as its first layer: "conv 7×7/2, pad 3, 64 + 1 more", counting the layers of
        # plain blocks nested first (torchvision's features.1 → block → 0) as its own
        items = list(self.layers)
        while items and type(items[0]) is Sequential:
            items[:1] = items[0].layers
        if not items:
            return "block"
        more = len(items) - 1
        return items[0].describe() + (f" + {more} more" if more else "")


_MERGES = {"concat": lambda: Concat(), "add": lambda: Add(), "mul": lambda: Multiply()}


def _merge_layer(merge, name):
    """A merge given as "concat", "add", "mul" or a merge layer."""
    if isinstance(merge, str) and merge in _MERGES:
        return _MERGES[merge]()
    if isinstance(merge, Layer) and merge.merges:
        return merge
    raise ConfigError(f"merge must be one of {', '.join(repr(m) for m in _MERGES)}, received {merge!r}", name)


def _post(post, name):
    return _layers(post if isinstance(post, (list, tuple)) else [post], name)


class Branches(Composite):
    """Parallel branches on the same input, merged by ``Concat`` (default), ``Add`` or ``Multiply``;
    ``post`` lists the layers after the merge (ShuffleNet's channel shuffle). With ``flat=True`` the
    branches are no blocks of their own: their layers (named uniquely across the branches; an empty branch
    is the identity) are rows of this block."""

    kind = "branches"
    parallel = True

    def __init__(self, *branches, merge="concat", post=(), flat=False, name=None):
        super().__init__(name)
        #: the branches' layers are rows of this block itself (``inc.branch5x5_1``), as torchvision's
        #: Inception v3 or SqueezeNet's Fire keep them, not of a block per branch (``inc.branch2.conv1``)
        self.flat = _flag(flat, "flat", name)
        if len(branches) == 1 and isinstance(branches[0], (list, tuple)) and all(
            isinstance(b, (list, tuple, Layer, Composite)) for b in branches[0]
        ) and any(isinstance(b, (list, tuple)) for b in branches[0]):
            branches = tuple(branches[0])
        if len(branches) < 2:
            raise ConfigError(f"branches need at least 2 branches, received {len(branches)}", name)
        self.branches = [b if isinstance(b, Sequential) else Sequential(*(b if isinstance(b, (list, tuple)) else [b]))
                         for b in branches]
        self.merge = _merge_layer(merge, name)
        self.post = _post(post, name)
        if self.flat and any(b.name for b in self.branches):
            raise ConfigError("the branches of a flat block have no names of their own (name their layers)", name)

    def route(self, plan, prefix, depth, x):
        from .plan import branch_names, flat_names

        if self.flat:
            names, post_names = flat_names(self, prefix)
            outs = [plan.sequence(b.layers, prefix, depth, x, n) for n, b in zip(names, self.branches)]
        else:
            post_names = None
            outs = [plan.block(b, prefix + n, depth, x) for n, b in zip(branch_names(self), self.branches)]
        y = plan.merge(self.merge, prefix + (self.merge.name or self.merge.kind), depth, outs)
        return plan.sequence(self.post, prefix, depth, y, post_names) if self.post else y

    def describe(self):
        return f"{len(self.branches)} branches → {self.merge.kind}"


class Residual(Composite):
    """``post(merge(body(x), shortcut(x)))``: a residual block. ``shortcut=None`` is the identity; give a
    1×1 projection (``Sequential(Conv2d(C, 1, stride), BatchNorm())``) or a ``ChannelPadShortcut`` where the
    shape changes. ``merge``: "add" (default), "mul" (a squeeze-excitation gate: the body's 1×1×C output
    scales the input) or "concat" (DenseNet: the body's new channels beside the input's). ``post`` lists the
    layers after the merge (usually ``[ReLU()]``)."""

    kind = "residual"
    parallel = True

    def __init__(self, body, shortcut=None, post=(), merge="add", flat=False, name=None):
        super().__init__(name)
        #: no row of its own: its layers are rows of the enclosing block (a transformer's encoder layer holds
        #: two residual sums, ``ln_1`` … ``ln_2``, ``mlp``, side by side); name the merge when two flat blocks
        #: share a parent (``merge=Add(name="add_1")``)
        self.flat = _flag(flat, "flat", name)
        self.body = body if isinstance(body, Sequential) else Sequential(*(body if isinstance(body, (list, tuple)) else [body]))
        if shortcut is not None and not isinstance(shortcut, Sequential):
            shortcut = Sequential(*(shortcut if isinstance(shortcut, (list, tuple)) else [shortcut]))
        self.shortcut = shortcut
        self.post = _post(post, name)
        self.merge = _merge_layer(merge, name)

    @property
    def inline(self):
        return self.flat

    def route(self, plan, prefix, depth, x):
        # the body's layers are rows of the block (or of its parent's, flat), the shortcut a block of its own
        from .plan import residual_names

        body_names, short_name, merge_name, post_names = residual_names(self, prefix)
        if self.body.name:
            body = plan.block(self.body, prefix + self.body.name, depth, x)
        else:
            body = plan.sequence(self.body.layers, prefix, depth, x, body_names)
        if self.shortcut is not None:
            y = plan.merge(self.merge, prefix + merge_name, depth,
                           (body, plan.block(self.shortcut, prefix + short_name, depth, x)))
        else:
            # the identity: its field is the block's input field, which the body's can only have grown (no
            # comparison needed); a broadcast body (a gate) has grown it, but the positions step as the input's
            y = plan.merge(self.merge, prefix + merge_name, depth, (body, x),
                           None if self.merge.broadcasts else (body,))
        return plan.sequence(self.post, prefix, depth, y, post_names) if self.post else y

    def describe(self):
        if self.merge.kind == "mul":
            return "gate"
        if self.merge.kind == "concat":
            return "dense (concat)"
        return "residual" + (" (projection)" if self.shortcut is not None else "")


class Graph(Composite):
    """Layers wired as a directed acyclic graph, for what no nest of sequences and branches holds (NASNet's
    cells read the cell before last as well as the last one): ``steps`` lists ``(layer, inputs)`` in
    execution order, ``inputs`` the indices of the earlier steps it reads (``-1``: the block's input); a
    step with several inputs is a merge layer (add, concat, mul); the last step is the output. Its layers
    are rows of the enclosing block (no row of its own), and receptive fields follow every path (a merge
    takes the widest). Imports make one where a model's graph needs it; it has no spec syntax (its PyTorch
    realisation runs the steps as every view does, shapecalc.plan)."""

    kind = "graph"
    inline = True

    def __init__(self, steps, name=None):
        super().__init__(name)
        self.flat = True
        self.steps = []
        for i, step in enumerate(steps):
            if not (isinstance(step, (tuple, list)) and len(step) == 2 and isinstance(step[0], Layer)):
                raise ConfigError(f"step {i} must be (layer, inputs), received {step!r}", name)
            layer, inputs = step
            inputs = tuple(inputs)
            if not inputs or any(isinstance(j, bool) or not isinstance(j, int) or not -1 <= j < i for j in inputs):
                raise ConfigError(f"step {i} ({layer.kind}) must read earlier steps (or -1, the input), received "
                                  f"{inputs!r}", name)
            if len(inputs) > 1 and not layer.merges:
                raise ConfigError(f"step {i} reads {len(inputs)} tensors but {layer.kind} is no merge", name)
            self.steps.append((layer, inputs))
        if not self.steps:
            raise ConfigError("a graph block needs at least one step", name)

    @property
    def layers(self):
        return [layer for layer, _ in self.steps]

    def route(self, plan, prefix, depth, x):
        from .plan import child_names

        outs = []
        for name, (layer, inputs) in zip(child_names(self.layers, prefix), self.steps):
            xs = [x if i < 0 else outs[i] for i in inputs]
            outs.append(plan.merge(layer, prefix + name, depth, xs) if layer.merges
                        else plan.layer(layer, prefix + name, depth, xs[0]))
        return outs[-1]

    def describe(self):
        return f"graph of {len(self.steps)} layers"


class SideHead(Composite):
    """A side output (e.g. an auxiliary classifier) computed from the current tensor; the main path
    continues with that tensor unchanged. Its parameters are reported apart ("in training")."""

    kind = "sidehead"
    side_output = True

    def __init__(self, *layers, loss_weight=None, name=None):
        super().__init__(name)
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        if not layers:
            raise ConfigError("a side head needs at least one layer, received none", name)
        self.body = Sequential(*layers)
        self.loss_weight = loss_weight

    def route(self, plan, prefix, depth, x):
        return plan.sequence(self.body.layers, prefix, depth, x)

    def describe(self):
        weight = f", loss weight {self.loss_weight}" if self.loss_weight is not None else ""
        return f"side head{weight}"


class Network(Sequential):
    """A named network: a :class:`Sequential` with a default input shape and a one-line description."""

    kind = "network"

    def __init__(self, name, layers, input_shape, description="", source="", notes=()):
        Composite.__init__(self, None)
        self.title = name
        if not isinstance(layers, (list, tuple)):
            raise ConfigError(f"layers must be a list of layers, received {type(layers).__name__}", name)
        self.layers = _layers(layers, name)
        if input_shape is not None and not isinstance(input_shape, (list, tuple)):
            raise ConfigError(f"input_shape must be a tuple such as (224, 224, 3), received {input_shape!r}", name)
        self.input_shape = None if input_shape is None else tuple(input_shape)
        self.description = description
        self.source = source
        self.notes = tuple(notes)

    def __repr__(self):
        return f"Network({self.title!r}, {len(self.layers)} layers, input {format_shape(self.input_shape)})"


#: every public layer class (aliases such as ``Dense`` included) and the registry
__all__ = ["KINDS"] + [name for name, obj in list(globals().items())
                       if not name.startswith("_") and isinstance(obj, type) and issubclass(obj, (Layer, Composite))]
