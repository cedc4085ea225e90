"""Conformance of every registered layer kind (as Keras' run_layer_test does for its layers).

For each kind of shapecalc's registry, on the spec of its class' ``example``: the numeric table, symbolic
mode evaluated back, the vectorised sweep, the valid-size scan, the spec round trip, ``check`` of its own
table, the PyTorch realisation (``verify``), an explicit entry for every counting tool, equal to what the
real tool reports, and the explanation worked out by the kind's own rules. A new kind is one class and one
example: whatever it lacks fails here by name.
"""

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shapecalc
from shapecalc.conventions import CONVENTIONS, count
from shapecalc.layers import KINDS, Layer
from shapecalc.spec import export_spec, parse_spec

from tests import oracles

TOOLS = ("fvcore", "ptflops", "torchinfo")
#: shapecalc's own kinds (a test's or a user's kind registers too, and is not ours to check here)
OURS = sorted(kind for kind, cls in KINDS.items() if cls.__module__.startswith("shapecalc."))


def _example(kind):
    cls = KINDS[kind]
    assert cls.example, f"{cls.__name__} has no example: set `example = \"input … | {kind} …\"`"
    net = parse_spec(cls.example)
    rows = [r for r in shapecalc.summary(net).rows if r.kind == kind]
    assert rows, f"the example of {kind} has no {kind} layer: {cls.example!r}"
    return net


def _figures(rows):
    return [(r.path, tuple(int(d) for d in r.output_shape), int(r.params), int(r.buffers), int(r.macs),
             int(r.activations), r.receptive_field and tuple(int(v) for v in r.receptive_field)) for r in rows]


def _require(*modules):
    try:
        for m in modules:
            __import__(m)
    except ImportError as e:
        if os.environ.get("SHAPECALC_REQUIRE_TORCH") == "1":
            pytest.fail(f"{e} (required: SHAPECALC_REQUIRE_TORCH=1)")
        pytest.skip(str(e))


def test_registry_is_automatic():
    """Every public layer class of shapecalc.layers is registered under its kind, merges included, and
    the registry holds the kinds the modern networks need."""
    import shapecalc.layers as L

    classes = {getattr(L, n) for n in L.__all__ if isinstance(getattr(L, n), type)}
    for cls in classes:
        # (Unsupported stands for what no kind describes, in an import: no kind of its own)
        if issubclass(cls, Layer) and cls not in (Layer, L.Unsupported):
            assert KINDS[cls.kind] is cls or issubclass(cls, KINDS[cls.kind]), cls
    for kind in ("dwconv", "sepconv", "zeropad", "relusix", "hardswish", "hardsigmoid", "silu", "gelu",
                 "groupnorm", "stochasticdepth", "shuffle", "chunk", "mul"):
        assert kind in KINDS


def test_a_second_class_cannot_claim_a_kind():
    from shapecalc.errors import ConfigError

    with pytest.raises(ConfigError, match="two layer classes claim the kind 'conv'"):
        type("MyConv", (Layer,), {"kind": "conv"})


def test_a_users_kind_is_a_spec_word():
    """A kind defined outside shapecalc is in the spec vocabulary at once (and removed after the test by
    the conftest fixture)."""

    class Scale(Layer):
        kind = "scale"

    assert parse_spec("input 4x4x2 | scale").layers[0].kind == "scale"


def test_a_kind_without_a_tool_rule_is_an_error_not_zero():
    """Under a tool's convention, a kind that lists no rule for that tool raises, naming the kind."""
    from shapecalc.errors import ConfigError

    class Blur(Layer):
        kind = "blur"

    from shapecalc.layers import Network

    s = shapecalc.summary(Network("n", [Blur(name="b")], (4, 4, 2)))
    with pytest.raises(ConfigError, match="'blur' has no rule for the fvcore convention"):
        count(s["b"], "fvcore")


@pytest.mark.parametrize("kind", OURS)
def test_every_tool_has_an_explicit_rule(kind):
    """fvcore, ptflops and torchinfo each have an entry (zero included) for every kind."""
    cls = KINDS[kind]
    missing = [t for t in TOOLS if t not in cls.tools]
    assert not missing, f"{cls.__name__}.tools lacks {missing}"
    s = shapecalc.summary(_example(kind))
    for row in s.rows:
        for convention in CONVENTIONS:
            value = count(row, convention)
            assert isinstance(value, int) and value >= 0


