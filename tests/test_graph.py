"""shapecalc.graph: an importer's data-flow graph as shapecalc's blocks (no framework needed)."""

import pytest

import shapecalc
from shapecalc.errors import ConfigError
from shapecalc.graph import Node, to_network
from shapecalc.layers import Add, BatchNorm, Concat, Conv2d, Flatten, GlobalAvgPool, Linear, MaxPool2d, Multiply, ReLU


def _resnet_block_graph():
    """stem → [conv1, bn1, relu, conv2, bn2] + [downsample.0, downsample.1] → add → relu → head"""
    return [
        Node("input", None),
        Node("conv1", Conv2d(8, 3, padding=1, bias=False), ("input",)),
        Node("layer1.0.conv1", Conv2d(16, 3, stride=2, padding=1, bias=False), ("conv1",)),
        Node("layer1.0.bn1", BatchNorm(), ("layer1.0.conv1",)),
        Node("layer1.0.relu", ReLU(), ("layer1.0.bn1",)),
        Node("layer1.0.conv2", Conv2d(16, 3, padding=1, bias=False), ("layer1.0.relu",)),
        Node("layer1.0.bn2", BatchNorm(), ("layer1.0.conv2",)),
        Node("layer1.0.downsample.0", Conv2d(16, 1, stride=2, bias=False), ("conv1",)),
        Node("layer1.0.downsample.1", BatchNorm(), ("layer1.0.downsample.0",)),
        Node("layer1.0.add", Add(), ("layer1.0.bn2", "layer1.0.downsample.1")),
        Node("layer1.0.relu_1", ReLU(), ("layer1.0.add",)),
        Node("avgpool", GlobalAvgPool(), ("layer1.0.relu_1",)),
        Node("fc", Linear(10), ("avgpool",)),
    ]


def test_a_residual_block_nests_as_the_module_tree():
    net = to_network(_resnet_block_graph(), "tiny", (32, 32, 3))
    s = shapecalc.summary(net)
    paths = [r.path for r in s.rows]
    assert paths == ["input", "conv1", "layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu", "layer1.0.conv2",
                     "layer1.0.bn2", "layer1.0.downsample.0", "layer1.0.downsample.1", "layer1.0.add",
                     "layer1.0.relu_1", "avgpool", "fc"]
    assert s["layer1.0"].kind == "residual"
    # conv1 3·3·3·8; block: 3·3·8·16 + 3·3·16·16 + 2·16 + 2·16 (BN γ, β) + 1·1·8·16 + 2·16; fc 16·10 + 10
    assert s.totals["params"] == 3 * 3 * 3 * 8 + 3 * 3 * 8 * 16 + 3 * 3 * 16 * 16 + 2 * 16 + 2 * 16 + 8 * 16 \
        + 2 * 16 + 16 * 10 + 10
    # the add sees the body's field: 3 (conv1) + 2 (3×3/2) + 2·2 (3×3 at stride 2) = 9
    assert s["layer1.0.add"].receptive_field == (9, 9)


def test_an_identity_shortcut_and_a_gate():
    nodes = [
        Node("input", None),
        Node("conv", Conv2d(8, 3, padding=1), ("input",)),
        Node("se.pool", GlobalAvgPool(keepdims=True), ("conv",)),
        Node("se.fc", Conv2d(8, 1), ("se.pool",)),
        Node("se.mul", Multiply(), ("se.fc", "conv")),
        Node("res.conv", Conv2d(8, 3, padding=1), ("se.mul",)),
        Node("res.add", Add(), ("res.conv", "se.mul")),
    ]
    s = shapecalc.summary(to_network(nodes, "gate", (9, 7, 3)))
    assert s["se"].kind == "residual" and s["res"].kind == "residual"
    assert s["se.mul"].output_shape == (9, 7, 8)
    assert [r.path for r in s.rows][-1] == "res.add"


