"""Interfaces that fit their ecosystems (issue 22), as a user meets them: the test suite as a package, LaTeX
that pdflatex compiles, JSON with a schema and numbers as numbers, the name the user typed, compare with
any model argument and a third network, PyTorch's argument order, and "whole input" for the field of a
layer whose units all see the whole input."""

import io
import json
import pathlib
import shutil
import subprocess

import pytest

import shapecalc
from shapecalc.cli import main
from shapecalc.errors import ConfigError, ShapeError

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------------------------------------------------
# the tests are a package: helpers by name, no sys.path edits


def test_helpers_import_as_a_package_and_no_test_edits_sys_path():
    from tests import oracles, strategies

    assert callable(oracles.evaluate_worked) and hasattr(strategies, "st")
    import re

    call = re.compile(r"^\s*sys\.path\.(insert|append)\(", re.MULTILINE)
    edits = [p.name for p in (ROOT / "tests").glob("*.py") if call.search(p.read_text(encoding="utf-8"))]
    assert edits == []


# ---------------------------------------------------------------------------------------------------------
# LaTeX: ASCII only, every special character escaped, the title a caption; pdflatex compiles it


def _compile(fragments):
    """pdflatex on a document holding ``fragments`` (skipped where pdflatex is not installed)."""
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    import tempfile

    body = "\n\\clearpage\n".join(fragments)
    with tempfile.TemporaryDirectory() as d:
        doc = pathlib.Path(d) / "t.tex"
        doc.write_text("\\documentclass{article}\\usepackage{booktabs}\\usepackage{longtable}"
                       "\\usepackage[margin=1cm,paperwidth=80cm,paperheight=120cm]{geometry}\\begin{document}\n"
                       + body + "\n\\end{document}\n")
        done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name], cwd=d,
                              capture_output=True, timeout=240)
        assert done.returncode == 0, done.stdout[-3000:].decode(errors="replace")


LATEX_COMMANDS = [
    ("vgg16", "--format", "latex"),                      # conv1_1: an underscore in every layer name
    ("resnet18", "--format", "latex_booktabs"),          # warnings and notes: lists below the table
    ("lenet5", "--format", "latex_longtable", "--rf"),   # the receptive-field view, on a longtable
    ("compare", "alexnet", "resnet18", "vgg16", "--format", "latex"),
    ("list", "--format", "latex"),                       # "Simonyan & Zisserman", torchvision.vgg11_bn
]


@pytest.mark.parametrize("argv", LATEX_COMMANDS)
def test_latex_is_ascii_with_every_special_character_escaped(argv):
    code, out, _ = run(*argv)
    assert code == 0
    assert out.isascii()
    # past the comment line at the top, every _, # and % is escaped (& also separates the columns)
    body = "\n".join(line for line in out.splitlines() if not line.startswith("% "))
    body = body.replace(r"\_", "").replace(r"\%", "").replace(r"\#", "")
    assert "_" not in body and "#" not in body and "%" not in body
    assert "×" not in out and "—" not in out


def test_latex_summary_has_its_title_as_a_caption_and_its_totals_as_paragraphs():
    _, out, _ = run("vgg16", "--format", "latex")
    lines = out.splitlines()
    assert r"\caption{vgg16 --- input 224$\times$224$\times$3, batch 1}" in lines
    assert lines.index(r"\begin{table}[htbp]") < lines.index(r"\begin{tabular}{llrrrrl}") \
        < lines.index(r"\end{tabular}") < lines.index(r"\end{table}")
    # Simonyan & Zisserman's configuration D: 138,357,544 parameters (torchvision's count of the same net)
    assert r"params: 138,357,544 (trainable 138,357,544, non-trainable 0)\par" in lines
    assert any(line.startswith(r"block1.conv1\_1 ") and r"conv 3$\times$3, pad 1, 64" in line for line in lines)


def test_latex_keeps_double_hyphens_and_lists_warnings():
    _, out, _ = run("resnet18", "--format", "latex")
    assert r"-{}-strict makes them errors" in out  # not an en dash
    assert r"\item[\textbf{!}] layer2.0.downsample.0:" in out


