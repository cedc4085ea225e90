"""`shapecalc explain`: every figure worked out by the layer's own rules, as a textbook would write it."""

import io
import shutil
import subprocess

import pytest

from shapecalc import summary, zoo
from shapecalc.cli import main
from shapecalc.explain import explain_text, sections
from tests.oracles import evaluate_worked


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_the_course_example_line_by_line():
    """The course's 39×31×1 network, its worked solution's lines: (39 − 4)/1 + 1 = 36, 4 × 4 × 1 × 20 = 320;
    pool 2×2: (36 − 2)/2 + 1 = 18; the dense layer 160 × 100 = 16,000 weights; receptive fields 4 and 5."""
    status, out, err = run("explain", "cnn-39x31")
    assert status == 0 and err == ""
    text = out.splitlines()
    conv1 = text[text.index("conv1 — conv 4×4, 20"):]
    assert conv1[1:10] == [
        "  input 39×31×1 → output 36×28×20",
        "  H: (39 − 4)/1 + 1 = 36",
        "  W: (31 − 4)/1 + 1 = 28",
        "  C: 20",
        "  weights: 4 × 4 × 1 × 20 = 320",
        "  biases: 20",
        "  params: 320 + 20 = 340",
        f"  MACs: 36 × 28 × 20 × 4 × 4 × 1 = {36 * 28 * 20 * 4 * 4 * 1:,}",
        "  receptive field: 1 + (4 − 1) × 1 = 4 (jump 1 × 1 = 1)",
    ]
    assert "  H: (36 − 2)/2 + 1 = 18" in text
    assert "  receptive field: 4 + (2 − 1) × 1 = 5 (jump 1 × 2 = 2)" in text
    assert f"  weights: 160 × 100 = {160 * 100:,}" in text


def test_one_layer_and_a_block():
    _, out, _ = run("explain", "torchvision.resnet18", "layer1.0")
    heads = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert heads[0].startswith("layer1.0.conv1 — ") and len(heads) == 7  # conv, bn, relu, conv, bn, add, relu
    _, out, _ = run("explain", "torchvision.resnet18", "conv1")
    assert out.splitlines()[0] == "conv1 — conv 7×7/2, pad 3, 64, no bias"
    assert "  H: ⌊(224 − 7 + 2 × 3) / 2⌋ + 1 = 112" in out.splitlines()


@pytest.mark.parametrize("name", ["alexnet", "vgg16", "googlenet", "torchvision.resnet50", "mobilenet-v2",
                                  "torchvision.efficientnet_b0", "torchvision.vit_b_16"])
def test_every_line_evaluates_to_its_figure_and_the_fields_match_the_table(name):
    """Each worked line, evaluated as written by Python (not by shapecalc), is its figure; each receptive
    field equals the table's, each params line the row's params."""
    s = summary(name)
    for section in sections(s):
        row = s[section.path]
        for f in section.figures:
            if not f.bare:
                assert evaluate_worked(f.text) == f.value, (section.path, f.line())
            if f.name == "params":
                assert f.value == row.params
            if f.name.startswith("receptive field"):
                axis = 1 if f.name.endswith("(W)") else 0
                assert f.value == row.receptive_field[axis]


def test_ceil_mode_says_why_the_last_window_goes():
    """PyTorch's ceil mode: ⌈(3 − 2 + 2·1)/2⌉ + 1 = 3 windows, less one that would start in the padding."""
    _, out, _ = run("explain", "--spec", "input 3x3x1 | maxpool 2 2 p1 ceil")
    assert ("  H: ⌈(3 − 2 + 2 × 1) / 2⌉ + 1 − 1 = 2 (− 1: the last window would start in the padding, "
            "and is dropped)") in out.splitlines()


def test_warnings_and_notes_close_the_section():
    _, out, _ = run("explain", "torchvision.resnet18", "layer2.0.downsample.0")
    assert "  ⚠ H: 28 of 56 input rows never read by this layer (rows 1, 3, …, 55: the stride 2 steps over them)" \
        in out
    _, out, _ = run("explain", "torchvision.resnet18", "conv1")
    assert ("  note: H: (224 − 7 + 2 × 3)/2 + 1 = 112.5 is not whole, floored to 112; what the floor leaves over is "
            "padding: every input row is read") in out


def test_markdown():
    _, out, _ = run("explain", "cnn-39x31", "conv1", "--format", "markdown")
    lines = out.splitlines()
    assert lines[0] == "# cnn-39x31: every layer worked out"
    assert "## `conv1` — conv 4×4, 20" in lines and "- H: (39 − 4)/1 + 1 = 36" in lines


def test_latex_is_ascii_and_compiles():
    """pdflatex takes ASCII: every ×, −, ⌊ … is a LaTeX command; the fragment compiles where pdflatex exists."""
    text = explain_text(summary("torchvision.googlenet"), ["maxpool1", "conv1"], "latex")
    assert text.isascii()
    assert r"\text{H:}\quad \lceil(112 - 3) / 2\rceil + 1 &= 56" in text.splitlines()[4]
    assert r"4 \times 4 \times 1 \times 20 &= 320" in explain_text(summary("cnn-39x31"), ["conv1"], "latex")
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        doc = Path(d) / "x.tex"
        doc.write_text("\\documentclass{article}\\usepackage{amsmath}\\begin{document}\n" + text
                       + "\n\\end{document}\n")
        done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name], cwd=d,
                              capture_output=True, timeout=120)
        assert done.returncode == 0, done.stdout[-2000:]


@pytest.mark.parametrize("argv, fragment", [
    (("explain", "cnn-39x31", "conv9"), "no layer named 'conv9'"),
    (("explain", "cnn-39x31", "--format", "pdf"), "explain's formats are text, markdown, latex"),
    (("explain", "cnn-39x31", "--input", "HxWx1"), "explain works on numbers"),
    (("explain",), "name exactly one network"),
])
def test_bad_requests_are_one_line_and_exit_2(argv, fragment):
    status, out, err = run(*argv)
    assert status == 2 and out == "" and fragment in err and err.count("\n") == 1


def test_every_zoo_network_is_explained():
    """No zoo network's explanation raises (the worked numbers go through every kind's rules)."""
    for name in zoo.names():
        assert explain_text(summary(name))


def test_with_a_spec_file_the_positionals_are_layers(tmp_path):
    """`shapecalc explain --spec-file F LAYER`: LAYER is a layer, not a second network."""
    spec = tmp_path / "net.spec"
    spec.write_text("input 43x27x32 | maxpool 2\n")
    status, out, err = run("explain", "--spec-file", str(spec), "maxpool1")
    assert status == 0 and err == ""
    assert "  H: ⌊(43 − 2) / 2⌋ + 1 = 21" in out.splitlines()
