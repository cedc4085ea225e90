"""Write docs/zoo.md from the code: ``python docs/gen_zoo.py`` (``--check``: exit 1 if the file is stale).

Everything under "ours" and every table is computed here by shapecalc; the published figures and the
sentences explaining each difference are the data below, with their sources.
"""

import json
import pathlib
import sys

from shapecalc import summary
from shapecalc.shapes import format_int

HERE = pathlib.Path(__file__).resolve().parent
TARGET = HERE / "zoo.md"


def n(value):
    return format_int(value)


def millions(value, digits=1):
    return f"{value / 1e6:.{digits}f} M"


def billions(value, digits=2):
    return f"{value / 1e9:.{digits}f} G"


def totals(key, fmt=n):
    return lambda s: fmt(s.totals[key])


def row(path, key, fmt=n):
    return lambda s: fmt(getattr(s[path], key))


# --------------------------------------------------------------------------------------------------------
# per network: (published figure, published value, source, ours) rows, then the differences


LENET_SRC = "LeCun et al. 1998, sec. II.B"
LENET5_ROWS = [
    (f"{layer.upper()} trainable params / connections", f"{p:,} / {c:,}", LENET_SRC,
     (lambda layer: lambda s: f"{n(s[layer].trainable_params)} / {n(s[layer].connections)}")(layer))
    for layer, p, c in (("c1", 156, 122304), ("s2", 12, 5880), ("c3", 1516, 151600), ("s4", 32, 2000),
                        ("c5", 48120, 48120), ("f6", 10164, 10164))
]

GOOGLENET_PAPER_ROWS = []  # filled from the Table 1 figures below

#: Table 1 of Szegedy et al. 2014 (params K, ops M) for our depth-1 rows that have figures
GOOGLENET_TABLE1 = [
    ("conv1", 2.7, 34), ("conv2", 112, 360), ("inception3a", 159, 128), ("inception3b", 380, 304),
    ("inception4a", 364, 73), ("inception4b", 437, 88), ("inception4c", 463, 100), ("inception4d", 580, 119),
    ("inception4e", 840, 170), ("inception5a", 1072, 54), ("inception5b", 1388, 71), ("linear", 1000, 1),
]
for _path, _k, _m in GOOGLENET_TABLE1:
    GOOGLENET_PAPER_ROWS.append((
        f"Table 1 `{_path}`: params (K = 1024 weights) / ops (M multiply-adds)", f"{_k}K / {_m}M",
        "Szegedy et al. 2014, Table 1",
        (lambda p: lambda s: f"{s[p].weights / 1024:.1f}K / {s[p].macs / 1e6:.1f}M")(_path)))

RESNET_FLOPS = {18: "1.8", 34: "3.6", 50: "3.8", 101: "7.6", 152: "11.3"}
VGG_TABLE2 = {"vgg-a": 133, "vgg-a-lrn": 133, "vgg-b": 133, "vgg-c": 134, "vgg-d": 138, "vgg-e": 144}
TV_META = {  # torchvision 0.29, Weights.IMAGENET1K_V1.meta: num_params, _ops (GFLOPS = GMACs)
    "alexnet": (61100840, "0.714"), "vgg11": (132863336, "7.609"), "vgg11_bn": (132868840, "7.609"),
    "vgg13": (133047848, "11.308"), "vgg13_bn": (133053736, "11.308"), "vgg16": (138357544, "15.47"),
    "vgg16_bn": (138365992, "15.47"), "vgg19": (143667240, "19.632"), "vgg19_bn": (143678248, "19.632"),
    "googlenet": (6624904, "1.498"), "inception_v3": (27161264, "5.713"), "resnet18": (11689512, "1.814"),
    "resnet34": (21797672, "3.664"), "resnet50": (25557032, "4.089"), "resnet101": (44549160, "7.801"),
    "resnet152": (60192808, "11.514"),
}