def test_latex_fragments_compile():
    _compile([run(*argv)[1] for argv in LATEX_COMMANDS])


def test_verify_in_latex():
    pytest.importorskip("torch")
    code, out, _ = run("cnn-39x31", "--verify", "--device", "cpu", "--format", "latex")
    assert code == 0 and out.isascii()
    assert r"all $\surd$: 11 layers agree\par" in out.splitlines()
    _compile([out])


# ---------------------------------------------------------------------------------------------------------
# JSON: a schema, numbers as numbers, every view that prints data


def test_summary_json_names_its_schema():
    data = json.loads(run("cnn-39x31", "--format", "json")[1])
    assert data["schema"] == "shapecalc.summary/1"
    assert shapecalc.summary("cnn-39x31").to_dict()["schema"] == "shapecalc.summary/1"


def test_list_json_gives_shapes_as_numbers_and_aliases_as_a_list():
    listing = {item["name"]: item for item in json.loads(run("list", "--format", "json")[1])}
    # AlexNet's 227×227×3 (Krizhevsky et al. 2012, as the zoo takes it); LeNet-5's 32×32×1
    assert listing["alexnet"]["input"] == [227, 227, 3]
    assert listing["lenet5"]["input"] == [32, 32, 1]
    assert listing["vgg-d"]["aliases"] == ["vgg16"] and listing["alexnet"]["aliases"] == []
    assert "(also:" not in listing["vgg-d"]["description"]