def test_parallel_branches_become_a_branches_block():
    nodes = [Node("input", None)]
    for i, k in enumerate((1, 3, 5), 1):
        nodes.append(Node(f"inc.branch{i}.conv", Conv2d(4, k, padding=k // 2), ("input",)))
    nodes.append(Node("inc.branch4.pool", MaxPool2d(3, 1, 1), ("input",)))
    nodes.append(Node("inc.cat", Concat(), ("inc.branch1.conv", "inc.branch2.conv", "inc.branch3.conv",
                                            "inc.branch4.pool")))
    nodes.append(Node("flatten", Flatten(), ("inc.cat",)))
    s = shapecalc.summary(to_network(nodes, "inception", (8, 8, 6)))
    assert s["inc"].kind == "branches"
    assert s["inc.cat"].output_shape == (8, 8, 4 + 4 + 4 + 6)
    assert s["inc.branch2.conv"].params == 3 * 3 * 6 * 4 + 4


def _bridge():
    """b feeds both the merge m1 and, skipping it, the final merge m2."""
    return [
        Node("input", None),
        Node("a", Conv2d(4, 3, padding=1), ("input",)),
        Node("b", Conv2d(4, 1), ("input",)),
        Node("m1", Add(), ("a", "b")),
        Node("c", Conv2d(4, 3, padding=1), ("m1",)),
        Node("m2", Add(), ("c", "b")),
        Node("head", GlobalAvgPool(), ("m2",)),
    ]


def test_paths_that_cross_become_a_graph_block():
    # b feeds both the merge m1 and, skipping it, the final merge m2 (the Wheatstone bridge that no nest of
    # sequences and branches holds, as NASNet's cells read the cell before last): a graph block
    nodes = _bridge()
    net = to_network(nodes, "bridge", (8, 8, 2))
    s = shapecalc.summary(net)
    assert [r.path for r in s.rows] == ["input", "a", "b", "m1", "c", "m2", "head"]
    # a: 3·3·2·4 + 4, b: 1·1·2·4 + 4, c: 3·3·4·4 + 4
    assert s.totals["params"] == (3 * 3 * 2 * 4 + 4) + (1 * 1 * 2 * 4 + 4) + (3 * 3 * 4 * 4 + 4)
    # the widest path: a (3) then c (3): 5×5; m1 takes a's 3×3 over b's 1×1
    assert s["m1"].receptive_field == (3, 3) and s["m2"].receptive_field == (5, 5)
    # every view walks it: symbolic sizes, and the valid-size scan
    from shapecalc.symbolic import substitute
    from shapecalc.validsizes import scan_axis

    sym = shapecalc.summary(net, input=("H", "W", 2))
    assert substitute(sym, "H=8,W=8").totals["macs"] == s.totals["macs"]
    scan = scan_axis(net, "h", 1, 12)
    assert scan.runs.all()  # padded 3×3 and 1×1 convolutions run at every size
    with pytest.raises(ConfigError, match="cannot write Graph as a spec"):
        from shapecalc.spec import export_spec

        export_spec(net)


def test_a_graph_block_runs_in_pytorch_as_the_plan_routes_it():
    """The PyTorch builder runs the compiled plan: a graph block needs no module class of its own, and its
    shapes, parameters and MACs are verified against the real modules (torch's own counts)."""
    pytest.importorskip("torch")
    from shapecalc.torch import to_torch, verify

    nodes = _bridge()
    net = to_network(nodes, "bridge", (8, 8, 2))
    import torch

    module = to_torch(net)
    assert tuple(module(torch.zeros(1, 2, 8, 8)).shape) == (1, 4)
    # a: 3·3·2·4 + 4, b: 1·1·2·4 + 4, c: 3·3·4·4 + 4
    assert sum(p.numel() for p in module.parameters()) == (3 * 3 * 2 * 4 + 4) + (1 * 1 * 2 * 4 + 4) + (
        3 * 3 * 4 * 4 + 4)
    assert verify(net).ok


@pytest.mark.parametrize("nodes, match", [
    ([Node("x", ReLU())], "starts with its input"),
    ([Node("input", None), Node("a", ReLU(), ("nowhere",))], "reads 'nowhere'"),
    ([Node("input", None), Node("a", ReLU(), ("input",)), Node("a", ReLU(), ("a",))], "both named 'a'"),
    ([Node("input", None), Node("other", None)], "second input"),
    ([Node("input", None), Node("a", ReLU(), ("input",)), Node("b", ReLU(), ("input",)),
      Node("c", ReLU(), ("a", "b"))], "no merge"),
])
def test_malformed_graphs_are_one_clear_error(nodes, match):
    with pytest.raises(ConfigError, match=match):
        to_network(nodes, "bad", (4, 4, 2))