def _vgg(name):
    rows = [("params (Table 2, millions)", f"{VGG_TABLE2[name]} M", "Simonyan & Zisserman 2014, Table 2",
             totals("params", lambda v: f"{n(v)} ({round(v / 1e6)} M)"))]
    quoted = {"vgg-d": "15.3", "vgg-e": "19.6"}
    if name in quoted:
        rows.append(("FLOPs as quoted by the ResNet paper", f"{quoted[name]} billion", "He et al. 2015, sec. 3.3",
                     lambda s: f"{n(s.totals['macs'])} MACs (convs only: "
                               f"{billions(sum(r.macs for r in s.rows if r.kind == 'conv'))})"))
    diffs = [
        "Table 2 rounds to millions; our exact count includes every conv and FC bias "
        "(LRN has no parameters, so A-LRN equals A).",
        "MACs are multiply-accumulates at 224×224 (FLOPs = 2 × MACs).",
    ]
    if name in quoted:
        diffs.append(
            "The ResNet paper's VGG figures mix conventions: 15.3 fits VGG-16 *without* its FC layers (15.35 G) "
            "and 19.6 fits VGG-19 *with* them (19.63 G); with FC layers VGG-16 has 15.47 G.")
    return rows, diffs


def _resnet(depth, preact=False):
    if preact:
        return [], [
            "He et al. 2016 print no parameter or FLOPs totals for these ImageNet nets (they report errors, "
            "and ResNet-200 / ResNet-1001). Counts differ from the original only by where BN sits: "
            "the first BN of each unit is on the unit's input width, projections have no BN, and one "
            "final BN precedes pooling. The MACs equal the original's.",
            "The projection shortcut takes the block input rather than the shared pre-activation; the counts "
            "are the same either way.",
        ]
    rows = [("FLOPs (Table 1; multiply-adds, sec. 3.3)", f"{RESNET_FLOPS[depth]}×10⁹", "He et al. 2015, Table 1",
             totals("macs", lambda v: f"{n(v)} MACs ({v / 1e9:.3f}×10⁹)"))]
    diffs = ["Option B (default): 1×1 projections (+ BN) only where the shape changes; `--shortcut A` uses "
             "identity with zero-padded channels, `--shortcut C` projects in every block.",
             "The paper's \"FLOPs\" are multiply-adds, i.e. our MACs; in true FLOPs (2 × MACs) the figures double.",
             "BatchNorm adds 2 parameters (γ, β) per channel, and 2 running statistics per channel that are "
             "buffers, not parameters; convolutions have no bias."]
    if depth == 34:
        rows.append(("FLOPs with `--shortcut A`", "3.6×10⁹", "He et al. 2015, Table 1",
                     lambda s: n(summary("resnet34", shortcut="A").totals["macs"])))
        diffs.append("3.6 is the plain / option-A net (identity shortcuts, no parameters). With option-B "
                     "projections (our default) the three 1×1 projections add 19.3 M MACs: 3.664 rounds to 3.7.")
    if depth == 18:
        diffs.append("1.8 holds for options A (1.795) and B (1.814) alike.")
    if depth == 50:
        diffs.append("3.858×10⁹ rounds to 3.9, not 3.8: the paper truncated here (101 and 152 round correctly "
                     "with the same layout).")
    if depth >= 50:
        diffs.append("These are the paper's v1 bottlenecks, stride on the first 1×1 conv; torchvision's v1.5 puts it "
                     f"on the 3×3 and costs more (`shapecalc compare resnet{depth} torchvision.resnet{depth}`).")
    diffs.append("Course note \"ResNet-50 has 3.8 GFLOPs\": that is the paper's multiply-add count of the v1 net; "
                 "as FLOPs it is 7.7 G, and torchvision's ResNet-50 has 4.09 GMACs."
                 if depth == 50 else "")
    return rows, [d for d in diffs if d]


