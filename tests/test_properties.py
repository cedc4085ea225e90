"""Properties over random networks (hypothesis): valid ones analyse with consistent figures, invalid ones
raise ShapecalcError and nothing else; parsers never crash on random text; counts stay exact at any size.
"""

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import shapecalc
import shapecalc.layers as L
from shapecalc.analysis import walk
from shapecalc.conventions import CONVENTIONS, count
from shapecalc.errors import ShapecalcError

from tests import strategies

# the machine is shared: no deadline, and generation may be slow
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _leaves(s, side=False):
    return [r for r in s.all_rows if r.leaf and r.side_head == side]


# ---------------------------------------------------------------------------------------------------------
# valid architectures


@FAST
@given(strategies.valid_chains())
def test_valid_chains_analyse(chain):
    """A chain that fits its input by construction analyses, and ends on the shape tracked by hand."""
    layers, shape, expected = chain
    s = shapecalc.summary(layers, shape)
    assert s.rows[-1].output_shape == expected


@FAST
@given(strategies.valid_chains())
def test_totals_are_sums_of_rows(chain):
    """Totals equal the sums of their leaf rows; every count is a non-negative Python int."""
    layers, shape, _ = chain
    s = shapecalc.summary(layers, shape)
    rows = _leaves(s)
    t = s.totals
    assert t["params"] == sum(r.params for r in rows)
    assert t["macs"] == sum(r.macs for r in rows)
    assert t["flops"] == 2 * t["macs"]
    assert t["activations"] == sum(r.activations for r in rows)
    # float32: 4 bytes an element
    assert t["activation_bytes"] == 4 * t["activations"]
    assert t["params"] == t["trainable_params"] + t["non_trainable_params"]
    assert t["trainable_params"] == sum(r.trainable_params for r in rows)
    assert t["connections"] == sum(r.connections for r in rows)
    assert t["buffers"] == sum(r.buffers for r in rows)
    for name in CONVENTIONS:
        # the additive conventions total the summed figures; the others call the convention per row
        assert shapecalc.summary(layers, shape, convention=name).totals["operations"] \
            == sum(count(r, name) for r in rows), name
    for r in s.all_rows:
        for figure in (r.weights, r.biases, r.buffers, r.params, r.macs, r.bias_adds, r.activations):
            assert type(figure) is int and figure >= 0, (r.path, figure)
    for key, figure in t.items():
        assert type(figure) is int and figure >= 0, key


@FAST
@given(strategies.networks(), st.data())
def test_totals_from_block_rows_equal_the_leaf_sums(net, data):
    """Totals equal the leaf-by-leaf sums where blocks hold side heads, fixed RBF centres or frozen layers
    (the network nested in one block, frozen up to a random row): a block's row stands for its layers
    only where nothing inside is one of those."""
    nested = L.Network("nested", [L.Sequential(*net.layers, name="outer")], net.input_shape)
    for network in (net, nested):
        paths = [r.path for r in shapecalc.summary(network).all_rows]
        s = shapecalc.summary(network, freeze=data.draw(st.sampled_from([None] + paths)))
        main, side, t = _leaves(s), _leaves(s, side=True), s.totals
        assert t["params"] == sum(r.params for r in main)
        assert t["trainable_params"] == sum(r.trainable_params for r in main)
        assert t["buffers"] == sum(r.buffers for r in main)
        assert t["macs"] == sum(r.macs for r in main)
        assert t["connections"] == sum(r.connections for r in main)
        assert t["activations"] == sum(r.activations for r in main)
        assert t["side_head_params"] == sum(r.params for r in side)
        assert t["side_head_macs"] == sum(r.macs for r in side)


@FAST
@given(strategies.networks(), st.data())
def test_block_rows_count_their_frozen_layers(net, data):
    """Frozen up to any row, a block's trainable and non-trainable parameters are the sums over its layers,
    and it reads "frozen" only when every layer in it is (freezing a block's first layer freezes part of it)."""
    nested = L.Network("nested", [L.Sequential(L.Sequential(*net.layers, name="inner"), name="outer")],
                       net.input_shape)
    paths = [r.path for r in shapecalc.summary(nested).all_rows]
    rows = shapecalc.summary(nested, freeze=data.draw(st.sampled_from(paths))).all_rows
    for i, block in enumerate(rows):
        if block.leaf:
            continue
        inside = [r for r in rows[i + 1:] if r.leaf and r.path.startswith(block.path + ".")]
        assert block.params == sum(r.params for r in inside)
        assert block.trainable_params == sum(r.trainable_params for r in inside)
        assert block.non_trainable_params == sum(r.non_trainable_params for r in inside)
        if inside:  # an empty block is frozen when it comes before the named layer
            assert block.frozen == all(r.frozen for r in inside)


