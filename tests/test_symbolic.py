"""Symbolic input sizes: formulas, --subs, --constraints (shapecalc.symbolic)."""

import importlib.util
import io
import json
import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shapecalc
from shapecalc import summary
from shapecalc.cli import main
from shapecalc.errors import ConfigError
from shapecalc.zoo import ENTRIES

_spec = importlib.util.spec_from_file_location("published_for_symbolic", pathlib.Path(__file__).with_name("published.py"))
_published = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_published)
TORCHVISION_META = _published.TORCHVISION_META

sympy = pytest.importorskip("sympy")
from shapecalc.symbolic import (  # noqa: E402
    axis_conditions, constraints_text, polynomial, pretty, sign_everywhere, substitute,
)


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def symbolic(name):
    channels = ENTRIES[name][2][2]
    return summary(name, input=("H", "W", channels))


# ---------------------------------------------------------------------------------------------------------
# --subs gives the numeric mode's figures, for the whole zoo


@pytest.mark.parametrize("name", list(ENTRIES))
def test_subs_equals_numeric_for_every_zoo_network(name):
    """Every zoo network: the symbolic table at the default input equals the numeric table, figure for figure."""
    s = symbolic(name)
    numeric = summary(name)
    h, w = numeric.input_shape[:2]
    assert substitute(s, f"H={h},W={w}").to_dict() == numeric.to_dict()


@pytest.mark.parametrize("name,size", [
    ("alexnet", (224, 224)),           # the paper's 224 leaves conv1 inexact: (224 − 11)/4 + 1 = 54.25
    ("torchvision.googlenet", (100, 131)),
    ("torchvision.inception_v3", (301, 333)),
    ("resnet50", (97, 203)),
    ("lenet5", (36, 33)),
])
def test_subs_equals_numeric_away_from_the_default(name, size):
    """At other sizes too, warnings (inexact divisions) included, word for word."""
    s = symbolic(name)
    channels = ENTRIES[name][2][2]
    numeric = summary(name, input=(size[0], size[1], channels))
    subbed = substitute(s, {"H": size[0], "W": size[1]})
    assert subbed.to_dict() == numeric.to_dict()
    assert subbed.table() == numeric.table()


def test_subs_of_a_size_too_small_raises_like_the_numeric_mode():
    """A size below the smallest raises the numeric mode's ShapeError for the same layer."""
    s = symbolic("cnn-39x31")
    with pytest.raises(shapecalc.ShapeError) as numeric:
        summary("cnn-39x31", input=(30, 31, 1))
    with pytest.raises(shapecalc.ShapeError) as subbed:
        substitute(s, "H=30,W=31")
    assert str(subbed.value) == str(numeric.value)


def test_resnet152_formula_at_224_gives_torchvision_gmacs():
    """ResNet-152's MACs formula at H = W = 224 rounds to torchvision's _ops, 11.514 GMACs [TV]."""
    s = symbolic("torchvision.resnet152")
    macs = int(s.totals["macs"].xreplace({s.symbols["H"]: 224, s.symbols["W"]: 224}))
    assert round(macs / 1e9, 3) == TORCHVISION_META["resnet152"]["ops_g"]


# ---------------------------------------------------------------------------------------------------------
# the formulas themselves


def test_course_network_formulas_by_hand():
    """cnn-39x31: conv 4×4 gives H − 4 + 1; pool 2×2/2 gives ⌊(H − 3 − 2)/2⌋ + 1; dense params 80·H'W'·100 + 100."""
    s = symbolic("cnn-39x31")
    H, W = s.symbols["H"], s.symbols["W"]
    assert s["conv1"].output_shape == (H - 4 + 1, W - 4 + 1, 20)
    assert pretty(s["pool1"].output_shape[0]) == "⌊(H - 5)/2⌋ + 1"
    assert s["conv1"].params == 4 * 4 * 1 * 20 + 20      # parameters do not depend on the size
    # the dense layer's weights follow the flattened map
    flat = s["flatten"].output_shape[0]
    assert sympy.simplify(s["dense"].params - (flat * 100 + 100)) == 0


def test_same_padding_is_a_ceiling():
    """A 'same' convolution with stride 2 gives ⌈H/2⌉ (Keras/TensorFlow), decided without any max()."""
    s = summary([shapecalc.layers.Conv2d(8, 3, stride=2, padding="same")], input=("H", "W", 3))
    assert pretty(s.rows[-1].output_shape[0]) == "⌈H/2⌉"