def _tv(name):
    params, ops = TV_META[name]
    src = "torchvision 0.29 weights metadata"
    if name == "inception_v3":
        ours_params = totals("params_with_side_heads", lambda v: f"{n(v)} (with AuxLogits)")
    else:
        ours_params = totals("params")
    label = "num_params (includes AuxLogits)" if name == "inception_v3" else "num_params"
    rows = [(label, n(params), src, ours_params),
            ("GFLOPS (`_ops`, really GMACs)", ops, src, totals("macs", lambda v: f"{n(v)} ({v / 1e9:.3f})"))]
    diffs = ["torchvision's `_ops` counts the multiply-accumulates of Conv2d and Linear layers in eval mode: "
             "exactly our MACs with the side heads left out."]
    if name == "googlenet":
        rows.append(("params with aux1/aux2 (training; `googlenet()` without weights)", "—", "",
                     totals("params_with_side_heads")))
        diffs += [
            "num_params excludes the aux heads: the pretrained builder sets aux1 = aux2 = None. Built without "
            "weights, `googlenet()` keeps them: 13,004,888 parameters.",
            "Differences from the paper: 3×3 kernels in the \"5×5\" branch (a known bug, pytorch/vision#906), "
            "BatchNorm after bias-free convs, no LRN, ceil-mode max-pools, a 2×2 maxpool4, dropout 0.2, aux heads "
            "with adaptive 4×4 pooling.",
            "Course note \"GoogLeNet has 13M parameters\": that is the training view with both aux heads "
            "(13.0 M here, 13.4 M for the paper's net); at inference GoogLeNet has 6.6 M (torchvision) or 7.0 M "
            "(the paper's). The paper's \"12× fewer\" compares with AlexNet's 60 M, not VGG's 138 M.",
        ]
    elif name == "inception_v3":
        diffs.append("num_params includes AuxLogits (the builder keeps it), while `_ops` is measured without it; "
                     "ours: params at inference are the first figure of the totals, the aux head is listed apart.")
    elif name == "alexnet":
        diffs.append("At the 224×224 crop conv1 computes (224 − 11 + 2·2)/4 + 1 = 55.25, floored to 55: torchvision "
                     "itself ignores the last row and column (see the warnings).")
        diffs.append("This is the \"one weird trick\" AlexNet (Krizhevsky 2014): 64/192/384/256/256 filters, no LRN, "
                     "no groups, so it differs from the paper's `alexnet` (60,965,224 params).")
    elif name.startswith("vgg"):
        letter = {"vgg11": "A", "vgg13": "B", "vgg16": "D", "vgg19": "E"}[name.split("_")[0]]
        diffs.append(f"The paper's configuration {letter} (`vgg-{letter.lower()}`) plus an AdaptiveAvgPool2d(7), "
                     "a no-op at 224×224; torchvision's num_params equals the paper's exact count.")
        diffs.append("The `_bn` variants add BatchNorm γ and β (2 per channel); MACs are unchanged.")
    elif name.startswith("resnet") and name not in ("resnet18", "resnet34"):
        diffs.append("v1.5: the bottleneck's stride sits on the 3×3 conv (the paper's v1 puts it on the first 1×1): "
                     "same parameters, more MACs.")
    else:
        diffs.append("Projection (option B) shortcuts where the shape changes, as in the paper's default here.")
    return rows, diffs


