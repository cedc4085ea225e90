"""User-defined networks: the text spec, TOML/JSON files, --python, export and the zoo round trip."""

import io
import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecalc import layers as L
from shapecalc import zoo
from shapecalc.cli import main
from shapecalc.errors import ConfigError, SpecError
from shapecalc.report import summary
from shapecalc.spec import KINDS, export_spec, load_python, load_spec_file, parse_spec

COURSE = ("input 39x31x1 | conv 20 k4 | maxpool 2 | conv 40 k3 | maxpool 2 | conv 60 k3 | maxpool 2 | "
          "conv 80 k2 | flatten | dense 100 | softmax")


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def leaf(spec_item, input_shape="8x8x4"):
    """The one layer a one-item spec describes."""
    net = parse_spec(f"input {input_shape} | {spec_item}")
    assert len(net.layers) == 1
    return net.layers[0]


# -- the grammar ----------------------------------------------------------------------------------------


def test_course_one_liner():
    """The issue's one-liner gives the course table: conv1 4·4·1·20 + 20 params, dense 160·100 + 100."""
    s = summary(parse_spec(COURSE))
    assert s.input_shape == (39, 31, 1)
    convs = [r for r in s.rows if r.kind == "conv"]
    assert [r.params for r in convs] == [4 * 4 * 1 * 20 + 20, 3 * 3 * 20 * 40 + 40, 3 * 3 * 40 * 60 + 60,
                                         2 * 2 * 60 * 80 + 80]
    assert convs[0].output_shape == (39 - 4 + 1, 31 - 4 + 1, 20)
    dense = next(r for r in s.rows if r.kind == "dense")
    assert dense.input_shape == (2 * 1 * 80,) and dense.params == 160 * 100 + 100


def test_same_table_as_the_zoo_network():
    """The one-liner with the zoo's names reads back to the zoo's cnn-39x31 table, line for line."""
    named = ("network cnn-39x31 | input 39x31x1 | conv1: conv 20 k4 | pool1: maxpool 2 | conv2: conv 40 k3 | "
             "pool2: maxpool 2 | conv3: conv 60 k3 | pool3: maxpool 2 | conv4: conv 80 k2 | flatten: flatten | "
             "dense: dense 100 | softmax: softmax")
    assert summary(parse_spec(named)).table() == summary("cnn-39x31").table()


def test_names_two_ways():
    """`conv1: conv ...` and `name=conv1` both name a layer; unnamed layers get kind + number."""
    s = summary(parse_spec("input 8x8x1 | first: conv 4 k3 | conv 4 k3 name=second | relu"))
    assert [r.path for r in s.rows] == ["input", "first", "second", "relu1"]


@pytest.mark.parametrize("item, expected", [
    ("conv 16 k3 s2 p1", dict(kernel=(3, 3), stride=(2, 2), padding=(1, 1))),
    ("conv 16 k1x7 p0x3", dict(kernel=(1, 7), padding=(0, 3))),
    ("conv 16 3 2", dict(filters=16, kernel=(3, 3), stride=(2, 2))),
    ("conv 16 k3 same", dict(padding="same")),
    ("conv 16 k3 valid", dict(padding=(0, 0))),
    ("conv 16 k3 padding=same", dict(padding="same")),
    ("conv 16 k3 d2 p2", dict(dilation=(2, 2), padding=(2, 2))),
    ("conv 16 k3 g4", dict(groups=4)),
    ("conv 16 k3 nobias", dict(bias=False)),
    ("conv 16 k3 bias=off", dict(bias=False)),
    ("maxpool 3 s2 ceil", dict(kernel=(3, 3), stride=(2, 2), ceil_mode=True)),
    ("maxpool 3 2 p1", dict(stride=(2, 2), padding=(1, 1))),
    ("avgpool 2 count_include_pad=off", dict(count_include_pad=False)),
    ("dropout 0.3", dict(p=0.3)),
    ("batchnorm eps=0.001 momentum=0.01", dict(eps=0.001, momentum=0.01)),
    ("lrn 5 alpha=0.0001 beta=0.75 k=2.0", dict(size=5, alpha=0.0001, beta=0.75, k=2.0)),
    ("gap keepdims", dict(keepdims=True)),
    # how the network's forward computes the layer (what the counting tools see)
    ("relu call=functional", dict(call="functional")),
    ("maxpool 3 2 call=functional", dict(stride=(2, 2), call="functional")),
    ("avgpool 3 1 1 call=functional", dict(padding=(1, 1), call="functional")),
    ("adaptiveavgpool 1 call=functional", dict(output=(1, 1), call="functional")),
    ("gap call=mean", dict(call="mean")),
    ("layernorm eps=1e-06 channels_first", dict(eps=1e-06, channels_first=True)),
])
def test_arguments(item, expected):
    """Short flags, bare values, words and field=value set the constructor's arguments."""
    layer = leaf(item, "16x16x16")
    for key, value in expected.items():
        assert getattr(layer, key) == value, key


