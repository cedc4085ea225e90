"""Jupyter display: HTML and Markdown tables, DataFrames, layers by name."""

import builtins

import pytest

from shapecalc import compare, summary
from shapecalc.errors import ConfigError
from shapecalc.layers import Conv2d, MaxPool2d, Network


def test_html_has_every_layer_and_totals():
    """The HTML table has a row per layer, thousands separators and the totals."""
    s = summary("cnn-39x31")
    html = s._repr_html_()
    assert html.count("<tr") == len(s.rows) + 1  # + the header row
    assert "<td>dense</td>" in html
    # dense: 160 * 100 weights + 100 biases = 16,100; conv2 MACs: 16 * 12 * 40 * (3 * 3 * 20) = 1,382,400
    assert f">{16 * 12 * 40 * 3 * 3 * 20:,}<" in html and f">{160 * 100 + 100:,}<" in html
    assert "params: 64,620" in html


def test_html_escapes_names():
    """Layer and model names are escaped: a name with markup shows as text."""
    net = Network("<b>net</b>", [Conv2d(4, 3, name="x<y&z")], (8, 8, 1))
    html = summary(net)._repr_html_()
    assert "x&lt;y&amp;z" in html and "&lt;b&gt;net&lt;/b&gt;" in html
    assert "<b>net</b>" not in html


def test_html_highlights_warnings():
    """A layer whose window does not tile its input is highlighted and its warning listed."""
    # 7 = 3 * 2 + 1: a 2×2/2 pool leaves one row and one column out
    net = Network("odd", [Conv2d(4, 1, name="c"), MaxPool2d(2, name="pool")], (7, 7, 1))
    s = summary(net)
    assert s.warnings
    html = s._repr_html_()
    assert '<tr class="warn"' in html
    assert "⚠ <code>pool</code>" in html
    assert "⚠ `pool`" in s._repr_markdown_()


def test_markdown_table():
    """The Markdown table has a header, an alignment row and one line per layer."""
    s = summary("stack-3x3")
    lines = s._repr_markdown_().splitlines()
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 2 + len(s.rows)
    assert table[1].startswith("| --- | --- | ---:")
    # conv1: 3 * 3 * 64 * 64 weights + 64 biases
    assert f"| {3 * 3 * 64 * 64 + 64:,} |" in "\n".join(table)


def test_block_by_name():
    """s["inception3a"] is the block's aggregate row: the sum of its branches' params (hand products)."""
    s = summary("inception-3a")
    block = s["inception3a"]
    assert not block.leaf
    expected = (192 * 64 + 64) + (192 * 96 + 96) + (9 * 96 * 128 + 128) + (192 * 16 + 16) + (25 * 16 * 32 + 32) \
        + (192 * 32 + 32)
    assert block.params == expected
    assert block.output_shape == (28, 28, 64 + 128 + 32 + 32)
    assert s["reduce3x3"].path == "inception3a.branch2.reduce3x3"


def test_dataframe():
    """to_dataframe(): one row per layer indexed by path, numbers as integers."""
    pytest.importorskip("pandas")
    s = summary("cnn-39x31")
    df = s.to_dataframe()
    assert list(df.index) == [r.path for r in s.rows]
    assert df.loc["conv1", "params"] == 4 * 4 * 1 * 20 + 20
    assert df["params"].sum() == s.totals["params"]
    assert df.loc["conv1", "output_shape"] == (36, 28, 20)
    blocks = summary("inception-3a").to_dataframe(blocks=True)
    assert bool(blocks.loc["inception3a", "block"])


def test_dataframe_without_pandas(monkeypatch):
    """Without pandas, to_dataframe() is a ConfigError that says how to install it."""
    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("no pandas")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(ConfigError, match="pip install pandas"):
        summary("cnn-39x31").to_dataframe()


def test_comparison_html():
    """A comparison displays as an HTML table with both networks and the ratio."""
    html = compare("conv5x5-28x28x192", "bottleneck-28x28x192")._repr_html_()
    # 28·28·32·(5·5·192) and 28·28·16·192 + 28·28·32·(5·5·16)
    assert f"{28 * 28 * 32 * 5 * 5 * 192:,}" in html
    assert f"{28 * 28 * 16 * 192 + 28 * 28 * 32 * 5 * 5 * 16:,}" in html
    ratio = (28 * 28 * 32 * 5 * 5 * 192) / (28 * 28 * 16 * 192 + 28 * 28 * 32 * 5 * 5 * 16)
    assert f"{ratio:.2f}×" in html


def test_symbolic_summary_displays():
    """A symbolic summary displays its formulas; Markdown escapes the products' asterisks."""
    s = summary("cnn-39x31", input=("H", "W", 1))
    assert "(H - 3)×(W - 3)×20" in s._repr_html_()
    assert "320\\*(H - 3)\\*(W - 3)" in s._repr_markdown_()