PAPER = {
    "lenet5": (LENET5_ROWS + [
        ("trainable parameters (sum of II.B)", "60,000", LENET_SRC, totals("trainable_params")),
    ], [
        "Connections are our MACs plus bias additions (`--convention connections`); params and connections "
        "match the paper layer by layer.",
        "The 840 RBF centres are fixed by hand (\"kept fixed\"), so they count as non-trainable.",
        "Every layer up to F6 is followed by the paper's squashing function 1.7159·tanh(2a/3) (rows squash1–6); "
        "activations cost no MACs here.",
    ]),
    "lenet5-full": ([], [
        "Not the paper's net: C3 connects every S2 map (2,416 params instead of 1,516), S2/S4 are plain average "
        "pools without coefficient or bias, and the output is a dense softmax layer (850 trainable params) "
        "instead of 840 fixed RBF centres.",
    ]),
    "alexnet": ([
        ("parameters", "60 million", "Krizhevsky et al. 2012, abstract", totals("params")),
        ("neurons", "650,000", "Krizhevsky et al. 2012, abstract",
         lambda s: n(sum(s[p].activations for p in ("conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7",
                                                       "fc8")))),
        ("conv1 neurons", "253,440", "Krizhevsky et al. 2012, sec. 3.5", row("conv1", "activations")),
        ("input", "224×224×3", "Krizhevsky et al. 2012, sec. 3.5", lambda s: "227×227×3"),
    ], [
        "The paper's 224×224 input does not fit conv1: (224 − 11)/4 + 1 = 54.25. We use 227×227; "
        "`shapecalc alexnet --input 224x224x3` shows the warning.",
        "The printed conv1 neuron count 253,440 is a misprint (55·55·96 = 290,400); the other layers match. "
        "The printed per-layer counts sum to 622,312; with conv1's true 290,400 they sum to 659,272, which the "
        "abstract rounds to \"650,000 neurons\".",
        "Parameters include all biases; 60,965,224 is \"60 million\".",
    ]),
    "alexnet-1gpu": ([], [
        "No published figure: the paper's net is split over two GPUs. Without groups conv2, conv4 and conv5 see "
        "all input maps, which adds 1.4 M parameters and 0.41 G MACs.",
    ]),
    "googlenet": (GOOGLENET_PAPER_ROWS + [
        ("multiply-adds at inference", "1.5 billion", "Szegedy et al. 2014, sec. 1", totals("macs")),
        ("sum of Table 1's ops column", "1,502 M", "Szegedy et al. 2014, Table 1", totals("macs", millions)),
        ("sum of Table 1's params column", "6,797.7 K", "Szegedy et al. 2014, Table 1",
         lambda s: f"{sum(r.weights for r in s.rows if not r.side_head) / 1024:,.1f} K weights"),
    ], [
        "Table 1 counts weights only (no biases) in K = 1024; our params column includes biases, so the "
        "comparison above uses the weights.",
        "Inconsistent rows in the paper: conv1 prints 2.7K / 34M, but a 7×7 conv 3→64 has 9,408 weights and "
        "118 M MACs at 112×112; inception (4c) prints 463K, but its widths give 497.5K (its 100M ops do fit the "
        "widths); inception (5a) prints 1072K / 54M, consistent with each other but not with its widths "
        "(1018K / 51.1M). The other inception rows drift by 1–21K from the arithmetic.",
        "So the total differs from \"1.5 billion\": +84 M in conv1, −3 M in 5a.",
        "The two auxiliary classifiers are side heads (loss weight 0.3, discarded at inference): their "
        "parameters are reported apart.",
        "Max-pools use \"same\" padding so that sizes follow Table 1 (Caffe uses ceil mode); conv1 is padded by 3.",
        "Course note \"GoogLeNet has 13M parameters\": only with both aux heads (13.4 M here); at inference it is "
        "7.0 M. The paper's \"12× fewer parameters\" compares with AlexNet (60 M), not VGG (138 M): 138/13 is 10.6.",
    ]),
}
for _name in VGG_TABLE2:
    PAPER[_name] = _vgg(_name)
for _d in (18, 34, 50, 101, 152):
    PAPER[f"resnet{_d}"] = _resnet(_d)
    PAPER[f"preact-resnet{_d}"] = _resnet(_d, preact=True)
for _name in TV_META:
    PAPER[f"torchvision.{_name}"] = _tv(_name)

SECTIONS = [
    ("LeNet-5", ["lenet5", "lenet5-full"]),
    ("AlexNet", ["alexnet", "alexnet-1gpu", "torchvision.alexnet"]),
    ("VGG", ["vgg-a", "vgg-a-lrn", "vgg-b", "vgg-c", "vgg-d", "vgg-e"]
     + [f"torchvision.vgg{d}{bn}" for d in (11, 13, 16, 19) for bn in ("", "_bn")]),
    ("GoogLeNet and Inception v3", ["googlenet", "torchvision.googlenet", "torchvision.inception_v3"]),
    ("ResNet", [f"resnet{d}" for d in (18, 34, 50, 101, 152)] + [f"preact-resnet{d}" for d in (18, 34, 50, 101, 152)]
     + [f"torchvision.resnet{d}" for d in (18, 34, 50, 101, 152)]),
]