@FAST
@given(strategies.square_chains())
def test_square_maps_worked_out_once_give_the_same_rows(chain):
    """A square input as one size object (H worked out once for both axes) gives every row the figures,
    field and warnings that two equal but separate sizes give (each axis worked out on its own)."""
    layers, n, c = chain
    apart = int(str(n))
    assert apart == n and apart is not n
    shared = walk(L.Sequential(*layers), (n, n, c))
    separate = walk(L.Sequential(*layers), (n, apart, c))
    assert len(shared) == len(separate)
    for a, b in zip(shared, separate):
        for field in ("path", "input_shape", "output_shape", "weights", "biases", "buffers", "macs", "bias_adds",
                      "activations", "rf", "warnings", "notes"):
            assert getattr(a, field) == getattr(b, field), (a.path, field)


@FAST
@given(strategies.valid_chains())
def test_blocks_are_sums_of_their_leaves(chain):
    """A block's row (branches, residual) carries the sum of the leaves under it."""
    layers, shape, _ = chain
    s = shapecalc.summary(layers, shape)
    for block in (r for r in s.all_rows if not r.leaf):
        under = [r for r in s.all_rows if r.leaf and r.path.startswith(block.path + ".")]
        assert block.params == sum(r.params for r in under)
        assert block.macs == sum(r.macs for r in under)


@FAST
@given(strategies.valid_chains())
def test_concat_channels_are_the_sum_of_branches(chain):
    """A concatenation has as many channels as its branches together, and their common H×W."""
    layers, shape, _ = chain
    s = shapecalc.summary(layers, shape)
    for merge in (r for r in s.all_rows if r.kind == "concat"):
        parent = merge.path.rsplit(".", 1)[0]
        branches = [r for r in s.all_rows if not r.leaf and r.path == f"{parent}.{r.name}"
                    and r.name.startswith("branch")]
        assert len(branches) >= 2
        assert merge.output_shape[-1] == sum(b.output_shape[-1] for b in branches)
        assert all(b.output_shape[:2] == merge.output_shape[:2] for b in branches)


@FAST
@given(strategies.valid_chains())
def test_receptive_field_never_shrinks_along_a_chain(chain):
    """Along the top-level chain, the receptive field never gets smaller, nor its jump."""
    layers, shape, _ = chain
    s = shapecalc.summary(layers, shape)
    top = [r for r in s.all_rows if r.depth == 0 and r.rf is not None]
    for before, after in zip(top, top[1:]):
        assert after.receptive_field[0] >= before.receptive_field[0], (before.path, after.path)
        assert after.receptive_field[1] >= before.receptive_field[1], (before.path, after.path)
        assert after.jump[0] >= before.jump[0] and after.jump[1] >= before.jump[1]


@FAST
@given(strategies.valid_chains(), st.integers(2, 64))
def test_batch_multiplies_macs_and_activations(chain, batch):
    """batch B multiplies MACs and activations by B and leaves the parameters alone."""
    layers, shape, _ = chain
    one = shapecalc.summary(layers, shape).totals
    many = shapecalc.summary(layers, shape, batch=batch).totals
    assert many["macs"] == batch * one["macs"]
    assert many["activations"] == batch * one["activations"]
    assert many["params"] == one["params"]


@FAST
@given(strategies.valid_chains())
def test_no_bias_removes_exactly_the_biases(chain):
    """--no-bias removes the biases and nothing else: the weights and MACs stay."""
    layers, shape, _ = chain
    full = shapecalc.summary(layers, shape)
    bare = shapecalc.summary(layers, shape, no_bias=True)
    assert bare.totals["params"] == full.totals["params"] - sum(r.biases for r in _leaves(full))
    assert bare.totals["macs"] == full.totals["macs"]


