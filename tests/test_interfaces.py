"""Interfaces as a user meets them: network names in any case, --version, a summary as a sequence and a
mapping, the py.typed marker."""

import pathlib

import pytest

import shapecalc
from shapecalc.cli import main


@pytest.mark.parametrize("typed, canonical", [("ResNet50", "resnet50"), ("VGG16", "vgg16"), ("Alexnet", "alexnet"),
                                              ("TorchVision.ResNet18", "torchvision.resnet18")])
def test_names_are_case_insensitive(typed, canonical):
    assert shapecalc.summary(typed).model == canonical


def test_an_unknown_name_still_suggests():
    with pytest.raises(shapecalc.UnknownModelError, match="unknown network"):
        shapecalc.summary("ResNet-5O")


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"shapecalc {shapecalc.__version__}\n"


def test_a_summary_is_a_sequence_of_layers_and_a_mapping_of_names():
    s = shapecalc.summary("cnn-39x31")
    assert "conv1" in s and "pool1" in s and "nothing" not in s and 3 not in s
    assert s[1] is s["conv1"] and s[-1] is s.rows[-1] and len(s) == len(list(s))
    assert [r.path for r in s[1:3]] == ["conv1", "pool1"]
    with pytest.raises(IndexError):
        s[len(s)]


def test_the_package_is_typed():
    assert (pathlib.Path(shapecalc.__file__).parent / "py.typed").exists()


@pytest.mark.parametrize("name", ["markdown", "md"])
def test_markdown_is_a_format_name(name):
    assert shapecalc.summary("cnn-39x31").table(format=name) == shapecalc.summary("cnn-39x31").table(format="github")


def test_an_unknown_format_lists_the_valid_names(capsys):
    assert main(["cnn-39x31", "--format", "markdwn"]) == 2
    err = capsys.readouterr().err
    assert "did you mean markdown?" in err and "formats: text, json, csv, markdown, md," in err and "latex" in err


@pytest.mark.parametrize("argv, fragment", [
    (["alexnet", "--table", "--rf"], "--table and --rf are different views: choose one"),
    (["alexnet", "--rf", "--export-spec"], "--rf and --export-spec are different views"),
    (["alexnet", "--depth", "1", "--format", "json"], "--format json lists every layer"),
    (["alexnet", "--depth", "1", "--export-spec"], "--export-spec has none to fold"),
    (["alexnet", "--quiet", "--rf"], "--quiet leaves the table's warnings out; --rf prints none"),
])
def test_options_that_would_be_ignored_are_refused(argv, fragment, capsys):
    assert main(argv) == 2
    assert fragment in capsys.readouterr().err


def test_quiet_leaves_the_warnings_lines_out(capsys):
    assert main(["resnet18"]) == 0
    loud = capsys.readouterr().out
    assert main(["resnet18", "--quiet"]) == 0
    quiet = capsys.readouterr().out
    # ResNet-18 (paper): the three 1×1/2 projection shortcuts skip every other row and column (6 warnings);
    # conv1, the stem pool and the three 3×3/2 convolutions leave only padding over (10 notes)
    assert "warnings: real input that a window never reads (6; --strict makes them errors):" in loud
    assert "notes: (H − F + 2P)/S + 1 not whole, only padding left over (10; --strict-whole makes them errors):" \
        in loud
    assert "warnings: " not in quiet and "notes: " not in quiet
    # the rows' ⚠ marks stay: the table is the same
    assert quiet == loud[:loud.index("warnings: ")].rstrip("\n") + "\n"


