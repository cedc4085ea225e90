"""Reading submissions (shapecalc/submission.py): column roles from what a header means, and pasted Keras
``model.summary()`` tables at any terminal width.

The Keras fixtures are Keras' own output (tests/gen_keras_summaries.py wrote them, with the models' JSON
beside them): each summary is checked against its own model through shapecalc's Keras importer, and what is
read is checked against what Keras printed — every layer of the model's config has its row, and the Param #
cells add up to Keras' own *Total params* line.
"""

import io
import json
import os
import re

import pytest

from shapecalc.check import check
from shapecalc.cli import main
from shapecalc.sources import load
from shapecalc.submission import column_role, read_submission

DATA = os.path.join(os.path.dirname(__file__), "data", "submissions")
KERAS = os.path.join(DATA, "keras")
HEADERS = os.path.join(DATA, "headers")

# the cnn-39x31 network's parameters, by hand: (weights, biases) of each layer with any
CONV1 = (4 * 4 * 1 * 20, 20)
CONV2 = (3 * 3 * 20 * 40, 40)
CONV4 = (2 * 2 * 60 * 80, 80)


def wrong(report):
    """{(layer path, column): cell} for every wrong cell."""
    return {(r.row.path, c.column): c for r, c in report.wrong()}


def cells(report):
    return [c for r in report.rows for c in r.cells]


# -- what a header means ----------------------------------------------------------------------------------


@pytest.mark.parametrize("header, role", [
    ("Weights", ("weights", None, 1)),
    ("# weights", ("weights", None, 1)),
    ("Biases", ("biases", None, 1)),
    ("bias terms", ("biases", None, 1)),
    ("Total", ("params", "total", 1)),
    ("Total params", ("params", "total", 1)),
    ("params (no bias)", ("weights", "no bias", 1)),
    ("Parameters without bias", ("weights", "no bias", 1)),
    ("params (with bias)", ("params", "with bias", 1)),
    ("Weights + biases", ("params", "with bias", 1)),
    ("Params", ("params", None, 1)),
    ("# Parameters", ("params", None, 1)),
    ("Param #", ("params", None, 1)),
    ("Output shape", ("output", None, 1)),
    ("Output size", ("output", None, 1)),
    ("Input", ("input", None, 1)),
    ("MACs", ("macs", None, 1)),
    ("Mult-Adds (M)", ("macs", None, 10**6)),
    ("GFLOPs", ("flops", None, 10**9)),
    ("Params [K]", ("params", None, 10**3)),
    ("Connections", ("connections", None, 1)),
    ("Receptive field", ("rf", None, 1)),
    ("Connected to", ("connected", None, 1)),
    ("Layer (type)", ("layer", None, 1)),
    ("Type", ("type", None, 1)),
    # no figure to check: a layer's settings, a channel count, the student's working
    ("Kernel size", None), ("Stride", None), ("Output channels", None), ("# filters", None),
    ("Params working", None), ("Notes", None), ("Trainable", None),
])
def test_column_roles(header, role):
    """Each header's role (and the qualifier and unit it adds) is what the header says."""
    assert column_role(header) == role


def test_kernel_size_is_not_the_output(tmp_path):
    """A *Kernel size* column (``4x4``) is no output shape: the output column is the one checked."""
    path = tmp_path / "t.csv"
    path.write_text("Layer,Kernel size,Output size\nconv1,4x4,36x28x20\npool1,2x2,18x14x20\n", encoding="utf-8")
    report = check("cnn-39x31", str(path))
    assert [c.column for c in cells(report)] == ["output", "output"] and all(c.ok for c in cells(report))


# -- weights, biases and their total ----------------------------------------------------------------------


@pytest.mark.parametrize("no_bias", [False, True])
def test_weights_biases_total_right(no_bias):
    """A right Weights, Biases, Total table scores 100% with no diagnosis — with or without --no-bias (the
    header says what is counted). It scored 15/20 (75%), with five "bias forgotten", when Weights was read
    as the parameters."""
    report = check("cnn-39x31", os.path.join(HEADERS, "weights-biases-total.csv"), no_bias=no_bias)
    assert report.ok and report.points == report.out_of
    assert not any(c.diagnoses for c in cells(report))
    conv2 = {c.column: c.expected for c in report.rows[3].cells}
    assert conv2 == {"output": (16, 12, 40), "weights": CONV2[0], "biases": CONV2[1], "params": sum(CONV2)}


def test_params_no_bias_with_bias_right():
    """``params (no bias), params (with bias)``: the weights and the total; all right, with --no-bias too."""
    for no_bias in (False, True):
        report = check("cnn-39x31", os.path.join(HEADERS, "params-no-bias-with-bias.csv"), no_bias=no_bias)
        assert report.ok and not wrong(report)
        conv1 = {c.column: c.expected for c in report.rows[0].cells}
        assert conv1["weights"] == CONV1[0] and conv1["params"] == sum(CONV1)