@FAST
@given(strategies.valid_chains())
def test_spec_export_round_trip(chain):
    """A network exported as a text spec and parsed back has the same figures."""
    from shapecalc.spec import export_spec, parse_spec

    layers, shape, _ = chain
    net = L.Network("roundtrip", layers, shape)
    again = parse_spec(export_spec(net))
    a, b = shapecalc.summary(net).totals, shapecalc.summary(again).totals
    assert (a["params"], a["macs"], a["activations"]) == (b["params"], b["macs"], b["activations"])


@settings(max_examples=300)
@given(st.integers(1, 10**6), st.integers(1, 300))
def test_adaptive_widest_window_is_the_widest(size, out):
    """formulas.adaptive_widest equals the widest of the windows, counted one by one."""
    from shapecalc.formulas import adaptive_widest, adaptive_window

    widest = max(end - start for start, end in (adaptive_window(size, out, i) for i in range(out)))
    assert adaptive_widest(size, out) == widest


# ---------------------------------------------------------------------------------------------------------
# invalid architectures and wild arguments


@FAST
@given(strategies.invalid_chains())
def test_invalid_chains_raise_the_family(chain):
    """A chain with one deliberate mistake raises a ShapecalcError (and nothing else)."""
    layers, shape, what = chain
    with pytest.raises(ShapecalcError):
        shapecalc.summary(layers, shape)


LAYER_MAKERS = {
    "conv-filters": lambda v: L.Conv2d(v, 3),
    "conv-kernel": lambda v: L.Conv2d(4, v),
    "conv-stride": lambda v: L.Conv2d(4, 3, stride=v),
    "conv-padding": lambda v: L.Conv2d(4, 3, padding=v),
    "conv-dilation": lambda v: L.Conv2d(4, 3, dilation=v),
    "conv-groups": lambda v: L.Conv2d(4, 3, groups=v),
    "conv-bias": lambda v: L.Conv2d(4, 3, bias=v),
    "maxpool-kernel": lambda v: L.MaxPool2d(v),
    "maxpool-ceil": lambda v: L.MaxPool2d(2, ceil_mode=v),
    "avgpool-padding": lambda v: L.AvgPool2d(3, padding=v),
    "dense-units": lambda v: L.Linear(v),
    "dropout-p": lambda v: L.Dropout(v),
    "batchnorm-eps": lambda v: L.BatchNorm(eps=v),
    "lrn-size": lambda v: L.LocalResponseNorm(v),
    "adaptive-output": lambda v: L.AdaptiveAvgPool2d(v),
    "padshortcut-channels": lambda v: L.ChannelPadShortcut(v),
    "sparse-table": lambda v: L.SparseConv2d([v], 3),
    "input-size": lambda v: L.Input(v, 8, 3),
    "name": lambda v: L.ReLU(name=v),
}


@pytest.mark.parametrize("make", LAYER_MAKERS.values(), ids=LAYER_MAKERS.keys())
@settings(max_examples=30)
@given(value=strategies.wild_values)
def test_wild_layer_arguments(make, value):
    """Any value for any argument: the layer is built, or a ShapecalcError says why; never another error."""
    try:
        layer = make(value)
    except ShapecalcError:
        return
    try:
        shapecalc.summary([layer], (8, 8, 4)).table()
    except ShapecalcError:
        pass


@settings(max_examples=200)
@given(shape=st.one_of(st.text(max_size=12), st.tuples(strategies.wild_values, strategies.wild_values,
                                                        strategies.wild_values)),
       batch=strategies.wild_values)
def test_wild_inputs_and_batches(shape, batch):
    """Any input shape and batch: an analysis, or a ShapecalcError; never another error."""
    assume(not (isinstance(shape, str) and any(ch.isalpha() for ch in shape)))  # letters: symbolic mode
    try:
        shapecalc.summary("cnn-39x31", shape, batch=batch)
    except ShapecalcError:
        pass


# ---------------------------------------------------------------------------------------------------------
# the parsers, fed random text


def _spec_or_error(text):
    from shapecalc.spec import parse_spec

    try:
        net = parse_spec(text)
        shapecalc.summary(net).table()
    except ShapecalcError as exc:
        assert str(exc).strip()


