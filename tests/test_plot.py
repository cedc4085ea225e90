"""The figures: rendered headless (Agg), written as non-empty PNG/SVG, folded for big networks."""

import pytest

pytest.importorskip("matplotlib")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from shapecalc import compare, summary  # noqa: E402
from shapecalc.cli import main  # noqa: E402
from shapecalc.errors import ConfigError  # noqa: E402
from shapecalc.plot import auto_depth, plot_rows, pyramid_points  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_size(path):
    """Width and height from a PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_cli_plot_writes_png(tmp_path, capsys):
    """`shapecalc cnn-39x31 --plot out.png` writes a slide-sized PNG with ink on it, and prints the table."""
    import numpy as np
    from matplotlib.image import imread

    out = tmp_path / "cnn.png"
    assert main(["cnn-39x31", "--plot", str(out)]) == 0
    width, height = _png_size(out)
    assert width >= 1000 and height >= 1000
    assert "conv1" in capsys.readouterr().out
    pixels = imread(out)[:, :, :3].reshape(-1, 3)
    rgb = (pixels * 255).astype(np.int64)
    colours = np.unique(rgb[:, 0] << 16 | rgb[:, 1] << 8 | rgb[:, 2])
    assert len(colours) > 50  # bars, lines and text, not a blank canvas
    assert (pixels < 0.9).any(axis=1).mean() > 0.02


def test_svg(tmp_path):
    """An .svg path writes an SVG document."""
    out = tmp_path / "stack.svg"
    summary("stack-3x3").plot(str(out))
    text = out.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text


def test_plot_returns_figure_without_path():
    """Without a path the figure is returned (for a notebook), with the two panels and their twin axis."""
    fig = summary("cnn-39x31").plot()
    assert len(fig.axes) == 3  # bars, pyramid, the pyramid's channel axis


def test_pyramid_follows_main_path():
    """The pyramid of cnn-39x31: input, then each change of shape; spatial sizes fall, depth rises."""
    points = pyramid_points(summary("cnn-39x31"))
    # (39 - 4 + 1) = 36, 36 // 2 = 18, 18 - 3 + 1 = 16, 16 // 2 = 8, 8 - 3 + 1 = 6, 6 // 2 = 3, 3 - 2 + 1 = 2
    assert [p[1] for p in points] == [39, 36, 18, 16, 8, 6, 3, 2]
    assert [p[3] for p in points] == [1, 20, 20, 40, 40, 60, 60, 80]


def test_pyramid_branches_count_once():
    """Inside an Inception module only the concatenated output is a point: 64 + 128 + 32 + 32 channels."""
    points = pyramid_points(summary("inception-3a"))
    assert [(p[0], p[3]) for p in points] == [("input", 192), ("inception3a", 64 + 128 + 32 + 32)]


def test_bars_skip_layers_without_weights_or_work():
    """Bars are drawn for layers with parameters or MACs: the 4 convs and the dense layer."""
    assert [r.path for r in plot_rows(summary("cnn-39x31"))] == ["conv1", "conv2", "conv3", "conv4", "dense"]


def test_auto_depth_folds_big_networks():
    """A network with more than 40 weighted layers is folded into blocks until at most 40 bars remain."""
    from shapecalc.layers import Conv2d, Network, Sequential

    blocks = [Sequential(Conv2d(8, 3, padding=1), Conv2d(8, 3, padding=1), name=f"block{i}") for i in range(30)]
    s = summary(Network("deep", blocks, (16, 16, 3)))
    depth = auto_depth(s)
    assert depth == 1
    assert len(plot_rows(s, depth)) == 30


def test_compare_plot(tmp_path):
    """`shapecalc compare A B --plot` writes one overlay figure."""
    out = tmp_path / "cmp.png"
    assert main(["compare", "conv5x5-28x28x192", "bottleneck-28x28x192", "--plot", str(out)]) == 0
    assert _png_size(out)[0] >= 1000
    fig = compare("stack-3x3", "single-7x7").plot()
    assert len(fig.axes) == 4


def test_bad_extension(tmp_path, capsys):
    """An unknown image format is a one-line user error (exit 2), not a traceback."""
    assert main(["cnn-39x31", "--plot", str(tmp_path / "cnn.nope")]) == 2
    assert "shapecalc: error:" in capsys.readouterr().err
    with pytest.raises(ConfigError):
        summary("cnn-39x31").plot(tmp_path / "noextension")


def test_resnet_folds_into_whole_residual_blocks():
    """ResNet-50 folds into its 3 + 4 + 6 + 3 residual blocks (He et al. 2015, Table 1), each kept whole."""
    s = summary("resnet50")
    rows = plot_rows(s, auto_depth(s))
    blocks = [r.path for r in rows if r.path.startswith("layer")]
    assert len(blocks) == 3 + 4 + 6 + 3
    assert all(path.count(".") == 1 for path in blocks)


def test_symbolic_summary_cannot_be_plotted():
    """Plotting a symbolic summary is a ConfigError that says how to get numbers."""
    with pytest.raises(ConfigError, match="--subs"):
        summary("cnn-39x31", input=("H", "W", 1)).plot()