#: one example per layer kind; test_every_kind_has_an_example keeps it complete
EXAMPLES = {
    "input": ("input 8x8x3", None),
    "rescaling": ("rescaling 0.5 offset=-1.0", (8, 8, 3)),
    "normalization": ("normalization", (8, 8, 3)),
    "reshape": ("reshape [-1,3]", (8 * 8, 3)),
    "upsample": ("upsample 2", (16, 16, 3)),
    "crop": ("crop [[0,1],[2,1]]", (7, 5, 3)),
    "conv": ("conv 8 k3", (6, 6, 8)),
    "sparseconv": ("sparseconv [[0], [1, 2], [0, 1, 2]] k3", (6, 6, 3)),
    "maxpool": ("maxpool 2", (4, 4, 3)),
    # a sequence L×C and a volume D×H×W×C: (10 − 3)/2 + 1 = 4; (6 − 2)/2 + 1 = 3
    "conv1d": ("input 10x3 | conv1d 4 k3 s2", (4, 4)),
    "maxpool1d": ("input 10x3 | maxpool1d 3 1", (8, 3)),
    "avgpool1d": ("input 10x3 | avgpool1d 2", (5, 3)),
    "conv3d": ("input 6x6x6x3 | conv3d 4 k2 s2", (3, 3, 3, 4)),
    "maxpool3d": ("input 6x6x6x3 | maxpool3d k2x1x1", (3, 6, 6, 3)),
    "avgpool3d": ("input 6x6x6x3 | avgpool3d 3 p1", (2, 2, 2, 3)),
    "avgpool": ("avgpool 2 s1", (7, 7, 3)),
    "subsampling": ("subsampling 2", (4, 4, 3)),
    "gap": ("gap", (3,)),
    "gmp": ("gmp keepdims", (1, 1, 3)),
    "adaptiveavgpool": ("adaptiveavgpool 2", (2, 2, 3)),
    "adaptivemaxpool": ("adaptivemaxpool 1x2", (1, 2, 3)),
    "flatten": ("flatten", (8 * 8 * 3,)),
    "dense": ("flatten | dense 10", (10,)),
    "rbf": ("flatten | rbf 10", (10,)),
    "batchnorm": ("batchnorm", (8, 8, 3)),
    "lrn": ("lrn 3", (8, 8, 3)),
    "dropout": ("dropout", (8, 8, 3)),
    "relu": ("relu", (8, 8, 3)),
    "tanh": ("tanh", (8, 8, 3)),
    "scaledtanh": ("scaledtanh", (8, 8, 3)),
    "sigmoid": ("sigmoid", (8, 8, 3)),
    "softmax": ("flatten | softmax", (8 * 8 * 3,)),
    "identity": ("identity", (8, 8, 3)),
    "padshortcut": ("padshortcut 6 stride=2", (4, 4, 6)),
    # (8 + 2·1 − 3)//2 + 1 = 4; 3 channels × multiplier 2
    "dwconv": ("dwconv 3 s2 p1 multiplier=2", (4, 4, 3 * 2)),
    # "same": ⌈8 / 1⌉ = 8
    "sepconv": ("sepconv 5 k3 same", (8, 8, 5)),
    # 8 + 0 + 1, 8 + 2 + 1
    "zeropad": ("zeropad [[0, 1], [2, 1]]", (8 + 0 + 1, 8 + 2 + 1, 3)),
    "relusix": ("relu6", (8, 8, 3)),
    "hardswish": ("hardswish", (8, 8, 3)),
    "hardsigmoid": ("hardsigmoid", (8, 8, 3)),
    "silu": ("swish", (8, 8, 3)),
    "gelu": ("gelu", (8, 8, 3)),
    "groupnorm": ("conv 4 k1 | groupnorm 2", (8, 8, 4)),
    "stochasticdepth": ("stochasticdepth 0.1", (8, 8, 3)),
    "shuffle": ("conv 6 k1 | shuffle 3", (8, 8, 6)),
    # 6 channels in 2 parts: 3
    "chunk": ("conv 6 k1 | chunk 2 1", (8, 8, 6 // 2)),
    "layernorm": ("layernorm", (8, 8, 3)),
    "pointwise": ("pointwise 5", (8, 8, 5)),
    "layerscale": ("layerscale", (8, 8, 3)),
    "permute": ("permute [0,2,3,1]", (8, 8, 3)),
    # 8·8 = 64 tokens of 3
    "tokens": ("tokens", (8 * 8, 3)),
    "classtoken": ("tokens | classtoken", (8 * 8 + 1, 3)),
    "posembed": ("tokens | posembed", (8 * 8, 3)),
    "attention": ("conv 6 k2 s2 | tokens | attention 2", (4 * 4, 6)),
    "selecttoken": ("tokens | selecttoken", (3,)),
    # ⌈8/2⌉ × ⌈8/2⌉ positions of 2·2·3 channels
    "spacetodepth": ("spacetodepth 2", (4, 4, 2 * 2 * 3)),
    # 3×3 windows (8 padded to 9), 3 heads of 1: the map unchanged
    "windowattention": ("windowattention 3 size=3 shift=1", (8, 8, 3)),
    "cosinewindowattention": ("cosinewindowattention 3 size=3 shift=1", (8, 8, 3)),
    # 8/4 = 2: 2·2 blocks of 4·4 positions
    "partition": ("partition 4", (2 * 2, 4 * 4, 3)),
    # the grid partition: 4·4 cells of (8/4)² positions, swapped to (8/4)² groups of 4·4
    "swapaxes": ("partition 4 grid=on | swapaxes", (2 * 2, 4 * 4, 3)),
    # √4 · √16 = 2 · 4 = 8
    "departition": ("partition 4 | departition", (2 * 4, 2 * 4, 3)),
    # heads of 3: one head; groups of 4·4 tokens
    "relativeattention": ("partition 4 | relativeattention 3 4", (2 * 2, 4 * 4, 3)),
}


def test_every_kind_has_an_example():
    """Every leaf kind of shapecalc.layers can be written in a spec (and has an example here)."""
    assert set(KINDS) == set(EXAMPLES)


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_every_kind_parses(kind):
    """Each kind's example parses to that kind, with the output shape worked by hand."""
    text, shape = EXAMPLES[kind]
    net = parse_spec(text if text.startswith("input") else "input 8x8x3 | " + text)
    s = summary(net)
    if shape is not None:
        assert s.rows[-1].kind == kind and s.rows[-1].output_shape == shape


def test_branches_concat_and_add():
    """branches( A ; B ) concat adds channels (64 + 128); `add` sums equal shapes."""
    s = summary(parse_spec("input 28x28x192 | inc: branches( conv 64 k1 ; conv 96 k1 | conv 128 k3 p1 ) concat"))
    assert s["inc"].output_shape == (28, 28, 64 + 128)
    assert s["inc.branch2.conv2"].params == 3 * 3 * 96 * 128 + 128
    s = summary(parse_spec("input 8x8x16 | branches( conv 16 k3 p1 ; identity ) add"))
    assert s.rows[-1].kind == "add" and s.rows[-1].output_shape == (8, 8, 16)


def test_named_branches_and_merge():
    """A branch written as one named block takes the block's name; `cat: concat` names the merge."""
    text = "input 8x8x4 | b: branches( left: block( conv 2 k1 ) ; right: block( conv 3 k1 ) ) cat: concat"
    s = summary(parse_spec(text))
    assert [r.path for r in s.rows][1:] == ["b.left.conv1", "b.right.conv1", "b.cat"]


def test_residual_block():
    """residual( body ) shortcut( proj ) post( relu ): the course's residual module, 2·(3·3·64·64+64) + ..."""
    text = """
    input 256x256x3
    res: residual(
      conv1: conv 64 k3 same
      relu1: relu
      conv2: conv 64 k3 same
    ) shortcut(
      proj: conv 64 k1
    ) post(
      relu: relu
    )
    """
    s = summary(parse_spec(text))
    assert s["res"].params == (3 * 3 * 3 * 64 + 64) + (3 * 3 * 64 * 64 + 64) + (1 * 1 * 3 * 64 + 64)
    assert [r.path for r in s.rows][-2:] == ["res.add", "res.relu"]
    assert summary(parse_spec(text)).table().splitlines()[1:] == summary("residual-module").table().splitlines()[1:]


def test_side_head():
    """side( ... ) loss_weight=0.3 is a side head: its parameters stay out of the inference total."""
    s = summary(parse_spec("input 8x8x4 | aux: side( flatten | dense 10 ) loss_weight=0.3 | conv 2 k1"))
    assert s.totals["side_head_params"] == 8 * 8 * 4 * 10 + 10
    assert s.totals["params"] == 1 * 1 * 4 * 2 + 2


def test_comments_and_lines():
    """`#` comments, new lines and blank lines separate items like `|`."""
    net = parse_spec("# my net\ninput 8x8x1   # grey\n\nconv 4 k3 |\n  relu\n")
    assert [layer.kind for layer in net.layers] == ["conv", "relu"]


def test_header_lines():
    """network NAME "description", source and note lines fill the Network's fields."""
    net = parse_spec('network tiny "a tiny net"\nsource "hand-made"\nnote "one"\ninput 4x4x1\nconv 2 k3')
    assert (net.title, net.description, net.source, net.notes) == ("tiny", "a tiny net", "hand-made", ("one",))


def test_named_input_layer():
    """`img: input 32x32x1` names the input row."""
    assert summary(parse_spec("img: input 32x32x1 | conv 6 k5")).rows[0].path == "img"


# -- errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, token, message", [
    ("input 39x31x1 | conv 20 k4 | maxpol 2", "maxpol", "unknown layer kind 'maxpol'; did you mean maxpool"),
    ("input 39x31x1 | conv 20 k4 q5", "q5", "cannot read 'q5'"),
    ("input 39x31x1 | maxpool 2 g2", "g2", "maxpool takes no groups"),
    ("input 39x31x1 | conv 20 k4 stride=2 s2", "s2", "stride is given twice"),
    ("input 39x31x1 | dense 10 units=3", "units", "units is given twice"),
    ("input 39x31x1 | branches( conv 2 k1 ; conv 2 k1", "", "expected ')' or ';'"),
    ("input 39x31x1 | conv 2 k1 )", ")", "no '(' opened it"),
    ("input 8x8x3, conv 3", ",", "unexpected character ','"),
    ("input 39x31x1 | conv 20 k4 foo=1", "foo", "conv takes no argument 'foo'"),
    ("input 39x31x1 | concat", "concat", "concat merges branches"),
])
def test_parse_errors_point_at_the_token(text, token, message):
    """A parse error names the column and carries the line with a caret under the token."""
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    exc = info.value
    assert message in str(exc)
    line, caret = exc.excerpt
    assert line == text
    col = caret.index("^")
    assert f"column {col + 1}" in str(exc)
    if token:
        assert text[col:col + len(token)] == token


