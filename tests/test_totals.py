"""For every zoo network: the totals are the sums of the rows, and JSON round-trips."""

import json

import pytest

from shapecalc import summary, zoo


@pytest.mark.parametrize("name", zoo.names())
def test_totals_are_sums_of_rows(name):
    """Params, MACs, activations and side-head figures of the totals equal the sums over the rows."""
    s = summary(name)
    main = [r for r in s.rows if not r.side_head]
    side = [r for r in s.rows if r.side_head]
    t = s.totals
    assert t["params"] == sum(r.weights + r.biases for r in main)
    assert t["trainable_params"] + t["non_trainable_params"] == t["params"]
    assert t["macs"] == sum(r.macs for r in main) and t["flops"] == 2 * t["macs"]
    assert t["activations"] == sum(r.activations for r in main)
    assert t["side_head_params"] == sum(r.params for r in side)
    assert t["params_with_side_heads"] == t["params"] + t["side_head_params"]
    assert all(isinstance(v, int) and v >= 0 for v in t.values())


@pytest.mark.parametrize("name", zoo.names())
def test_json_round_trip(name):
    """The JSON document parses back to the same totals and one entry per layer."""
    s = summary(name)
    data = json.loads(s.to_json())
    assert data["totals"] == s.totals
    assert len(data["layers"]) == len(s.rows)
    assert [layer["output_shape"] for layer in data["layers"]] == [list(r.output_shape) for r in s.rows]


@pytest.mark.parametrize("name", zoo.names())
def test_depth_one_rows_sum_to_totals(name):
    """Folding to depth 1 keeps the sums: the block rows aggregate their layers."""
    s = summary(name)
    rows = [r for r in s.visible_rows(1) if not r.side_head]
    assert sum(r.params for r in rows) == s.totals["params"]
    assert sum(r.macs for r in rows) == s.totals["macs"]


@pytest.mark.parametrize("convention", ["macs", "ptflops", "torchinfo"])
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_folded_rows_sum_their_layers(convention, depth):
    """A folded block's operations column is its layers' figures added up, under any convention (the
    fold is one pass over the rows: nested blocks, side heads and flat branches all land in their block)."""
    from shapecalc.conventions import count

    for name in ("torchvision.googlenet", "torchvision.inception_v3", "torchvision.vit_b_32"):
        s = summary(name, convention=convention)
        header, body = s.table_data(depth=depth, raw=True)
        for row, cells in zip(s.visible_rows(depth), body):
            if not row.leaf:
                leaves = [r for r in s.rows if r.path.startswith(row.path + ".")]
                assert cells[4] == sum(count(r, convention) for r in leaves), (name, row.path)