def network_section(name):
    from shapecalc import zoo

    s = summary(name)
    network = zoo.get(name)
    rows, diffs = PAPER[name]
    out = [f"### `{name}`", "", network.description + ".", ""]
    if network.source:
        out += [f"Source: {network.source}.", ""]
    if rows:
        out += ["| figure | published | source | ours |", "|---|---|---|---|"]
        out += [f"| {fig} | {pub} | {src} | {ours(s)} |" for fig, pub, src, ours in rows]
        out.append("")
    if diffs:
        out += ["Differences and notes:", ""]
        out += [f"- {d}" for d in diffs]
        out.append("")
    out += ["```console", f"$ shapecalc {name} --depth 1", s.table(depth=1), "```", ""]
    return out


def render():
    lines = [
        "# The classic zoo",
        "",
        "<!-- generated by `python docs/gen_zoo.py` from the code; edit that script, not this file -->",
        "",
        "Each network as the paper describes it (default names) and as torchvision builds it (`torchvision.*`), "
        "with its layer table at `--depth 1`, our totals, the published figures beside ours, and a sentence on "
        "every difference. MACs are multiply-accumulates per image; FLOPs = 2 × MACs. The papers' \"FLOPs\" "
        "(ResNet) and \"ops\" (GoogLeNet) are multiply-adds, i.e. MACs; torchvision's GFLOPS metadata is GMACs "
        "too. Parameters include biases unless said otherwise; BatchNorm running statistics are buffers. "
        "Side heads (auxiliary classifiers) are left out of the inference totals and listed apart.",
        "",
        "| network | input | params | MACs | published |",
        "|---|---|---:|---:|---|",
    ]
    for _, names in SECTIONS:
        for name in names:
            s = summary(name)
            rows = PAPER[name][0]
            first = f"{rows[-1][1]} ({rows[-1][0]})" if name == "lenet5" else (
                f"{rows[0][1]} ({rows[0][0]})" if rows else "—")
            if name == "googlenet":
                first = "1.5 billion multiply-adds"
            lines.append(f"| `{name}` | {'×'.join(map(str, s.input_shape))} | {n(s.totals['params'])} | "
                         f"{n(s.totals['macs'])} | {first} |")
    lines.append("")
    for title, names in SECTIONS:
        lines += [f"## {title}", ""]
        for name in names:
            lines += network_section(name)
    lines += render_modern()
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------------------------------------
# the modern zoo: torchvision's other classification networks (their figures from the weights metadata that
# tests/data/torchvision_weights.json copies from torchvision 0.29.1), and the paper-faithful modern networks

TV_WEIGHTS = json.loads((HERE.parent / "tests" / "data" / "torchvision_weights.json").read_text())["models"]