def test_how_a_layer_is_called_round_trips():
    """``call=`` and ``channels_first`` (torchvision's F.relu, F.avg_pool2d, x.mean, LayerNorm2d) are written
    by the export, only where they are not the default, and read back: same table, same tool presets."""
    text = ("input 16x16x8 | relu call=functional | avgpool 3 1 1 call=functional | maxpool 2 | "
            "layernorm 1e-06 channels_first | adaptiveavgpool 2 call=functional | gap call=mean")
    net = parse_spec(text)
    exported = export_spec(net)
    assert ["relu call=functional", "avgpool 3 s1 p1 call=functional", "maxpool 2",
            "layernorm 1e-06 channels_first=on", "adaptiveavgpool 2 call=functional",
            "gap call=mean"] == exported.splitlines()[2:]
    back = parse_spec(exported)
    assert [x.config() for x in back.layers] == [x.config() for x in net.layers]
    for convention in ("fvcore", "ptflops", "torchinfo"):
        assert (summary(back, convention=convention).totals["operations"]
                == summary(net, convention=convention).totals["operations"])
    # the same layers as modules count more for ptflops (a hook and the patched functional)
    plain = parse_spec("input 16x16x8 | relu | avgpool 3 1 1 | maxpool 2 | layernorm 1e-06 | "
                       "adaptiveavgpool 2 | gap")
    assert summary(plain, convention="ptflops").totals["operations"] > summary(
        net, convention="ptflops").totals["operations"]
    assert summary(plain).totals["macs"] == summary(net).totals["macs"]