def test_ceil_mode_pool_needs_no_case_split():
    """torchvision GoogLeNet's 3×3/2 ceil-mode pool: the 'last window in the padding' case never happens
    without padding, so the size is a plain ⌈(H − 3)/2⌉ + 1, with no where() left."""
    s = summary([shapecalc.layers.MaxPool2d(3, 2, ceil_mode=True)], input=("H", "W", 3))
    text = pretty(s.rows[-1].output_shape[0])
    assert text == "⌈(H - 3)/2⌉ + 1"


def test_sign_everywhere_examples():
    """2⌈H/2⌉ − H is 0 or 1 (≥ 0 always); −1 − ⌊H/3⌋ is always < 0; H − 5 changes sign."""
    H = sympy.Symbol("H", integer=True, positive=True)
    assert sign_everywhere(2 * sympy.ceiling(H / 2) - H) == 1
    assert sign_everywhere(-1 - sympy.floor(H / 3)) == -1
    assert sign_everywhere(H - 5) is None
    assert sign_everywhere(sympy.floor((H + 4) / 2) - sympy.floor(H / 2) - 2) == 0


def test_symbolic_json_has_strings():
    """JSON output: formulas as sympy text, numbers as numbers."""
    data = json.loads(symbolic("stack-3x3").to_json())
    conv = data["layers"][1]
    assert conv["output_shape"] == ["H", "W", 64]
    assert conv["params"] == 3 * 3 * 64 * 64 + 64
    assert conv["macs"] == "36864*H*W"      # 3·3·64 · 64 per position


def test_symbolic_table_text():
    """The table prints formulas with ⌊ ⌋ and the totals as polynomials."""
    text = symbolic("single-7x7").table()
    assert "(symbolic)" in text
    assert "MACs: 200704*H*W" in text       # 7·7·64·64 = 200,704 per output position


# ---------------------------------------------------------------------------------------------------------
# constraints


def test_alexnet_conditions_by_hand():
    """AlexNet (paper): runs from 67, exact for H ≡ 3 (mod 32).

    Smallest, backwards from pool5 (3×3/2) needing 3: conv5-3 keep the size (3×3, pad 1), pool2 needs
    2·3 + 1 = 7, conv2 keeps it (5×5, pad 2), pool1 needs 2·7 + 1 = 15, conv1 (11×11/4) needs 4·14 + 11 = 67.
    Exact: conv1 needs 4 | H − 11; then each 3×3/2 pool needs an odd input, which doubles the modulus
    three times: H ≡ 3 (mod 8), (mod 16), (mod 32). 227 = 7·32 + 3 is the size the paper's figure implies.
    """
    cond = axis_conditions(symbolic("alexnet"))["H"]
    assert cond.smallest == 4 * (2 * (2 * 3 + 1) + 1 - 1) + 11
    assert (cond.exact_period, cond.exact) == (32, [3])
    assert cond.smallest_exact == 2 * 32 + 3
    assert cond.text() == "H: runs for H ≥ 67; every division exact for H ≡ 3 (mod 32), H ≥ 67 (smallest 67)"


def test_cnn_39x31_conditions_by_hand():
    """cnn-39x31: conv4 needs 2 → pool3 4 → conv3 6 → pool2 12 → conv2 14 → pool1 28 → conv1 31;
    exact: H − 3 even, then (H − 3)/2 − 2 even, then once more: H ≡ 7 (mod 8). 39 = 4·8 + 7."""
    conditions = axis_conditions(symbolic("cnn-39x31"))
    assert conditions["H"].smallest == 31
    assert (conditions["H"].exact_period, conditions["H"].exact) == (8, [7])
    assert conditions["W"].smallest_exact == 31


def test_side_heads_are_apart():
    """Inception v3 runs from 75 (torchvision's min_size [TV]); its AuxLogits head needs Mixed_6e ≥ 17,
    which takes 299: 17 ← 35 ← 71 ← 73 ← 147 ← 149 ← 299 (each 3×3/2: 2n + 1; each 3×3: n + 2)."""
    cond = axis_conditions(symbolic("torchvision.inception_v3"))["H"]
    assert cond.smallest == TORCHVISION_META["inception_v3"]["min_size"][0]
    mixed_6e = 3 * (5 - 1) + 5                 # avgpool 5×5/3 must give 5 for the 5×5 conv after it
    maxpool1_out = 2 * (2 * mixed_6e + 1) + 1 + 2
    assert cond.smallest_with_side_heads == 2 * (2 * maxpool1_out + 1 + 2) + 1


def test_constraints_text_lists_each_layer():
    """--constraints prints the per-axis rule and each layer's condition, as formula and as a rule on H."""
    text = constraints_text(symbolic("alexnet"))
    assert "H: runs for H ≥ 67" in text
    assert "conv1: 4 | H - 11  ⇔  H ≡ 3 (mod 4)" in text
    assert "conv1: ⌊(H - 11)/4⌋ + 1 ≥ 1  ⇔  H ≥ 11" in text