def test_weights_biases_total_wrong():
    """A Markdown table with conv2's biases counted per input channel (20, not 40) and a total that adds up
    its own wrong biases (7,200 + 20), and an addition slip in conv4's total (19,208)."""
    report = check("cnn-39x31", os.path.join(HEADERS, "weights-biases-total-wrong.md"))
    bad = wrong(report)
    assert set(bad) == {("conv2", "biases"), ("conv2", "params"), ("conv4", "params")}
    assert bad["conv2", "biases"].expected == CONV2[1]
    assert bad["conv2", "biases"].diagnoses[0].startswith("input and output channels confused: one bias per "
                                                           "output channel (40), not one per input channel (20)")
    total = bad["conv2", "params"]
    assert total.claimed == CONV2[0] + 20 and total.carried_from == 3  # from the same row's biases
    assert total.diagnoses[0].startswith("carried over: 7,220 = your 7,200 weights + 20 biases")
    assert bad["conv4", "params"].diagnoses[0] == ("sum wrong: your weights and biases add up to 19,200 + 80 = "
                                                   f"{sum(CONV4):,}, not 19,208")


@pytest.mark.parametrize("table, column, message", [
    ("Layer,Weights\nconv1,340\n", "weights", "bias added: 340 = 320 weights + 20 biases"),
    ("Layer,Weights,Biases\nconv1,320,0\n", "biases", "bias forgotten: the layer has 20 biases"),
    ("Layer,Weights,Biases\nconv1,320,320\n", "biases", "weights counted as biases"),
])
def test_weights_and_biases_diagnoses(tmp_path, table, column, message):
    """A wrong weights or biases cell says what the number is."""
    path = tmp_path / "t.csv"
    path.write_text(table, encoding="utf-8")
    bad = wrong(check("cnn-39x31", str(path)))
    assert list(bad) == [("conv1", column)] and bad["conv1", column].diagnoses[0].startswith(message)


def test_one_figure_in_two_columns(tmp_path):
    """Two columns of one role are both read: the figure is right only where both are."""
    path = tmp_path / "t.csv"
    path.write_text("layer,params,params (check)\nconv1,340,340\nconv2,7240,7200\n", encoding="utf-8")
    report = check("cnn-39x31", str(path))
    bad = wrong(report)
    assert list(bad) == [("conv2", "params")]
    assert bad["conv2", "params"].diagnoses[0] == "written twice, differently: '7240' and '7200'"


def test_unit_in_the_header(tmp_path):
    """``MACs (K)``: the numbers are thousands. conv1: 36·28·20 outputs × 4·4·1 = 322,560 MACs."""
    path = tmp_path / "t.md"
    path.write_text("| layer | MACs (K) | MACs (M) |\n|---|---|---|\n| conv1 | 322.56 | 0.32 |\n"
                    "| conv2 | 1,382.4 | 1.38 |\n", encoding="utf-8")
    report = check("cnn-39x31", str(path))
    # (both columns are read, as one figure: right only where both are)
    assert [[c.expected for c in r.cells] for r in report.rows] == [[36 * 28 * 20 * (4 * 4 * 1)],
                                                                    [16 * 12 * 40 * (3 * 3 * 20)]]
    assert all(c.ok for c in cells(report))
    table = read_submission(str(path))
    assert [table.text(table.rows[0][1], c) for c in table.columns_of("macs")] == ["322.56K", "0.32M"]


# -- Keras' model.summary(), at any width -----------------------------------------------------------------


def _summaries():
    names = sorted(f for f in os.listdir(KERAS) if f.endswith(".txt") and "-" in f and not f.startswith("cnn"))
    return [pytest.param(f, id=f[:-4]) for f in names]


def _model(summary_file):
    return os.path.join(KERAS, summary_file.split("-")[0] + ".json")


def _config_layers(summary_file):
    """The layers of the model's own JSON config (read with json, not shapecalc)."""
    with open(_model(summary_file), encoding="utf-8") as f:
        config = json.load(f)["config"]
    return [layer["config"]["name"] for layer in config["layers"]], config


def _keras_total(text):
    """Keras' own *Total params* line."""
    return int(re.search(r"Total params: ([\d,]+)", text).group(1).replace(",", ""))