@pytest.mark.parametrize("text, message", [
    ("input 8x8x3 | relu call=mean", "call must be 'module' or 'functional', received 'mean'"),
    ("input 8x8x3 | gap call=sum", "call must be 'module' or 'functional' or 'mean'"),
    ("input 8x8x3 | tokens | layernorm channels_first", "expects a feature map"),
])
def test_how_a_layer_is_called_is_checked(text, message):
    from shapecalc.errors import ShapecalcError

    with pytest.raises(ShapecalcError) as info:
        summary(parse_spec(text))
    assert message in str(info.value)


def test_layer_rule_errors_become_spec_errors():
    """A constructor's refusal (groups not dividing filters) points at the whole item."""
    with pytest.raises(SpecError) as info:
        parse_spec("input 39x31x1 | conv 20 k4 g3 | flatten")
    assert "groups 3 must divide the 20 filters (remainder 2)" in str(info.value)
    assert info.value.excerpt[1].strip() == "^" * len("conv 20 k4 g3")


def test_multiline_errors_name_the_line():
    """In a file, errors name line and column."""
    with pytest.raises(SpecError, match=r"line 3, column 6: unknown layer kind 'dens'"):
        parse_spec("input 8x8x1\nflatten\nfc1: dens 10")


def test_missing_input():
    """A spec without an input shape says how to give one."""
    with pytest.raises(SpecError, match="input 39x31x1"):
        parse_spec("conv 20 k4 | flatten")