MODERN_FAMILIES = [
    ("ResNeXt and Wide ResNet", ["resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2",
                                 "wide_resnet101_2"]),
    ("SqueezeNet", ["squeezenet1_0", "squeezenet1_1"]),
    ("DenseNet", ["densenet121", "densenet161", "densenet169", "densenet201"]),
    ("ShuffleNetV2", ["shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0"]),
    ("MobileNetV2 and V3", ["mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small"]),
    ("MNASNet", ["mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3"]),
    ("EfficientNet", [f"efficientnet_b{b}" for b in range(8)] + [f"efficientnet_v2_{v}" for v in "sml"]),
    ("RegNet", [f"regnet_x_{s}" for s in ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf")]
     + [f"regnet_y_{s}" for s in ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf", "128gf")]),
    ("ConvNeXt", [f"convnext_{s}" for s in ("tiny", "small", "base", "large")]),
    ("Vision Transformer", ["vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14"]),
    ("Swin Transformer", ["swin_t", "swin_s", "swin_b", "swin_v2_t", "swin_v2_s", "swin_v2_b"]),
    ("MaxViT", ["maxvit_t"]),
]

#: the paper-faithful modern networks: (figure, published, source, ours) rows
PAPER_MODERN = {
    "mobilenet-v1": [("params / mult-adds (1.0 MobileNet-224)", "4.2 M / 569 M", "Howard et al. 2017, Table 8",
                      lambda s: f"{n(s.totals['params'])} / {n(s.totals['macs'])}")],
    "mobilenet-v2": [("params / MAdds (1.0, 224)", "3.4 M / 300 M", "Sandler et al. 2018, Table 4",
                      lambda s: f"{n(s.totals['params'])} / {n(s.totals['macs'])}")],
    "squeezenet": [("params (v1.0, before pruning)", "1,248,424", "Iandola et al. 2016, Table 1",
                    lambda s: n(s.totals["params"]))],
    "efficientnet-b0": [("params / FLOPS (multiply-adds)", "5.3 M / 0.39 B", "Tan & Le 2019, Table 2",
                         lambda s: f"{n(s.totals['params'])} / {n(s.totals['macs'])}")],
}


PAPER.update({name: (rows, []) for name, rows in PAPER_MODERN.items()})


def _present(names):
    from shapecalc import zoo

    return [name for name in names if name in zoo.ENTRIES]


def modern_section(name):
    """A torchvision twin: every weights entry's published figures beside ours at its crop size, then the
    table at --depth 1."""
    from shapecalc import zoo

    short = name.split(".", 1)[1]
    network = zoo.get(name)
    s = summary(name)
    out = [f"### `{name}`", "", network.description + ".", ""]
    if network.source:
        out += [f"Source: {network.source}.", ""]
    out += ["| weights | crop | num_params | ours | GFLOPS (`_ops`, GMACs) | our MACs |", "|---|---:|---:|---:|---:|---:|"]
    for entry in TV_WEIGHTS[short]:
        size = entry["crop_size"]
        t = summary(name, input=(size, size, 3)).totals
        out.append(f"| {entry['weights']} | {size} | {n(entry['num_params'])} | {n(t['params'])} | {entry['gflops']} "
                   f"| {n(t['macs'])} ({t['macs'] / 1e9:.3f}) |")
    out += ["", "```console", f"$ shapecalc {name} --depth 1", s.table(depth=1), "```", ""]
    return out


def render_modern():
    lines = [
        "",
        "# The modern zoo",
        "",
        "torchvision's other classification networks, as torchvision 0.29 builds them (`torchvision.*`; every "
        "module's output shape, parameters and buffers equal torchvision's own, tests/test_zoo_tv_real.py), and "
        "four modern networks as their papers describe them. For each weights entry of a torchvision network, "
        "at its crop size: torchvision's `num_params` and `_ops` (its \"GFLOPS\", which are GMACs rounded to "
        "three decimals) beside ours. Attention counts its projections and its two products (Q·Kᵀ and A·V), as "
        "torchvision's figures do (docs/conventions.md).",
        "",
        "| network | input | params | MACs | published (first weights) |",
        "|---|---|---:|---:|---|",
    ]
    for _, names in MODERN_FAMILIES:
        for short in names:
            name = f"torchvision.{short}"
            if name not in _present([name]):
                continue
            s = summary(name)
            first = TV_WEIGHTS[short][0]
            lines.append(f"| `{name}` | {'×'.join(map(str, s.input_shape))} | {n(s.totals['params'])} | "
                         f"{n(s.totals['macs'])} | {n(first['num_params'])} params, {first['gflops']} GFLOPS |")
    for name in _present(list(PAPER_MODERN)):
        s = summary(name)
        rows = PAPER_MODERN[name]
        lines.append(f"| `{name}` | {'×'.join(map(str, s.input_shape))} | {n(s.totals['params'])} | "
                     f"{n(s.totals['macs'])} | {rows[0][1]} ({rows[0][2]}) |")
    lines.append("")
    for title, names in MODERN_FAMILIES:
        present = _present([f"torchvision.{short}" for short in names])
        if present:
            lines += [f"## {title}", ""]
            for name in present:
                lines += modern_section(name)
    lines += ["## Paper-faithful modern networks", ""]
    for name in _present(list(PAPER_MODERN)):
        lines += network_section(name)
    return lines


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print("docs/zoo.md is stale: run python docs/gen_zoo.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
