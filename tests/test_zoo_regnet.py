"""torchvision's RegNets (shapecalc.zoo.regnet) against hand arithmetic: the block widths of the RegNet
design space (Radosavovic et al. 2020, arXiv:2003.13678, section 3.3, eqs. 2–4), their grouping into
stages and the group-width rounding (torchvision/models/regnet.py), and one block's parameters.

Each expected number is worked out in the comment beside it. (Params and MACs against torchvision's
published figures, and every module against the real one: tests/test_zoo_tv_real.py.)
"""

import pytest

from shapecalc import summary
from shapecalc.zoo import regnet as R


def test_block_widths_regnet_x_400mf():
    # d = 22, w_0 = 24, w_a = 24.48, w_m = 2.54; u_j = 24 + 24.48·j, s_j = round(ln(u_j/24) / ln 2.54):
    #   j = 1: ln(48.48/24) / ln 2.54 = 0.7031 / 0.9322 = 0.754 → 1: 24·2.54 = 60.96, /8 = 7.62 → 8 → 64
    #   j = 3: ln(97.44/24) / 0.9322 = 1.5032 → 2: 24·2.54² = 154.84, /8 = 19.36 → 19 → 152 (j = 2: 1.19 → 1)
    #   j = 10: ln(268.8/24) / 0.9322 = 2.592 → 3: 24·2.54³ = 393.3, /8 = 49.2 → 49 → 392 (j = 9: 2.49 → 2)
    assert R.block_widths(22, 24, 24.48, 2.54) == [24] + [64] * 2 + [152] * 7 + [392] * 12


def test_stages_regnet_x_400mf():
    # runs of 1, 2, 7, 12 blocks; group width 16 (capped at no stage): the nearest multiple of 16, halves
    # up: 24 → 32, 64 → 64, 152 → 160, 392 → 400
    assert R.stages(*R.PARAMS["regnet_x_400mf"][:5]) == [(32, 1, 16), (64, 2, 16), (160, 7, 16), (400, 12, 16)]


def test_tie_rounds_half_to_even_regnet_x_1_6gf():
    # d = 18, w_0 = 80, w_a = 34.01, w_m = 2.25: s = 1 gives 80·2.25 / 8 = 22.5 exactly, rounded to even: 22
    # → 176 (not 184); s = 2: 80·5.0625 / 8 = 50.625 → 51 → 408; s = 3: 80·11.390625 / 8 = 113.9 → 114 → 912
    widths = R.block_widths(18, 80, 34.01, 2.25)
    assert sorted(set(widths)) == [80, 176, 408, 912]
    # group width 24: 80 → ⌊(80 + 12)/24⌋·24 = 72, exactly 10 % below 80 (0.9·80 = 72: kept, not raised);
    # 176 → ⌊188/24⌋·24 = 168; 408 → 408; 912 → 912
    assert [w for w, _, _ in R.stages(*R.PARAMS["regnet_x_1_6gf"][:5])] == [72, 168, 408, 912]


def test_group_width_capped_by_stage_width_regnet_x_8gf():
    # group width 120 but the first stage is 80 wide: its group width is 80 (one group); the others 120,
    # widths to multiples of 120: 232 → ⌊292/120⌋·120 = 240, 664 → 720, 1912 → 1920
    assert R.stages(*R.PARAMS["regnet_x_8gf"][:5]) == [(80, 2, 80), (240, 5, 120), (720, 15, 120),
                                                        (1920, 1, 120)]
    s = summary("torchvision.regnet_x_8gf")
    first = {r.path: r for r in s.all_rows}["trunk_output.block1.block1-0.f.b.0"]
    assert first.params == 80 * 80 * 3 * 3  # groups = 80 / 80 = 1: a dense 3×3


def test_first_block_regnet_y_400mf():
    # stem 32 → block1-0: 48 wide, group width 8 → 6 groups, stride 2, SE squeeze round(0.25·32) = 8
    rows = {r.path: r for r in summary("torchvision.regnet_y_400mf").all_rows}
    p = "trunk_output.block1.block1-0."
    assert rows[p + "f.a"].params == 32 * 48 + 2 * 48                 # 1×1 conv + BN γ, β
    assert rows[p + "f.b"].params == 48 * (48 // 6) * 3 * 3 + 2 * 48  # grouped 3×3 + BN
    assert rows[p + "f.se"].params == (48 * 8 + 8) + (8 * 48 + 48)     # fc1, fc2 with bias
    assert rows[p + "f.c"].params == 48 * 48 + 2 * 48
    assert rows[p + "proj"].params == 32 * 48 + 2 * 48
    assert rows[p + "f.b"].output_shape == (56, 56, 48)                # 112 → (112 − 3 + 2)/2 + 1 = 56
    assert rows[p + "f.se.fc1"].output_shape == (1, 1, 8)
    assert rows[p + "f.se.fc1"].macs == 48 * 8


@pytest.mark.parametrize("name", sorted(R.PARAMS))
def test_every_builder_is_its_table_row(name):
    net = getattr(R, name)()
    assert net.title == f"torchvision.{name}"
    assert net.input_shape == ((384, 384, 3) if name == "regnet_y_128gf" else (224, 224, 3))