def test_cli_error_is_one_line_plus_caret():
    """The CLI prints the error on one line, then the excerpt, and exits 2."""
    code, out, err = run("--spec", "input 8x8x1 | conv 4 k3 | relux")
    lines = err.splitlines()
    assert code == 2 and len(lines) == 3
    assert lines[0].startswith("shapecalc: error: --spec: column 27: unknown layer kind 'relux'")
    assert lines[2].index("^") - 2 == lines[1].index("relux") - 2


# -- export and the zoo round trip -----------------------------------------------------------------------


@pytest.mark.parametrize("name", zoo.names())
def test_zoo_round_trip(name):
    """Every zoo network exports to a spec that reads back to an identical table (and exports the same)."""
    net = zoo.get(name)
    text = export_spec(net)
    back = parse_spec(text)
    a, b = summary(net), summary(back)
    assert a.table() == b.table()
    assert a.to_dict() == b.to_dict()
    assert export_spec(back) == text


def test_export_is_readable():
    """The export of cnn-39x31 is one short line per layer."""
    text = export_spec(zoo.get("cnn-39x31"))
    assert text.splitlines()[:4] == ['network cnn-39x31 "DeepID-style worked example"', "input 39x31x1",
                                     "conv1: conv 20 k4", "pool1: maxpool 2"]


def test_export_cli():
    """`shapecalc NAME --export-spec` prints the spec; `--spec` reads it back."""
    code, out, _ = run("inception-3a", "--export-spec")
    assert code == 0 and "branches(" in out and ") concat" in out
    code2, table, _ = run("--spec", out)
    assert code2 == 0 and table == run("inception-3a")[1]