@pytest.mark.parametrize("summary_file", _summaries())
def test_keras_summary_is_read_whole(summary_file):
    """Every layer of the model has its row, its name whole or cut by Keras with '…', and the Param # cells
    add up to Keras' own total."""
    table = read_submission(os.path.join(KERAS, summary_file))
    with open(os.path.join(KERAS, summary_file), encoding="utf-8") as f:
        text = f.read()
    names, config = _config_layers(summary_file)
    sequential = "layers" in config and "input_layers" not in config
    if sequential:
        names = [n for n in names if not n.startswith("input")]  # (Keras prints no row for a Sequential's input)
    got = [table.cell(row, "layer").split(" (")[0] for _, row in table.rows]
    assert len(got) == len(names)
    assert all(n == g or g.endswith("…") and n.startswith(g[:-1]) for n, g in zip(names, got))
    assert sum(int(table.cell(row, "params").replace(",", "")) for _, row in table.rows) == _keras_total(text)
    assert table.format == ("keras2" if "keras2" in summary_file else "keras")


@pytest.mark.parametrize("summary_file", _summaries())
def test_keras_summary_checks_right_against_its_model(summary_file):
    """Each real summary — the residual module at 76 (Keras' default in an 80-column terminal), 80, 120 and
    250 columns and in Keras 2's layout, ResNet-50 at 80, 120 and 250, a Sequential CNN — scores 100%
    against its own model, each row matched to the layer of its name (before: the residual module at the
    default width 3/16, ResNet-50 at 80 columns 93/322)."""
    report = check(load(_model(summary_file)), os.path.join(KERAS, summary_file))
    assert report.ok and report.points == report.out_of > 0
    for r in report.rows:
        name = r.label.split(" (")[0].rstrip("…")
        assert r.row is not None and (r.row.path.startswith(name) or r.row.kind == "input")


def test_keras_batchnorm_param_count():
    """Keras' Param # of a BatchNormalization counts γ, β, the moving mean and the moving variance: 4 × 64."""
    report = check(load(_model("residual_module")), os.path.join(KERAS, "residual_module-80.txt"))
    bn = next(r for r in report.rows if r.row.path == "batch_normalization")
    assert {c.column: c.expected for c in bn.cells}["params"] == 4 * 64


def test_keras_wrapped_cells_are_joined():
    """At 80 columns Keras wraps a shape's last size and the inputs of the Add onto the next line."""
    table = read_submission(os.path.join(KERAS, "residual_module-80.txt"))
    rows = {table.cell(row, "layer").split(" (")[0]: row for _, row in table.rows}
    assert table.cell(rows["input_layer"], "output") == "(None, 56, 56, 64)"
    assert table.cell(rows["add"], "connected").endswith(" input_layer[0][0]")
    assert table.cell(rows["batch_normalization"], "layer") == "batch_normalization (BatchNormalization)"


def _edit(text, name, old, new, below=0):
    """``text`` with ``old`` replaced by ``new`` in the line that starts the row of layer ``name`` (or the
    ``below``-th line under it: a wrapped cell's next piece)."""
    lines = text.split("\n")
    k = next(i for i, ln in enumerate(lines) if re.search(rf"[│ ]{re.escape(name)} ", ln))
    assert old in lines[k + below]
    lines[k + below] = lines[k + below].replace(old, new, 1)
    return "\n".join(lines)


@pytest.mark.parametrize("summary_file, layer, old, new, below, column", [
    # conv2_block1_2_conv: 3·3·64·64 + 64 = 36,928; 36,864 forgets the biases
    ("resnet50-80.txt", "conv2_block1_2_conv", "36,928", "36,864", 0, "params"),
    ("resnet50-250.txt", "conv2_block1_2_conv", "36,928", "36,864", 0, "params"),
    ("residual_module-keras2.txt", "conv2d_1", "36928", "36864", 0, "params"),
    # the second line of a wrapped shape: (None, 56, 56, / 32)
    ("residual_module-80.txt", "conv2d_1", "64)", "32)", 1, "output"),
])
def test_one_wrong_number_is_exactly_that_cell(summary_file, layer, old, new, below, column):
    """A summary with one number changed has exactly that cell wrong."""
    with open(os.path.join(KERAS, summary_file), encoding="utf-8") as f:
        text = _edit(f.read(), layer, old, new, below)
    report = check(load(_model(summary_file)), read_submission(summary_file, text))
    bad = wrong(report)
    assert list(bad) == [(layer, column)]
    if column == "params":
        assert bad[layer, column].expected == 3 * 3 * 64 * 64 + 64
        assert bad[layer, column].diagnoses[0].startswith("bias forgotten")
    else:
        assert bad[layer, column].expected == (56, 56, 64) and bad[layer, column].claimed == (56, 56, 32)


def test_keras_summary_cli():
    """``shapecalc check summary.txt --model model.json``: the model's JSON through the Keras importer."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", os.path.join(KERAS, "resnet50-120.txt"), "--model", _model("resnet50")], out=out, err=err)
    assert code == 0 and err.getvalue() == "" and "(100%)" in out.getvalue()