@MANY
@given(st.text(max_size=80))
def test_spec_parser_on_any_text(text):
    """parse_spec on any text: a network, or a ShapecalcError with a message."""
    _spec_or_error(text)


@MANY
@given(strategies.spec_soup)
def test_spec_parser_on_spec_words(text):
    """parse_spec on random sequences of spec words: a network, or a ShapecalcError with a message."""
    _spec_or_error(text)


@settings(max_examples=400)
@given(st.binary(max_size=120), st.sampled_from([".txt", ".json", ".toml"]))
def test_spec_files_of_random_bytes(tmp_path_factory, data, ext):
    """load_spec_file on random bytes: a network, or a SpecError; nothing else."""
    from shapecalc.spec import load_spec_file

    path = tmp_path_factory.mktemp("spec") / ("fuzz" + ext)
    path.write_bytes(data)
    try:
        shapecalc.summary(load_spec_file(str(path)))
    except ShapecalcError:
        pass


def _submission_or_error(text):
    from shapecalc.check import check, read_submission

    try:
        submission = read_submission("fuzz.csv", text=text)
        check("cnn-39x31", submission).text()
    except ShapecalcError as exc:
        assert str(exc).strip()


@MANY
@given(st.text(max_size=120))
def test_submission_parser_on_any_text(text):
    """A submission of any text: a report, or a ShapecalcError with a message."""
    _submission_or_error(text)


@settings(max_examples=600)
@given(strategies.submission_soup)
def test_submission_parser_on_table_pieces(text):
    """A submission glued from table pieces (cells, separators, rules): a report, or a ShapecalcError."""
    _submission_or_error(text)


# ---------------------------------------------------------------------------------------------------------
# exactness: Python ints at any size


def test_100000_by_100000_input_is_exact():
    """A 100,000×100,000×3 input through a 3×3 conv of 64 filters: exact ints, no float rounding."""
    s = shapecalc.summary([L.Conv2d(64, 3, name="conv")], (100_000, 100_000, 3), dtype="float32")
    row = s["conv"]
    # 100,000 − 3 + 1 = 99,998 on each side
    assert row.output_shape == (99_998, 99_998, 64)
    assert row.params == 3 * 3 * 3 * 64 + 64
    assert row.macs == 99_998 * 99_998 * 64 * (3 * 3 * 3)
    assert row.activations == 99_998 * 99_998 * 64
    assert s.totals["activation_bytes"] == 4 * 99_998 * 99_998 * 64
    assert s.totals["flops"] == 2 * 99_998 * 99_998 * 64 * 27
    for figure in (row.params, row.macs, row.activations, s.totals["activation_bytes"]):
        assert type(figure) is int


def test_million_channel_layer_is_exact():
    """A 1×1 conv from 10^6 to 10^6 channels on 7×7: exact ints, printed with every digit."""
    s = shapecalc.summary([L.Conv2d(10**6, 1, name="wide")], (7, 7, 10**6), dtype="float16")
    row = s["wide"]
    assert row.params == 1 * 1 * 10**6 * 10**6 + 10**6
    assert row.macs == 7 * 7 * 10**6 * (1 * 1 * 10**6)
    assert s.totals["activation_bytes"] == 2 * 7 * 7 * 10**6
    text = s.table()
    assert "1,000,001,000,000" in text  # the params, every digit
    assert "49,000,000,000,000" in text  # the MACs


def test_huge_batch_memory_is_exact():
    """Batch 10^9 on 224×224×3 through one 7×7/2 conv of 64: bytes and MACs exact to the last digit."""
    s = shapecalc.summary([L.Conv2d(64, 7, stride=2, padding=3, name="conv1")], (224, 224, 3), batch=10**9,
                          dtype="float64")
    # (224 + 6 − 7)//2 + 1 = 112
    assert s["conv1"].output_shape == (112, 112, 64)
    assert s.totals["activation_bytes"] == 8 * 10**9 * 112 * 112 * 64
    assert s.totals["macs"] == 10**9 * 112 * 112 * 64 * (7 * 7 * 3)
    # beyond 2^53, where a float no longer holds every integer
    assert s.totals["macs"] > 2**53 and type(s.totals["macs"]) is int
