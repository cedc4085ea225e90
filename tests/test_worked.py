"""Explanations worked out by the layers' own rules (shapecalc.worked), for every layer of the zoo."""

import pytest

from tests import oracles

from shapecalc import summary, zoo
from shapecalc.errors import ConfigError
from shapecalc.worked import Worked, explain


@pytest.mark.parametrize("name", zoo.names())
def test_every_zoo_layer_is_explained_truthfully(name):
    """Every leaf of every zoo network: each line's arithmetic, evaluated as written, equals its figure."""
    for row in summary(name).rows:
        for line in explain(row):
            expr, _, value = line.partition(": ")[2].rpartition(" = ")
            if expr:
                assert oracles.evaluate_worked(expr) == int(value.replace(",", "")), (row.path, line)


def test_the_course_example_worked_out():
    """The course's 39×31×1 example, conv1 (4×4, 20 filters), line by line as its worked solution writes it:
    (39 − 4)/1 + 1 = 36, 4 × 4 × 1 × 20 = 320 weights, 36·28·20·(4·4·1) = 322,560 MACs."""
    assert explain(summary("cnn-39x31")["conv1"]) == [
        "H: (39 − 4)/1 + 1 = 36", "W: (31 − 4)/1 + 1 = 28", "C: 20", "weights: 4 × 4 × 1 × 20 = 320", "biases: 20",
        "MACs: 36 × 28 × 20 × 4 × 4 × 1 = 322,560",
    ]


def test_a_strided_padded_window_and_a_ceiling():
    """ResNet-50's stem, in the textbook's order (H − F + 2P)/S + 1: ⌊(224 − 7 + 2 × 3)/2⌋ + 1 = 112;
    GoogLeNet's ceil-mode pool: ⌈(112 − 3)/2⌉ + 1 = 56."""
    assert explain(summary("torchvision.resnet50")["conv1"])[0] == "H: ⌊(224 − 7 + 2 × 3) / 2⌋ + 1 = 112"
    assert explain(summary("torchvision.googlenet")["maxpool1"])[0] == "H: ⌈(112 − 3) / 2⌉ + 1 = 56"


def test_attention_shows_its_convention():
    """ViT-B/16's attention: 4·N·D² (projections) + 2·N²·D (Q·Kᵀ and A·V), N = 197, D = 768."""
    lines = explain(summary("torchvision.vit_b_16")["encoder.layers.encoder_layer_0.self_attention"])
    assert "MACs: 4 × 197 × 768 × 768 + 2 × 197 × 197 × 768 = 524,391,936" in lines


def test_worked_numbers_are_ints():
    """A Worked number is the int it claims, with the text of its arithmetic."""
    w = (Worked(39) - 4) // Worked(2) + 1
    assert w == (39 - 4) // 2 + 1 and isinstance(w, int) and w.text == "⌊(39 − 4) / 2⌋ + 1"
    assert -((-Worked(7)) // 2) == 4 and (-((-Worked(7)) // 2)).text == "⌈7 / 2⌉"


def test_a_block_is_not_explained():
    with pytest.raises(ConfigError, match="a block has no rule of its own"):
        explain(summary("torchvision.resnet50")["layer1"])


def test_a_whole_ceiling_is_a_plain_division():
    """Ceil mode on 30 (2×2/2): ⌈28/2⌉ = 28/2 exactly, written as the division it is (no −(−…) left over);
    on 31 the ceiling stays: ⌈(31 − 2)/2⌉ + 1 = 16."""
    from shapecalc.formulas import conv_output_size

    whole = conv_output_size(Worked(30), Worked(2), 0, Worked(2), 1, True)
    assert (int(whole), whole.text) == ((30 - 2) // 2 + 1, "(30 − 2)/2 + 1")
    ceiled = conv_output_size(Worked(31), Worked(2), 0, Worked(2), 1, True)
    assert (int(ceiled), ceiled.text) == (-(-(31 - 2) // 2) + 1, "⌈(31 − 2) / 2⌉ + 1")