def test_polynomial_macs_on_the_exact_sizes():
    """On H ≡ 3 (mod 32) AlexNet's floors vanish: MACs is a polynomial in H, W that matches the numeric mode."""
    s = symbolic("alexnet")
    poly, classes = polynomial(s)
    assert classes == {"H": (3, 32), "W": (3, 32)}
    H, W = s.symbols["H"], s.symbols["W"]
    assert sympy.Poly(poly, H, W).total_degree() == 2
    for h, w in ((227, 227), (67, 99), (259, 131)):
        assert int(poly.xreplace({H: h, W: w})) == summary("alexnet", input=(h, w, 3)).totals["macs"]


# ---------------------------------------------------------------------------------------------------------
# errors and the command line


def test_subs_errors():
    """--subs names every symbol, whole numbers only, and needs a symbolic input."""
    s = symbolic("stack-3x3")
    with pytest.raises(ConfigError, match="give a value for W"):
        substitute(s, "H=5")
    with pytest.raises(ConfigError, match="no symbol 'X'"):
        substitute(s, "H=5,W=5,X=1")
    with pytest.raises(ConfigError, match="whole number"):
        substitute(s, "H=5.5,W=5")
    with pytest.raises(ConfigError, match="symbolic input"):
        substitute(summary("stack-3x3"), "H=5,W=5")


def test_cli_subs_prints_the_numeric_table():
    """`--input HxWx3 --subs H=227,W=227` prints exactly `--input 227x227x3`."""
    code, subbed, _ = run("alexnet", "--input", "HxWx3", "--subs", "H=227,W=227")
    assert code == 0
    assert subbed == run("alexnet", "--input", "227x227x3")[1]


def test_cli_constraints():
    """`--constraints` prints the per-axis rules; without a symbolic input it says what to do (exit 2)."""
    code, out, _ = run("cnn-39x31", "--input", "HxWx1", "--constraints")
    assert code == 0
    assert "H: runs for H ≥ 31; every division exact for H ≡ 7 (mod 8), H ≥ 31 (smallest 31)" in out
    code, _, err = run("cnn-39x31", "--constraints")
    assert code == 2 and "HxWx3" in err


def test_same_symbol_on_both_axes():
    """--input SxSx3: one symbol for both axes (square inputs)."""
    s = summary("stack-3x3", input="SxSx64")
    assert set(s.symbols) == {"S"}
    assert substitute(s, "S=20").to_dict() == summary("stack-3x3", input=(20, 20, 64)).to_dict()


_CACHE = {}


@settings(max_examples=40)
@given(name=st.sampled_from(["cnn-39x31", "alexnet", "torchvision.googlenet", "resnet18", "lenet5"]),
       h=st.integers(1, 400), w=st.integers(1, 400))
def test_subs_equals_numeric_at_random_sizes(name, h, w):
    """At any size: the same figures and warnings as the numeric mode, or the same error."""
    if name not in _CACHE:
        _CACHE[name] = symbolic(name)
    channels = ENTRIES[name][2][2]
    try:
        numeric = summary(name, input=(h, w, channels))
    except shapecalc.ShapeError as exc:
        with pytest.raises(shapecalc.ShapeError) as subbed:
            substitute(_CACHE[name], {"H": h, "W": w})
        assert type(subbed.value) is type(exc)
        return
    assert substitute(_CACHE[name], {"H": h, "W": w}).to_dict() == numeric.to_dict()


def test_conditions_find_a_period_beyond_the_strides():
    """MaxViT's partition needs a map side that 7 divides (after a stride of 4: side ⌊⌊(H − 1)/2⌋/2⌋ + 1,
    which repeats its remainder mod 7 every 4 · 7 = 28 sizes): with the network's stride of 32, a period of
    lcm(28, 32) = 224 that no stride gives alone. The symbolic conditions on a square input
    agree with the numeric table at every size from 200 to 460 (H = W)."""
    from shapecalc.errors import ShapecalcError

    s = summary("torchvision.maxvit_t", input=("H", "W", 3))
    h = axis_conditions(s)["H"]
    assert (h.smallest, h.runs_period, sorted(h.runs)) == (221, 224, [0, 221, 222, 223])
    for n in range(200, 461):
        try:
            summary("torchvision.maxvit_t", input=(n, n, 3))
            runs = True
        except ShapecalcError:
            runs = False
        assert runs == (n >= h.smallest and n % h.runs_period in h.runs), n