@pytest.mark.parametrize("kind", OURS)
def test_every_kind_names_what_autograd_keeps(kind):
    """The memory estimate's rule is the kind's own (tests/test_memory.py checks each against PyTorch's
    saved tensors on the kind's example)."""
    assert callable(KINDS[kind].saves), f"{KINDS[kind].__name__} names no saves rule (shapecalc.saved)"


@pytest.mark.parametrize("kind", OURS)
def test_every_kind_says_itself_in_words(kind):
    """An exercise's question names each layer in words, the kind's own (in_words)."""
    for row in shapecalc.summary(_example(kind)).rows:
        text = row.layer.in_words()
        assert isinstance(text, str) and text and "None" not in text, (kind, text)


@pytest.mark.parametrize("kind", OURS)
def test_spec_round_trip(kind):
    """export_spec then parse_spec gives the same table, and the same text again."""
    net = _example(kind)
    text = export_spec(net)
    again = parse_spec(text)
    assert _figures(shapecalc.summary(again).all_rows) == _figures(shapecalc.summary(net).all_rows)
    assert export_spec(again) == text


@pytest.mark.parametrize("kind", OURS)
def test_symbolic_evaluates_back(kind):
    """Symbolic sizes (H, W for a map; N for a vector) substituted with the example's numbers give the
    numeric table."""
    from shapecalc.symbolic import substitute

    net = _example(kind)
    shape = net.input_shape
    numeric = shapecalc.summary(net)
    if len(shape) == 1:
        letters, values = ("N",), {"N": shape[0]}
    else:
        # a map's axes but its channels: L; H, W; D, H, W
        names = {2: ("L",), 3: ("H", "W"), 4: ("D", "H", "W")}[len(shape)]
        letters, values = names + (shape[-1],), dict(zip(names, shape))
    back = substitute(shapecalc.summary(net, input=letters), values)
    assert _figures(back.all_rows) == _figures(numeric.all_rows)


@pytest.mark.parametrize("kind", [k for k in OURS if len(parse_spec(KINDS[k].example).input_shape) == 3])
def test_sweep_and_scan_agree_with_the_table(kind):
    """The vectorised sweep at the example's size gives the table's figures; the valid-size scan finds
    the example's size valid, and finds no size valid at which the table refuses to run."""
    import numpy as np

    from shapecalc.errors import ShapecalcError
    from shapecalc.sweeps import sweep
    from shapecalc.validsizes import scan_axis

    net = _example(kind)
    h, w, c = net.input_shape
    numeric = shapecalc.summary(net)
    sw = sweep(net, H=np.array([h]), W=np.array([w]))
    assert bool(sw.valid[0])
    for layer, row in zip(sw.layers, numeric.all_rows):
        assert layer.path == row.path
        assert tuple(int(np.asarray(d).reshape(-1)[0]) for d in layer.output_shape) == tuple(row.output_shape)
        assert int(np.asarray(layer.macs).reshape(-1)[0]) == row.macs
        assert int(np.asarray(layer.params).reshape(-1)[0]) == row.params
    scan = scan_axis(net, "h", 1, 2 * h, input=(h, w, c))
    runs = scan.sizes()
    assert h in runs
    for size in range(1, 2 * h + 1):
        try:
            shapecalc.summary(net, input=(size, w, c))
            ok = True
        except ShapecalcError:
            ok = False
        assert ok == (size in runs), (kind, size)


@pytest.mark.parametrize("kind", OURS)
def test_check_accepts_its_own_table(kind):
    """A submission that is the kind's own CSV table passes the checker."""
    from shapecalc.check import check, read_submission

    net = _example(kind)
    csv = shapecalc.summary(net).table(format="csv")
    report = check(net, read_submission("own.csv", text=csv))
    assert report.ok, report.text()


@pytest.mark.parametrize("kind", OURS)
def test_pytorch_realisation_agrees(kind):
    """The kind's own PyTorch module: shape, parameters, buffers per layer and FlopCounterMode's FLOPs, at
    batch 1 and 3 (work done once per forward pass, as Swin v2's position-bias MLP, is not per sample)."""
    _require("torch")
    from shapecalc.torch import verify

    for batch in (1, 3):
        report = verify(_example(kind), batch=batch, device="cpu")
        assert report.ok, report.table()


@pytest.mark.parametrize("kind", OURS)
def test_tool_rules_equal_the_real_tools(kind):
    """Each preset's total on the example equals what fvcore, ptflops and torchinfo report for its
    PyTorch module."""
    _require("torch", "fvcore", "ptflops", "torchinfo")
    from shapecalc.torch import tool_counts

    net = _example(kind)
    s = shapecalc.summary(net)
    real = tool_counts(net, tools=TOOLS)
    ours = {t: sum(count(r, t) for r in s.rows) for t in TOOLS}
    assert ours == real