@settings(max_examples=60)
@given(
    filters=st.integers(1, 64), kh=st.integers(1, 5), kw=st.integers(1, 5), stride=st.integers(1, 3),
    pad=st.one_of(st.integers(0, 2), st.sampled_from(["same", "valid"])), dilation=st.integers(1, 2),
    bias=st.booleans(), pool=st.integers(1, 3), ceil=st.booleans(),
)
def test_export_parse_property(filters, kh, kw, stride, pad, dilation, bias, pool, ceil):
    """For any conv and pool settings, parse(export(layer)) has the same configuration."""
    conv = L.Conv2d(filters, (kh, kw), stride=stride, padding=pad, dilation=dilation, groups=1, bias=bias, name="c")
    mp = L.MaxPool2d(pool, ceil_mode=ceil, name="p")
    net = L.Network("n", [conv, mp], (32, 32, 3))
    back = parse_spec(export_spec(net))
    assert [type(x) for x in back.layers] == [L.Conv2d, L.MaxPool2d]
    assert [x.config() for x in back.layers] == [conv.config(), mp.config()]


# -- files and Python -----------------------------------------------------------------------------------


def test_text_file(tmp_path):
    """A .txt/.spec file is the text spec; the file's stem is the default title."""
    path = tmp_path / "mynet.spec"
    path.write_text("input 39x31x1\nconv 20 k4\nmaxpool 2\n", encoding="utf-8")
    net = load_spec_file(path)
    assert net.title == "mynet" and summary(net).rows[-1].output_shape == (18, 14, 20)


def test_json_file(tmp_path):
    """The JSON form: layers as text items or tables, composites nested."""
    data = {
        "name": "mini-inception", "input": [28, 28, 192],
        "layers": [
            {"kind": "branches", "name": "inc", "merge": "concat", "branches": [
                [{"kind": "conv", "filters": 64, "kernel": 1}],
                ["conv 96 k1", {"kind": "conv", "filters": 128, "kernel": 3, "padding": 1}],
            ]},
            "gap | dense 10",
        ],
    }
    path = tmp_path / "net.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    s = summary(load_spec_file(path))
    assert s["inc"].output_shape == (28, 28, 64 + 128)
    assert s.rows[-1].params == (64 + 128) * 10 + 10
    # a field such as call= in a table
    data["layers"][1:] = [{"kind": "gap", "call": "mean"}, "dense 10"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_spec_file(path).layers[1].call == "mean"


def test_toml_file(tmp_path):
    """The TOML form, with a residual block and an input written as text."""
    path = tmp_path / "net.toml"
    path.write_text(
        'name = "res"\ninput = "8x8x16"\n'
        'layers = [\n  { kind = "residual", name = "block", body = ["conv 16 k3 p1", "relu", "conv 16 k3 p1"],'
        ' post = ["relu"] },\n  "gap",\n]\n', encoding="utf-8")
    s = summary(load_spec_file(path))
    assert s["block"].params == 2 * (3 * 3 * 16 * 16 + 16)
    assert s.rows[-1].output_shape == (16,)


def test_toml_spec_key(tmp_path):
    """`spec = "..."` in a structured file holds a whole text spec."""
    path = tmp_path / "net.toml"
    path.write_text('spec = "input 39x31x1 | conv 20 k4"\n', encoding="utf-8")
    assert summary(load_spec_file(path)).rows[-1].params == 4 * 4 * 20 + 20


def test_toml_without_tomllib(tmp_path, monkeypatch):
    """On Python 3.10 (no tomllib) a TOML spec gives a clear ConfigError."""
    path = tmp_path / "net.toml"
    path.write_text('spec = "input 8x8x1 | conv 2 k3"\n', encoding="utf-8")
    monkeypatch.setitem(sys.modules, "tomllib", None)
    with pytest.raises(ConfigError, match="Python 3.11"):
        load_spec_file(path)


def test_structured_errors(tmp_path):
    """Structured files name the layer that fails."""
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"input": "8x8x1", "layers": ["conv 2 k3", {"kind": "conv", "filterz": 2}]}))
    with pytest.raises(SpecError, match=r"layers\[1\]: conv takes no argument 'filterz'"):
        load_spec_file(path)