def test_channels_first_reads_the_input_as_it_prints_it(capsys):
    assert main(["cnn-39x31", "--channels-first", "--input", "1x39x31"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("cnn-39x31 — input 1×39×31, batch 1")
    # conv1: 20 maps of (39 − 4 + 1) × (31 − 4 + 1), as C×H×W
    assert "20×36×28" in out


def test_freeze_takes_several_names_and_patterns_and_trainable_ones():
    # resnet18: layer1.0 holds 2 · 3·3·64·64 conv weights and 2 · 2·64 BatchNorm γ, β = 73,984
    block = 2 * 3 * 3 * 64 * 64 + 2 * 2 * 64
    s = shapecalc.summary("torchvision.resnet18", freeze=["layer1.*"], trainable=["layer1.1"])
    assert s.totals["non_trainable_params"] == block
    assert s["layer1.0.conv1"].frozen and not s["layer1.1.conv1"].frozen
    # a set of names, and the classic prefix: every layer up to and including conv1 (7·7·3·64 weights)
    s = shapecalc.summary("torchvision.resnet18", freeze={"conv1", "layer1.0"})
    assert s.totals["non_trainable_params"] == 7 * 7 * 3 * 64 + 2 * 64 + block
    assert s["layer1.0"].frozen and not s["layer1"].frozen


def test_freeze_repeated_on_the_command_line_adds_up(capsys):
    assert main(["torchvision.resnet18", "--freeze", "layer1.*", "--freeze", "layer2.*", "--trainable",
                 "layer2.1", "--format", "json"]) == 0
    import json

    totals = json.loads(capsys.readouterr().out)["totals"]
    layer2_0 = 3 * 3 * 64 * 128 + 3 * 3 * 128 * 128 + 1 * 1 * 64 * 128 + 3 * 2 * 128  # convs, downsample, 3 BN
    assert totals["non_trainable_params"] == 2 * (2 * 3 * 3 * 64 * 64 + 2 * 2 * 64) + layer2_0


@pytest.mark.parametrize("argv, fragment", [
    (["alexnet", "--freeze", "nope*"], "no layer matches 'nope*'"),
    (["alexnet", "--trainable", "fc6"], "give freeze too"),
    (["alexnet", "--freeze", "conv1", "--trainable", ""], "--trainable needs a layer name"),
])
def test_freeze_and_trainable_mistakes(argv, fragment, capsys):
    assert main(argv) == 2
    assert fragment in capsys.readouterr().err


def test_compare_takes_summaries_and_reads_as_a_record():
    a, b = shapecalc.summary("conv5x5-28x28x192"), shapecalc.summary("bottleneck-28x28x192")
    c = shapecalc.compare(a, b)
    assert c.a is a and c.b is b
    rows = {k: (x, y) for k, x, y in c.rows}  # a property, as Summary.rows
    assert rows["layers"] == (1, 2)  # one convolution against a 1×1 and a 5×5 (the input is no layer)
    assert rows["macs"] == (28 * 28 * 32 * (5 * 5 * 192), 28 * 28 * 16 * 192 + 28 * 28 * 32 * (5 * 5 * 16))
    assert repr(c).startswith("<Comparison conv5x5-28x28x192 vs bottleneck-28x28x192: params 153,632 / 15,920")
    with pytest.raises(shapecalc.ConfigError, match="already analysed"):
        shapecalc.compare(a, b, batch=2)


def test_compare_csv_gives_ratios_as_numbers(capsys):
    import csv
    import io

    assert main(["compare", "conv5x5-28x28x192", "bottleneck-28x28x192", "--format", "csv"]) == 0
    rows = {r[0]: r for r in csv.reader(io.StringIO(capsys.readouterr().out)) if r}
    assert float(rows["macs"][3]) == round(120_422_400 / 12_443_648, 6)
    assert rows["input"][3] == ""


def test_compare_to_dataframe():
    pd = pytest.importorskip("pandas")
    df = shapecalc.compare("conv5x5-28x28x192", "bottleneck-28x28x192").to_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert df.loc["params", "conv5x5-28x28x192"] == 5 * 5 * 192 * 32 + 32


def test_a_table_option_given_to_summary_says_where_it_goes():
    with pytest.raises(shapecalc.ConfigError, match=r"'depth': it is an option of the table, s\.table\(depth=…\)"):
        shapecalc.summary("resnet50", depth=1)
