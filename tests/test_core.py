"""The layer algebra and the analysis: per-layer figures, totals, composites, options."""

import json

import pytest

from shapecalc import ConfigError, DivisibilityError, ShapeError, summary
from shapecalc.layers import (
    AdaptiveAvgPool2d, AvgPool2d, BatchNorm, Branches, ChannelPadShortcut, Conv2d, Dropout, Flatten,
    GlobalAvgPool, Input, Layer, Linear, LocalResponseNorm, MaxPool2d, Network, RBF, ReLU, Residual, SideHead,
    Softmax, SparseConv2d, Subsampling,
)


def net(*layers, input=(32, 32, 3)):
    return Network("test", list(layers), input)


# --------------------------------------------------------------------------------------------------
# cnn-39x31, the course's worked example


def test_cnn_39x31_shapes():
    """Output shapes of the worked 39×31×1 example, each from ⌊(H − F)/S⌋ + 1."""
    s = summary("cnn-39x31")
    shapes = [r.output_shape for r in s.rows]
    assert shapes == [
        (39, 31, 1),
        (39 - 4 + 1, 31 - 4 + 1, 20),  # conv 4×4
        (18, 14, 20),  # pool 2
        (18 - 3 + 1, 14 - 3 + 1, 40),
        (8, 6, 40),
        (8 - 3 + 1, 6 - 3 + 1, 60),
        (3, 2, 60),
        (3 - 2 + 1, 2 - 2 + 1, 80),
        (2 * 1 * 80,),
        (100,),
        (100,),
    ]


def test_cnn_39x31_params_without_bias_as_in_source():
    """--no-bias reproduces the course table's conv rows: 320, 7,200, 21,600, 19,200."""
    s = summary("cnn-39x31", no_bias=True)
    assert [s[n].params for n in ("conv1", "conv2", "conv3", "conv4")] == [
        4 * 4 * 1 * 20, 3 * 3 * 20 * 40, 3 * 3 * 40 * 60, 2 * 2 * 60 * 80,
    ] == [320, 7200, 21600, 19200]
    assert s["dense"].params == 160 * 100


def test_cnn_39x31_with_bias_and_macs():
    """With bias each conv adds its filter count; MACs are H_out·W_out·C_out·F·F·C_in."""
    s = summary("cnn-39x31")
    assert s["conv1"].params == 4 * 4 * 1 * 20 + 20
    assert s["dense"].params == 160 * 100 + 100
    assert s["conv2"].macs == 16 * 12 * 40 * (3 * 3 * 20)
    assert s["dense"].macs == 160 * 100
    assert s["conv1"].flops == 2 * 36 * 28 * 20 * 16


def test_totals_equal_sum_of_rows():
    """Every total is the sum of its rows."""
    s = summary("inception-3a")
    t = s.totals
    assert t["params"] == sum(r.params for r in s.rows)
    assert t["macs"] == sum(r.macs for r in s.rows)
    assert t["activations"] == sum(r.activations for r in s.rows)
    assert t["activation_bytes"] == 4 * t["activations"]


# --------------------------------------------------------------------------------------------------
# leaves


def test_conv_groups_dilation_and_bias_off():
    """Grouped, dilated, bias-free conv: weights 3·3·(16/4)·32, output 32 − 2·(3−1)."""
    s = summary(net(Conv2d(16, 1, name="a"), Conv2d(32, 3, dilation=2, groups=4, bias=False, name="b")))
    assert s["b"].output_shape == (28, 28, 32)
    assert s["b"].params == 3 * 3 * 4 * 32
    assert s["b"].macs == 28 * 28 * 32 * (3 * 3 * 4)
    assert s["b"].receptive_field == (5, 5)


def test_same_padding_stride_2():
    """Keras "same" with stride 2 on 224: ⌈224/2⌉ = 112."""
    s = summary(net(Conv2d(64, 7, stride=2, padding="same", name="c"), input=(224, 224, 3)))
    assert s["c"].output_shape == (112, 112, 64)
    assert s["c"].start == (-2, -2)