#: the kinds whose example starts from a feature map (a size to vary)
MAP_KINDS = [k for k in OURS if len(parse_spec(KINDS[k].example).input_shape) == 3]


@settings(max_examples=150)
@given(kind=st.sampled_from(MAP_KINDS), h=st.integers(1, 40), w=st.integers(1, 40))
def test_every_kind_at_any_size_agrees_with_pytorch(kind, h, w):
    """Drawn from the registry (a new kind is fuzzed without anyone listing it): the kind's example at a
    random input size, where shapecalc gives a table, agrees with PyTorch layer by layer — shapes,
    parameters, buffers — and in FLOPs."""
    _require("torch")
    from shapecalc.errors import ShapecalcError
    from shapecalc.torch import verify

    net = parse_spec(KINDS[kind].example)
    size = (h, w, net.input_shape[2])
    try:
        shapecalc.summary(net, input=size)
    except ShapecalcError:
        return  # no output at this size (PyTorch's own refusal is not checked here)
    report = verify(net, input=size, device="cpu")
    assert report.ok, report.table()


#: the kinds whose example starts from a sequence L×C or a volume D×H×W×C
SEQUENCE_AND_VOLUME_KINDS = [k for k in OURS if len(parse_spec(KINDS[k].example).input_shape) in (2, 4)]


@pytest.mark.parametrize("kind", SEQUENCE_AND_VOLUME_KINDS)
def test_sequence_and_volume_scan_agrees_with_the_table(kind):
    """The valid-size scan along each axis of a sequence (L) or a volume (D, H, W) finds exactly the sizes at
    which the table runs, and among them exactly those at which every division is whole."""
    from shapecalc.errors import ShapecalcError
    from shapecalc.validsizes import AXES, scan_axis

    net = _example(kind)
    shape = net.input_shape
    for index, axis in enumerate(AXES[len(shape)]):
        scan = scan_axis(net, axis, 1, 2 * shape[index])
        runs, exact = set(scan.sizes()), set(scan.sizes(exact=True))
        for size in range(1, 2 * shape[index] + 1):
            try:
                s = shapecalc.summary(net, input=shape[:index] + (size,) + shape[index + 1:])
                # (the scan judges its own axis: a note or warning of another axis is not its business)
                ok = True
                whole = not any(text.startswith(f"{axis.upper()}: ") and "is not whole" in text
                                for _, text in list(s.notes) + list(s.warnings))
            except ShapecalcError:
                ok, whole = False, False
            assert ok == (size in runs), (kind, axis, size)
            assert whole == (size in exact), (kind, axis, size)


@settings(max_examples=100)
@given(kind=st.sampled_from(SEQUENCE_AND_VOLUME_KINDS), sizes=st.lists(st.integers(1, 24), min_size=3, max_size=3))
def test_sequence_and_volume_kinds_at_any_size_agree_with_pytorch(kind, sizes):
    """The same for 1-D and 3-D maps: a random length, or depth, height and width."""
    _require("torch")
    from shapecalc.errors import ShapecalcError
    from shapecalc.torch import verify

    net = parse_spec(KINDS[kind].example)
    size = tuple(sizes[:len(net.input_shape) - 1]) + (net.input_shape[-1],)
    try:
        shapecalc.summary(net, input=size)
    except ShapecalcError:
        return
    report = verify(net, input=size, device="cpu")
    assert report.ok, report.table()


@pytest.mark.parametrize("kind", OURS)
def test_explanations_are_the_rules_own_arithmetic(kind):
    """Every layer of the kind's example is explained by its own rules (shapecalc.worked): each line's
    arithmetic, evaluated as written, gives the figure it claims, and that figure is the table's."""
    from shapecalc.worked import explain

    s = shapecalc.summary(_example(kind))
    for row in s.rows:
        lines = explain(row)
        claimed = {}
        for line in lines:
            name, _, rest = line.partition(": ")
            expr, _, value = rest.rpartition(" = ")
            number = int(value.replace(",", ""))
            if expr:
                assert oracles.evaluate_worked(expr) == number, (row.path, line)
            claimed[name] = number
        for name, figure in (("weights", row.weights), ("biases", row.biases), ("buffers", row.buffers),
                             ("MACs", row.macs)):
            assert claimed.get(name, 0) == figure, (row.path, name, lines)
        if len(row.output_shape) == 3 and "H" in claimed:
            assert (claimed["H"], claimed["W"], claimed["C"]) == tuple(row.output_shape), (row.path, lines)