def test_spec_file_is_never_executed(tmp_path):
    """A spec file with Python in it is refused as a spec, not run."""
    marker = tmp_path / "ran"
    path = tmp_path / "evil.spec"
    path.write_text(f"__import__('pathlib').Path({str(marker)!r}).touch()\n", encoding="utf-8")
    with pytest.raises(SpecError):
        load_spec_file(path)
    assert not marker.exists()


def test_cli_spec_file(tmp_path):
    """--spec-file takes every option the zoo commands take (here --no-bias and --format csv)."""
    path = tmp_path / "net.txt"
    path.write_text(COURSE, encoding="utf-8")
    code, out, _ = run("--spec-file", str(path), "--no-bias", "--format", "csv")
    assert code == 0 and "conv1,\"conv 4×4, 20\",36×28×20,320," in out


def test_load_python(tmp_path, monkeypatch):
    """--python module:attr imports the module (explicitly) and takes the Network, list or factory."""
    (tmp_path / "mynets.py").write_text(
        "from shapecalc.layers import Network, Conv2d, Input\n"
        "net = Network('mine', [Conv2d(6, 5)], (32, 32, 1))\n"
        "layers = [Input(28, 28, 1), Conv2d(4, 3)]\n"
        "def build():\n    return net\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    # the docs' own example imports a different mynets module in this process: start afresh, and leave this
    # one behind for no later test (setitem restores the module there was, or removes this one)
    monkeypatch.setitem(sys.modules, "mynets", None)
    del sys.modules["mynets"]
    assert load_python("mynets:net").title == "mine"
    assert load_python("mynets:build").title == "mine"
    assert load_python("mynets:layers").input_shape == (28, 28, 1)
    assert load_python(f"{tmp_path / 'mynets.py'}:net").title == "mine"
    with pytest.raises(ConfigError, match="has no attribute 'nett'; did you mean net"):
        load_python("mynets:nett")
    with pytest.raises(ConfigError, match="MODULE:ATTR"):
        load_python("mynets")


def test_symbolic_input():
    """`input HxWx3` gives a symbolic table; the export keeps the letters."""
    net = parse_spec("input HxWx3 | conv 64 k7 s2 p3")
    assert net.input_shape == ("H", "W", 3)
    assert export_spec(net).splitlines()[1] == "input HxWx3"
    assert summary(net, (224, 224, 3)).rows[-1].output_shape == ((224 + 2 * 3 - 7) // 2 + 1,) * 2 + (64,)


def test_odd_names_and_none_round_trip():
    """Names with spaces or symbols are quoted on export, None values written `none`; both read back."""
    net = L.Network("odd names", [
        L.Conv2d(4, 3, name="my conv"), L.BatchNorm(momentum=None, name="k3"),
        L.Branches([L.Conv2d(2, 1)], [L.Conv2d(2, 1)], merge=L.Concat(name="cat here"), name="b 1"),
        L.SideHead(L.Flatten(), L.Linear(3), name="aux:1"),
    ], (8, 8, 3))
    text = export_spec(net)
    assert '"my conv": conv 4 k3' in text and '"k3": batchnorm momentum=none' in text
    back = parse_spec(text)
    assert summary(back).table() == summary(net).table()
    assert back.layers[1].momentum is None


def test_nesting_limit():
    """Blocks nested deeper than the limit are a SpecError, not a RecursionError."""
    with pytest.raises(SpecError, match="more than 50 nested blocks"):
        parse_spec("input 8x8x1 | " + "block( " * 400 + "relu" + " )" * 400)
    deep = ["relu"]
    for _ in range(300):
        deep = [deep]
    from shapecalc.spec import build_structured

    with pytest.raises(SpecError, match="nested blocks"):
        build_structured({"input": "8x8x1", "layers": deep})
    assert len(summary(parse_spec("input 8x8x1 | " + "block( " * 20 + "relu" + " )" * 20)).rows) == 2