def test_constraints_json():
    """conv 3×3 at stride 2 on H rows: ⌊(H − 3)/2⌋ + 1 ≥ 1 needs H ≥ 3; exact where 2 | H − 3, H odd."""
    code, out, _ = run("--spec", "input Hx9x1 | conv 4 k3 s2", "--constraints", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["schema"] == "shapecalc.constraints/1" and data["input"] == ["H", 9, 1]
    h = data["axes"]["H"]
    assert (h["smallest"], h["smallest_exact"], h["exact"]) == (3, 3, {"period": 2, "residues": [1]})
    assert {(c["layer"], c["kind"], c["condition"]) for c in data["layers"]} == {
        ("conv1", "positive", "H ≥ 3"), ("conv1", "exact", "H ≡ 1 (mod 2)")}
    # the same words as the text view
    text = run("--spec", "input Hx9x1 | conv 4 k3 s2", "--constraints")[1]
    assert h["text"] in text.splitlines()


def test_constraints_refuse_a_table_format():
    code, out, err = run("--spec", "input Hx9x1 | conv 4 k3 s2", "--constraints", "--format", "csv")
    assert (code, out) == (2, "") and "--constraints prints text or json" in err


# ---------------------------------------------------------------------------------------------------------
# the name the user typed


@pytest.mark.parametrize("typed", ["vgg16", "VGG16", "Vgg16"])
def test_an_alias_is_shown_as_the_well_known_name(typed):
    code, out, _ = run(typed)
    assert code == 0 and out.startswith("vgg16 — input 224×224×3, batch 1\n")
    assert json.loads(run(typed, "--format", "json")[1])["model"] == "vgg16"
    assert shapecalc.summary(typed).model == "vgg16"


def test_the_paper_name_stays_and_both_are_one_network():
    assert run("vgg-d")[1].startswith("vgg-d — input 224×224×3")
    # Simonyan & Zisserman 2014, Table 2: configuration D, 138 M parameters
    assert shapecalc.summary("vgg16").totals == shapecalc.summary("vgg-d").totals
    assert shapecalc.summary("vgg16").totals["params"] == 138_357_544


# ---------------------------------------------------------------------------------------------------------
# compare: any model argument, a third network, the warnings and the options kept


def test_compare_three_networks_a_spec_and_a_file(tmp_path):
    spec_file = tmp_path / "mine.txt"
    spec_file.write_text("input 28x28x192\nconv 32 k3 p1\n")
    code, out, _ = run("compare", "conv5x5-28x28x192", "input 28x28x192 | conv 16 k1 | conv 32 k5 p2",
                       str(spec_file), "--format", "csv")
    assert code == 0
    import csv

    rows = {r[0]: r for r in csv.reader(io.StringIO(out)) if r}
    assert rows[""] == ["", "conv5x5-28x28x192", "spec", "mine", "conv5x5-28x28x192 / spec",
                        "conv5x5-28x28x192 / mine"]
    direct = 28 * 28 * 32 * (5 * 5 * 192)
    bottleneck = 28 * 28 * 16 * 192 + 28 * 28 * 32 * (5 * 5 * 16)
    three = 28 * 28 * 32 * (3 * 3 * 192)
    assert [int(v) for v in rows["macs"][1:4]] == [direct, bottleneck, three]
    assert float(rows["macs"][4]) == round(direct / bottleneck, 6)
    assert float(rows["macs"][5]) == round(direct / three, 6)
    # the input is no layer
    assert rows["layers"][1:4] == ["1", "2", "1"]


def test_compare_two_specs_apart_and_layers_without_the_input():
    c = shapecalc.compare("input 8x8x1 | conv 2 k3", "input 8x8x1 | conv 2 k3 | conv 2 k3", "cnn-39x31")
    assert c.names == ["spec", "spec (2)", "cnn-39x31"]
    rows = {k: v for k, *v in c.rows}
    # cnn-39x31: conv1, pool1, conv2, pool2, conv3, pool3, conv4, flatten, dense, softmax
    assert rows["layers"] == [1, 2, 10]


def test_compare_keeps_each_networks_warnings_and_notes():
    code, out, _ = run("compare", "alexnet-1gpu", "resnet18")
    assert code == 0
    # ResNet-18's 1×1 stride-2 shortcuts on even maps (56, 28, 14) never read the odd rows and columns
    assert "warnings of resnet18: real input that a window never reads (6;" in out
    assert "\n  ⚠ layer2.0.downsample.0: H: " in out
    assert "notes of resnet18 (" in out


def test_compare_says_what_batch_and_no_bias_changed():
    code, out, _ = run("compare", "conv5x5-28x28x192", "bottleneck-28x28x192", "--batch", "2", "--no-bias")
    assert code == 0
    assert "batch 2: macs, flops and activations count the whole batch; biases not counted (--no-bias)" in out
    params = {line.split()[0]: line.split()[1:3] for line in out.splitlines() if line.startswith(("params", "macs"))}
    assert params["params"] == [f"{5 * 5 * 192 * 32:,}", f"{192 * 16 + 5 * 5 * 16 * 32:,}"]
    assert params["macs"] == [f"{2 * 28 * 28 * 32 * 5 * 5 * 192:,}",
                              f"{2 * (28 * 28 * 16 * 192 + 28 * 28 * 32 * 5 * 5 * 16):,}"]


def test_compare_json_has_a_schema_and_every_network():
    data = json.loads(run("compare", "alexnet", "vgg16", "lenet5", "--format", "json")[1])
    assert data["schema"] == "shapecalc.comparison/1" and data["networks"] == ["alexnet", "vgg16", "lenet5"]
    assert [data[k]["schema"] for k in "abc"] == ["shapecalc.summary/1"] * 3
    assert data["b"]["totals"]["params"] == 138_357_544


def test_compare_takes_three_at_most():
    code, out, err = run("compare", "alexnet", "vgg16", "lenet5", "resnet18")
    assert (code, out) == (2, "") and len(err.splitlines()) == 1
    with pytest.raises(ConfigError, match="two or three networks"):
        shapecalc.compare("alexnet", "vgg16", "lenet5", "resnet18")


# ---------------------------------------------------------------------------------------------------------
# PyTorch's argument order: PyTorch's names mean what they mean there; its positional order is refused


@pytest.mark.parametrize("call, written", [
    ("Conv2d(3, 8, 3)", ["Conv2d(8, 3)", "Conv2d(in_channels=3, out_channels=8, kernel_size=3)"]),
    ("Conv2d(3, 8, 3, 2, 1)", ["Conv2d(8, 3, stride=2, padding=1)"]),
    ("Linear(512, 10)", ["Linear(10)", "Linear(in_features=512, out_features=10)"]),
    ("BatchNorm(64)", ["BatchNorm()", "BatchNorm(num_features=64)"]),
    ("BatchNorm2d(64)", ["BatchNorm()"]),
    ("LayerNorm(768)", ["LayerNorm()", "LayerNorm(normalized_shape=768)"]),
    ("GroupNorm(32, 64)", ["GroupNorm(32)", "GroupNorm(num_groups=32, num_channels=64)"]),
    ("MultiheadAttention(768, 12)", ["MultiheadAttention(12)", "MultiheadAttention(embed_dim=768, num_heads=12)"]),
    ("MaxPool2d(3, 2, 1, 2)", ["MaxPool2d(3, 2, 1, dilation=2)"]),
    ("Upsample(2)", ["Upsample(scale=2)"]),
])
def test_pytorch_positional_calls_are_refused_with_their_translation(call, written):
    import shapecalc.layers as L

    with pytest.raises(ConfigError) as caught:
        eval(call, vars(L))
    assert all(w in str(caught.value) for w in written), str(caught.value)


def test_the_trap_no_longer_builds_three_filters():
    """Conv2d(3, 8, 3) was 3 filters of 8×8 at stride 3: no network is built from it any more."""
    with pytest.raises(ConfigError, match=r"Conv2d\(3, 8, 3\)"):
        shapecalc.summary([shapecalc.layers.Conv2d(3, 8, 3)], (32, 32, 3))


def _torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("ours, theirs, shape", [
    ("Conv2d(in_channels=3, out_channels=8, kernel_size=3, stride=2, padding=1)",
     "nn.Conv2d(in_channels=3, out_channels=8, kernel_size=3, stride=2, padding=1)", (3, 32, 32)),
    ("Conv2d(out_channels=8, kernel_size=(3, 5), dilation=2, groups=1, bias=False)",
     "nn.Conv2d(3, 8, kernel_size=(3, 5), dilation=2, bias=False)", (3, 32, 32)),
    ("MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=2)",
     "nn.MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=2)", (3, 33, 33)),
    ("AvgPool2d(kernel_size=2)", "nn.AvgPool2d(kernel_size=2)", (3, 33, 32)),
    ("AdaptiveAvgPool2d(output_size=(2, 3))", "nn.AdaptiveAvgPool2d(output_size=(2, 3))", (3, 9, 9)),
    ("BatchNorm(num_features=3, eps=1e-3)", "nn.BatchNorm2d(num_features=3, eps=1e-3)", (3, 8, 8)),
    ("GroupNorm(num_groups=2, num_channels=4)", "nn.GroupNorm(num_groups=2, num_channels=4)", (4, 8, 8)),
    ("Upsample(scale_factor=2)", "nn.Upsample(scale_factor=2)", (3, 5, 7)),
])
def test_pytorch_keyword_calls_mean_what_they_mean_in_pytorch(ours, theirs, shape):
    """The layer written with PyTorch's names: the output shape and the parameters PyTorch's module has."""
    torch = _torch()
    import shapecalc.layers as L

    module = eval(theirs, {"nn": torch.nn})
    y = module(torch.zeros(1, *shape))
    s = shapecalc.summary([eval(ours, vars(L))], (shape[1], shape[2], shape[0]))
    assert s.rows[-1].output_shape == (y.shape[2], y.shape[3], y.shape[1])
    assert s.totals["params"] == sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("ours, theirs, shape", [
    ("Linear(in_features=12, out_features=5)", "nn.Linear(in_features=12, out_features=5)", (12,)),
    ("Linear(out_features=5, bias=False)", "nn.Linear(12, 5, bias=False)", (12,)),
])
def test_linear_with_pytorch_names(ours, theirs, shape):
    torch = _torch()
    import shapecalc.layers as L

    module = eval(theirs, {"nn": torch.nn})
    s = shapecalc.summary([eval(ours, vars(L))], shape)
    assert s.rows[-1].output_shape == tuple(module(torch.zeros(1, *shape)).shape[1:])
    assert s.totals["params"] == sum(p.numel() for p in module.parameters())


def test_attention_and_layernorm_with_pytorch_names():
    torch = _torch()
    from shapecalc.layers import LayerNorm, MultiheadAttention, Tokens

    s = shapecalc.summary([Tokens(), LayerNorm(normalized_shape=[16], elementwise_affine=True),
                           MultiheadAttention(embed_dim=16, num_heads=4)], (4, 4, 16))
    norm, attention = torch.nn.LayerNorm(16), torch.nn.MultiheadAttention(embed_dim=16, num_heads=4)
    assert s["layernorm1"].params == sum(p.numel() for p in norm.parameters())
    assert s["attention1"].params == sum(p.numel() for p in attention.parameters())


@pytest.mark.parametrize("layer, shape, message", [
    ("Conv2d(in_channels=4, out_channels=8, kernel_size=3, name='c')", (8, 8, 3), "c: in_channels is 4, but the input has 3"),
    ("Linear(in_features=10, out_features=2, name='fc')", (12,), "fc: in_features is 10, but the input has 12"),
    ("BatchNorm(num_features=64, name='bn')", (8, 8, 32), "bn: num_features is 64, but the input has 32"),
    ("GroupNorm(num_groups=2, num_channels=6, name='gn')", (8, 8, 4), "gn: num_channels is 6, but the input has 4"),
])
def test_pytorch_input_sizes_are_checked_against_the_input(layer, shape, message):
    import shapecalc.layers as L

    with pytest.raises(ShapeError) as caught:
        shapecalc.summary([eval(layer, vars(L))], shape)
    assert str(caught.value) == message


def test_one_argument_by_both_names_is_refused():
    with pytest.raises(ConfigError, match="filters=8 and out_channels=9 name the same argument"):
        shapecalc.layers.Conv2d(8, 3, out_channels=9)


# ---------------------------------------------------------------------------------------------------------
# a field that covers the whole input is said so


def test_alexnet_fc6_sees_the_whole_input():
    """pool5: 6×6 units of field 195 at jump 32 from row −64; fc6 sees them all: 195 + (6 − 1)·32 = 355
    positions, rows −64 … 290, which hold the whole 227-row input and padding."""
    s = shapecalc.summary("alexnet")
    table = {line.split()[0]: line for line in s.table().splitlines()[2:] if line.strip()}
    assert table["fc6"].endswith("whole input") and table["pool5"].endswith("195×195")
    layers = {layer["name"]: layer for layer in s.to_dict()["layers"]}
    assert layers["fc6"]["receptive_field"] == [195 + (6 - 1) * 32] * 2 and layers["fc6"]["start"] == [-64, -64]
    assert layers["fc6"]["sees_whole_input"] is True and layers["pool5"]["sees_whole_input"] is False
    rf = {item["name"]: item for item in json.loads(run("alexnet", "--rf", "--format", "json")[1])["layers"]}
    assert rf["fc8"]["sees_whole_input"] is True and rf["conv5"]["sees_whole_input"] is False
    assert any(line.startswith("fc6 ") and " whole input " in line for line in run("alexnet", "--rf")[1].splitlines())


def test_a_dense_layer_that_misses_a_row_shows_its_field():
    """cnn-39x31 on 40 rows: conv1 (k4) gives 37 rows, pool1 (2/2) reads rows 0 … 35 of them, so input
    row 39 never reaches the dense layer, whose field stays rows 0 … 38."""
    s = shapecalc.summary("cnn-39x31", input=(40, 31, 1))
    assert s["dense"].receptive_field == (39, 31) and s["dense"].start == (0, 0)
    dense = next(layer for layer in s.to_dict()["layers"] if layer["name"] == "dense")
    assert dense["sees_whole_input"] is False
    assert s.table().splitlines()[12].endswith("39×31")