def test_asymmetric_kernel_and_stride():
    """Kernel and stride as pairs: (1×7, stride 1×2) on 17×17."""
    s = summary(net(Conv2d(8, (1, 7), stride=(1, 2), padding=(0, 3), name="c"), input=(17, 17, 4)))
    assert s["c"].output_shape == (17, (17 + 6 - 7) // 2 + 1, 8)
    assert s["c"].params == 1 * 7 * 4 * 8 + 8


def test_pooling_ceil_mode_and_avgpool():
    """Ceil-mode max-pool on 112 gives 56; a 3×3/1 pad-1 avg-pool keeps the size."""
    s = summary(net(MaxPool2d(3, 2, ceil_mode=True, name="p"), AvgPool2d(3, 1, 1, name="a"), input=(112, 112, 64)))
    assert s["p"].output_shape == (56, 56, 64)
    assert s["a"].output_shape == (56, 56, 64)
    # (112 − 3)/2 + 1 = 55.5: the last window runs past the input's end, and every row is read: a note
    assert not s["p"].warnings and "ceiled to 56: the last window is partial" in s["p"].notes[0]


def test_batchnorm_buffers_are_not_params():
    """BatchNorm: γ and β are C params each; running mean and variance are 2·C buffers."""
    s = summary(net(Conv2d(8, 3, padding=1), BatchNorm(name="bn")))
    assert s["bn"].weights == 8 and s["bn"].biases == 8 and s["bn"].buffers == 2 * 8
    assert s.totals["buffers"] == 16
    assert s.totals["params"] == 3 * 3 * 3 * 8 + 8 + 2 * 8


def test_global_adaptive_flatten_dense():
    """Global pool → vector C; adaptive pool → fixed size; flatten → H·W·C."""
    s = summary(net(AdaptiveAvgPool2d(7, name="ad"), Flatten(name="f"), Linear(10, name="fc"), input=(14, 14, 5)))
    assert s["ad"].output_shape == (7, 7, 5)
    assert s["f"].output_shape == (7 * 7 * 5,)
    assert s["fc"].params == 245 * 10 + 10
    g = summary(net(GlobalAvgPool(name="g"), Linear(3, name="fc"), input=(6, 6, 4)))
    assert g["g"].output_shape == (4,)
    assert g["g"].receptive_field == (6, 6)


def test_lrn_dropout_softmax_keep_shapes():
    """Shape-preserving layers keep the shape and have no parameters."""
    s = summary(net(LocalResponseNorm(name="l"), Flatten(), Dropout(0.5, name="d"), Softmax(name="s"), input=(5, 5, 8)))
    assert s["l"].output_shape == (5, 5, 8)
    assert s["d"].output_shape == (200,) and s["s"].params == 0


def test_lenet_special_layers():
    """Subsampling: 2 params per map and (4 + 1) connections per output; RBF: 84·10 fixed parameters."""
    table = [(0, 1, 2), (1, 2, 3)]
    s = summary(net(Subsampling(2, name="s2"), SparseConv2d(table, 5, name="c3"), Flatten(), RBF(10, name="out"),
                    input=(28, 28, 6)))
    assert s["s2"].params == 6 + 6
    assert s["s2"].connections == 14 * 14 * 6 * (4 + 1)
    assert s["c3"].params == 5 * 5 * (3 + 3) + 2
    assert s["out"].params == 10 * 10 * 2 * 10 and s["out"].trainable_params == 0
    assert s.totals["non_trainable_params"] == 10 * 10 * 2 * 10


# --------------------------------------------------------------------------------------------------
# composites


def test_concat_channels_and_rf_of_widest_branch():
    """Concat adds channels; the receptive field is the widest branch's."""
    s = summary("inception-naive")
    assert s["inception.concat"].output_shape == (28, 28, 64 + 128 + 32 + 192)
    assert s["inception.concat"].receptive_field == (5, 5)


def test_block_rows_aggregate_children():
    """A block's row holds the sum of its leaves (inception3a: 163,696 = its conv params)."""
    s = summary("inception-3a")
    block = s["inception3a"]
    assert block.params == sum(r.params for r in s.rows if r.path.startswith("inception3a."))
    assert block.params == (192 * 64 + 64) + (192 * 96 + 96) + (9 * 96 * 128 + 128) + (192 * 16 + 16) + (
        25 * 16 * 32 + 32) + (192 * 32 + 32)


def test_depth_folding():
    """--depth 1 shows the input and one row for the whole block."""
    s = summary("inception-3a")
    rows = s.visible_rows(1)
    assert [r.path for r in rows] == ["input", "inception3a"]
    assert rows[1].output_shape == (28, 28, 256)


def test_residual_projection_and_add():
    """Residual module: 1×1 projection 3 → 64 channels, then add and ReLU."""
    s = summary("residual-module")
    assert s["res.shortcut.proj"].params == 3 * 64 + 64
    assert s["res.add"].output_shape == (256, 256, 64)
    assert s["res.relu"].output_shape == (256, 256, 64)


def test_residual_rows_are_its_body_layers():
    """A residual block's rows: the body's layers, the sum and the post layers, numbered together."""
    block = Residual([Conv2d(8, 3, padding=1), ReLU(), Conv2d(8, 3, padding=1)], post=[ReLU()], name="res")
    s = summary(net(block, input=(8, 8, 8)))
    assert [r.path for r in s.all_rows] == ["input", "res", "res.conv1", "res.relu1", "res.conv2", "res.add", "res.relu2"]
    assert all(r.depth == s["res"].depth + 1 for r in s.all_rows[2:])
    # the block's row sums its direct children: two 3·3·8·8 + 8 convolutions
    assert s["res"].params == 2 * (3 * 3 * 8 * 8 + 8)


def test_residual_named_body_stays_a_block():
    """A body given as a named Sequential keeps its own row; the shortcut and the sum sit beside it."""
    from shapecalc.layers import Sequential

    block = Residual(Sequential(Conv2d(16, 1, name="c"), name="main"), shortcut=[Conv2d(16, 1, name="p")], name="res")
    s = summary(net(block, input=(8, 8, 8)))
    assert [r.path for r in s.all_rows] == ["input", "res", "res.main", "res.main.c", "res.shortcut", "res.shortcut.p", "res.add"]
    assert s["res.main"].params == s["res.shortcut"].params == 8 * 16 + 16


def test_residual_without_projection_mismatch_is_an_error():
    """An identity shortcut cannot add 3 channels to 64."""
    bad = net(Residual([Conv2d(64, 3, padding=1)], name="res"))
    with pytest.raises(ShapeError, match=r"res\.add: add expects equal shapes; input 1 is 32×32×64, input 2 is 32×32×3"):
        summary(bad)


def test_option_a_shortcut():
    """Zero-padded identity shortcut: stride 2 and channel padding, no parameters."""
    block = Residual([Conv2d(32, 3, stride=2, padding=1), ReLU(), Conv2d(32, 3, padding=1)],
                     shortcut=[ChannelPadShortcut(32, 2)], post=[ReLU()], name="b")
    s = summary(net(block, input=(32, 32, 16)))
    assert s["b.shortcut.padshortcut1"].output_shape == (16, 16, 32)
    assert s["b.shortcut.padshortcut1"].params == 0


def test_side_head_reported_apart():
    """A side head's parameters are excluded at inference and counted in training."""
    head = SideHead(GlobalAvgPool(), Linear(10, name="fc"), name="aux")
    s = summary(net(Conv2d(8, 3, padding=1, name="c"), head, Conv2d(4, 1, name="d"), input=(8, 8, 3)))
    assert s["aux.fc"].side_head
    assert s["d"].input_shape == (8, 8, 8)
    t = s.totals
    assert t["side_head_params"] == 8 * 10 + 10
    assert t["params"] == (27 * 8 + 8) + (8 * 4 + 4)
    assert t["params_with_side_heads"] == t["params"] + 90


def test_freeze():
    """--freeze conv2 makes conv1 and conv2 non-trainable."""
    s = summary("cnn-39x31", freeze="conv2")
    t = s.totals
    assert t["non_trainable_params"] == (16 * 20 + 20) + (9 * 20 * 40 + 40)
    assert t["trainable_params"] == t["params"] - t["non_trainable_params"]


def test_freeze_inside_a_block_freezes_part_of_it():
    """Freezing ResNet-18's layer1.0.conv1 freezes 3·3·64·64 of layer1.0's parameters, not the whole block."""
    conv = 3 * 3 * 64 * 64
    block = 2 * conv + 2 * (64 + 64)  # two 3×3 convolutions without bias, two BatchNorms (γ, β)
    s = summary("torchvision.resnet18", freeze="layer1.0.conv1")
    for path in ("layer1", "layer1.0"):
        assert not s[path].frozen and s[path].non_trainable_params == conv
    assert s["layer1.0"].trainable_params == block - conv
    assert s["layer1.1"].trainable_params == block and s["layer1.0.conv1"].frozen
    folded = s.table(depth=2).splitlines()
    assert next(line for line in folded if line.startswith("layer1.0 ")).count(f"{conv:,} not trainable") == 1
    whole = summary("torchvision.resnet18", freeze="layer1.0")
    assert whole["layer1.0"].frozen and whole["layer1.0"].trainable_params == 0
    assert not whole["layer1"].frozen and whole["layer1"].non_trainable_params == block


def test_batch_multiplies_macs_and_activations_not_params():
    """Batch 8: MACs and activations ×8, parameters unchanged."""
    one, eight = summary("cnn-39x31"), summary("cnn-39x31", batch=8)
    assert eight.totals["macs"] == 8 * one.totals["macs"]
    assert eight.totals["activations"] == 8 * one.totals["activations"]
    assert eight.totals["params"] == one.totals["params"]


def test_dtype_memory():
    """float16 activations take 2 bytes per element."""
    s = summary("cnn-39x31", dtype="float16")
    assert s.totals["activation_bytes"] == 2 * s.totals["activations"]


# --------------------------------------------------------------------------------------------------
# warnings and errors


def test_alexnet_style_inexact_division_warns():
    """An 11×11/4 conv on 224 warns with the arithmetic: windows start at 0, 4, …, 4 × 53 = 212 and the last
    ends at 212 + 10 = 222, so row 223 is never read; --strict refuses it."""
    layers = net(Conv2d(96, 11, stride=4, name="conv1"), input=(224, 224, 3))
    s = summary(layers)
    assert s["conv1"].output_shape == (54, 54, 96)
    assert s["conv1"].warnings[0] == ("H: 1 of 224 input rows never read by this layer (row 223: the last window "
                                      "that would read them does not fit); (224 − 11)/4 + 1 = 54.25 is not whole, "
                                      "floored to 54")
    with pytest.raises(DivisibilityError, match="conv1: H: .*54.25"):
        summary(layers, strict=True)


def test_pool_window_not_multiple_warns():
    """A 2×2/2 pool on 7 rows drops the last one."""
    s = summary(net(MaxPool2d(2, name="p"), input=(7, 8, 1)))
    assert len(s["p"].warnings) == 1
    assert s["p"].warnings[0] == ("H: 1 of 7 input rows never read by this layer (row 6: the last window that "
                                  "would read them does not fit); (7 − 2)/2 + 1 = 3.5 is not whole, floored to 3")


def test_output_below_one_is_an_error():
    """conv5 on a 3×3 map: the message names the layer, kernel, padded input and padding."""
    layers = net(Conv2d(4, 5, name="conv5"), input=(3, 3, 1))
    with pytest.raises(ShapeError, match=r"conv5: kernel 5×5 is larger than the padded input 3×3 \(input 3×3, padding 0\)"):
        summary(layers)


def test_groups_must_divide_channels():
    """groups 4 on 6 input channels is refused with the remainder."""
    with pytest.raises(ShapeError, match="groups 4 must divide the 6 input channels"):
        summary(net(Conv2d(8, 3, groups=4, name="g"), input=(8, 8, 6)))


def test_concat_spatial_mismatch():
    """Concat of 8×8 and 4×4 maps is refused."""
    b = Branches([Conv2d(4, 1)], [MaxPool2d(2)], name="mix")
    with pytest.raises(ShapeError, match=r"mix\.concat: concat expects equal spatial sizes; branch 1 gives 8×8, branch 2 gives 4×4"):
        summary(net(b, input=(8, 8, 3)))


def test_dense_on_a_map_asks_for_flatten():
    """A dense layer on a feature map asks for a flatten."""
    with pytest.raises(ShapeError, match="dense expects a vector, received the feature map 5×5×3: add a flatten"):
        summary(net(Linear(10), input=(5, 5, 3)))


@pytest.mark.parametrize("make, fragment", [
    (lambda: Conv2d(0, 3), "filters must be a whole number ≥ 1, received 0"),
    (lambda: Conv2d(8, 3, stride=0), "stride must be at least 1, received 0"),
    (lambda: Conv2d(8, 3, dilation=0), "dilation must be at least 1"),
    (lambda: Conv2d(8, 3, padding="full"), "padding must be a whole number, a pair, 'valid' or 'same'"),
    (lambda: Conv2d(6, 3, groups=4), "groups 4 must divide the 6 filters"),
    (lambda: MaxPool2d(2, padding=2), "padding 2 must be at most half the window 2"),
    (lambda: Dropout(1.5), "dropout probability must be in [0, 1)"),
    (lambda: Linear(-3), "units must be a whole number ≥ 1, received -3"),
])
def test_bad_layer_arguments(make, fragment):
    """Bad constructor arguments raise ConfigError naming the numbers."""
    with pytest.raises(ConfigError) as info:
        make()
    assert fragment in str(info.value)


def test_json_round_trip():
    """JSON output parses back to the same figures and documented keys."""
    s = summary("cnn-39x31")
    data = json.loads(s.to_json())
    assert data["model"] == "cnn-39x31" and data["input"] == [39, 31, 1]
    assert data["totals"]["params"] == s.totals["params"]
    first = data["layers"][1]
    for key in ("name", "kind", "output_shape", "weights", "biases", "params", "trainable_params", "macs", "flops",
                "connections", "activations", "receptive_field", "warnings"):
        assert key in first
    assert data["layers"][-1]["output_shape"] == [100]
    assert sum(layer["params"] for layer in data["layers"]) == data["totals"]["params"]


def test_input_override_and_unknown_dtype():
    """--input overrides the default; an unknown dtype is a ConfigError."""
    assert summary("cnn-39x31", input=(40, 32, 1))["conv1"].output_shape == (37, 29, 20)
    with pytest.raises(ConfigError, match="unknown dtype 'float8'"):
        summary("cnn-39x31", dtype="float8")


def test_input_layer_replaced_by_given_input():
    """A network whose first layer is Input(...) takes the given input instead."""
    s = summary([Input(10, 10, 1), Conv2d(2, 3, name="c")], input=(12, 12, 1))
    assert s["c"].output_shape == (10, 10, 2)


def test_receptive_field_stops_growing_after_first_dense():
    """The first dense layer sees the whole 2×2 map (field 4 + (2 − 1)·2); later ones see no further."""
    s = summary(net(Conv2d(4, 2, stride=2, name="c"), Flatten(), Linear(8, name="fc1"), Linear(4, name="fc2"),
                    input=(4, 4, 1)))
    assert s["c"].receptive_field == (2, 2)
    assert s["fc1"].receptive_field == (2 + (2 - 1) * 2,) * 2
    assert s["fc2"].receptive_field == s["fc1"].receptive_field


def _deep_chain(n):
    return Network("deep", [Conv2d(4, 3, padding=1) if i % 2 == 0 else ReLU() for i in range(n)], (8, 8, 4))


def test_large_walk_keeps_a_programs_frozen_objects():
    """When the program has frozen objects of its own, the walk does not unfreeze them."""
    import gc

    from shapecalc import analysis

    network = _deep_chain(analysis.PROMOTE_ROWS)
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        analysis.walk(network, (8, 8, 4))
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_the_callers_collector_state_is_left_as_it_was():
    """A collector the caller disabled stays disabled after a large walk; an enabled one stays enabled."""
    import gc

    from shapecalc import analysis

    gc.disable()
    try:
        analysis.walk(_deep_chain(analysis.PROMOTE_ROWS), (8, 8, 4))
        assert not gc.isenabled()
    finally:
        gc.enable()
    analysis.walk(_deep_chain(analysis.PROMOTE_ROWS), (8, 8, 4))
    assert gc.isenabled()


def test_square_maps_through_square_and_tall_windows():
    """On a square input ("512x512x3"), square windows keep H and W equal, fields included; a 3×1 window
    parts them: (512 + 2 − 3)//2 + 1 = 256, 256//2 = 128, 128 − 3 + 1 = 126."""
    s = summary(net(Conv2d(8, 3, stride=2, padding=1, name="c1"), MaxPool2d(2, name="p1"),
                    Conv2d(8, (3, 1), name="tall"), input=(1, 1, 1)), "512x512x3")
    c1, p1, tall = s["c1"], s["p1"], s["tall"]
    assert c1.output_shape == (256, 256, 8) and p1.output_shape == (128, 128, 8)
    assert c1.rf[0] == c1.rf[1] and p1.rf[0] == p1.rf[1]
    assert tall.output_shape == (126, 128, 8) and tall.rf[0] != tall.rf[1]


def test_counts_is_the_one_rule_per_kind():
    """A kind states its five counts in one counts(); the single figures read it, and the walk asks only
    the kinds that have one."""
    conv = Conv2d(20, 4)
    x, y = (39, 31, 1), (36, 28, 20)
    assert conv.counts(x, y) == (4 * 4 * 1 * 20, 20, 0, 36 * 28 * 20 * (4 * 4 * 1), 36 * 28 * 20)
    assert [conv.weights(x, y), conv.biases(x, y), conv.buffers(x, y), conv.macs(x, y), conv.bias_adds(x, y)] \
        == list(conv.counts(x, y))

    class Scale(Layer):
        """A user's kind: one weight per channel, one multiply per element."""

        kind = "scale"

        def counts(self, x, y):
            return (x[2], 0, 0, x[0] * x[1] * x[2], 0)

    row = summary(net(Scale(name="s"), input=(5, 4, 3)))["s"]
    assert (row.params, row.macs) == (3, 5 * 4 * 3)


def test_passing_kinds_skip_infer_and_window():
    """Kinds with the default infer and window pass the shape and field through; a user's kind that
    overrides either one is asked."""

    class Trim(Layer):
        """A user's kind: drops the last row and column."""

        kind = "trim"

        def infer(self, x, ctx, path):
            return (x[0] - 1, x[1] - 1, x[2])

    class Blur(Layer):
        """A user's kind: a 3×3 window that keeps the shape (its field grows by 2)."""

        kind = "blur"

        def window(self, x):
            return ((3, 1, 1), (3, 1, 1))

    s = summary(net(Trim(name="c"), Blur(name="b"), input=(5, 4, 3)))
    assert s["c"].output_shape == (4, 3, 3)
    assert s["b"].output_shape == (4, 3, 3) and s["b"].receptive_field == (1 + (3 - 1), 1 + (3 - 1))


def test_ceil_mode_explanation_follows_the_rule():
    """A ceil-mode pool of 2×2/2, padding 1, on 3: (3 − 2 + 2·1)/2 + 1 = 2.5, ⌈3/2⌉ + 1 = 3, but the third
    window would start at padded position 2·2 = 4, the right padding (padded positions: 0 the left pad,
    1–3 the input, 4 the right pad): PyTorch drops it, 2. The note and the worked explanation show those steps,
    not "2.5, ceiled to 2" (false arithmetic around a right answer); every input row is read, so it is no ⚠."""
    from shapecalc.worked import explain

    s = summary(net(MaxPool2d(2, 2, 1, ceil_mode=True, name="p"), input=(3, 3, 1)))
    row = s["p"]
    assert row.output_shape == (2, 2, 1) and row.warnings == ()
    assert row.notes[0] == ("H: (3 − 2 + 2 × 1)/2 + 1 = 2.5 is not whole, ceiled to 3, less the last window, which "
                            "would start in the padding: 2; every input row is read")
    assert explain(row)[0] == ("H: ⌈(3 − 2 + 2 × 1) / 2⌉ + 1 − 1 = 2 (− 1: the last window would start in the "
                               "padding, and is dropped)")
