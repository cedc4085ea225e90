"""Figures (matplotlib, the ``plot`` extra): per-layer parameters and MACs, and the feature-map pyramid.

``Summary.plot(path=None)`` draws one figure with two panels:

* parameters and MACs of every layer that has either, as bars on a log scale: where the weights are
  (the dense layers) is rarely where the work is (the early convolutions);
* the feature-map pyramid: the spatial size of each map falling and its depth (channels) rising through the
  network, both on a log₂ axis so that every halving is one step.

``Comparison.plot(path=None)`` overlays two networks: their totals side by side, the MACs of each layer, and
both pyramids. With ``path`` (``.png`` or ``.svg``, or any format matplotlib knows) the figure is written with
the Agg renderer (no display needed) and returned; without it the figure is returned for a notebook to show.
matplotlib is imported only here, and only when a figure is drawn.

A network with more than 24 layers with weights is folded into its blocks (as ``--depth`` does for the table),
as finely as leaves at most 40 bars, so that every label stays readable.
"""

from .errors import ConfigError
from .shapes import format_int

__all__ = ["plot_summary", "plot_comparison", "plot_rows", "pyramid_points"]

MAX_BARS = 40
#: up to this many layers are drawn one by one; more are folded into their blocks (when it leaves ≤ MAX_BARS)
LEAF_BARS = 24
#: room between a panel and its title for the legend row, so that the two never overlap
TITLE_PAD = 24

PARAMS_COLOR = "#1f77b4"
MACS_COLOR = "#ff7f0e"
SPATIAL_COLOR = "#2ca02c"
CHANNELS_COLOR = "#9467bd"
NETWORK_COLORS = ("#1f77b4", "#d62728", "#2ca02c")


def _require_numbers(summary):
    for r in summary.all_rows:
        values = [r.params, r.macs] + list(r.output_shape or ())
        if not all(isinstance(v, int) for v in values):
            raise ConfigError(
                f"a plot needs numbers, received the symbolic size {next(v for v in values if not isinstance(v, int))}"
                " (evaluate it first: --subs H=224,W=224, or shapecalc.symbolic.substitute)",
                r.path,
            )


def _bar_rows(summary, depth):
    return [r for r in summary.visible_rows(depth) if not r.side_head and (r.params or r.macs)]


def _splits_a_block(summary, depth):
    """True when folding at ``depth`` would show the parts of a branch or residual block as separate bars
    (its body and its shortcut) instead of the block as one."""
    blocks = {r.path: r for r in summary.all_rows if not r.leaf}
    for r in summary.visible_rows(depth):
        parent = blocks.get(r.path.rpartition(".")[0])
        if not r.leaf and parent is not None and parent.layer.parallel:
            return True
    return False


def auto_depth(summary, max_bars=MAX_BARS):
    """Every layer (``None``) when there are at most 24; otherwise the finest folding into blocks that leaves
    at most ``max_bars`` bars and keeps every branch or residual block in one piece."""
    if len(_bar_rows(summary, None)) <= min(LEAF_BARS, max_bars):
        return None
    deepest = max(r.depth for r in summary.rows)
    for depth in range(deepest, 0, -1):
        if len(_bar_rows(summary, depth)) <= max_bars and not _splits_a_block(summary, depth):
            return depth
    return 1


def plot_rows(summary, depth=None):
    """The rows drawn as bars: layers (or folded blocks) with parameters or MACs, side heads left out."""
    return _bar_rows(summary, depth)


def pyramid_points(summary, depth=None):
    """``(label, H, W, C)`` for each feature map along the main path: inside parallel branches and
    residual blocks only the block's merged output counts; a layer that leaves the shape unchanged (ReLU,
    BatchNorm, …) adds no point. ``depth`` folds blocks below that depth into one point each."""
    from .layers import Branches, Residual, SideHead

    parallel = (Branches, Residual, SideHead)
    blocks = {r.path: r for r in summary.all_rows if not r.leaf}
    points = []
    for r in summary.all_rows:
        if depth is not None and r.depth >= depth:
            continue
        parts = r.path.split(".")
        ancestors = [blocks.get(".".join(parts[:i])) for i in range(1, len(parts))]
        if any(a is not None and isinstance(a.layer, parallel) for a in ancestors):
            continue
        if not r.leaf and not isinstance(r.layer, parallel) and not (depth is not None and r.depth == depth - 1):
            continue  # a plain sequence: its layers give the points
        shape = r.output_shape
        if r.side_head or shape is None or len(shape) != 3:
            continue
        if points and tuple(points[-1][1:]) == tuple(shape):
            continue
        points.append((r.path, *shape))
    return points


def _compact(n):
    """``120.4M`` for a figure label (the tables carry the exact numbers)."""
    for size, unit in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k")):
        if abs(n) >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def _new_figure(path, size):
    if path is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=size, layout="constrained")
        plt.close(fig)  # returned, not left open: a notebook shows it once, as the cell's value
        return fig
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def _save(fig, path):
    if path is None:
        return fig
    import os

    path = os.fspath(path)
    if "." not in os.path.basename(path):
        raise ConfigError("give the figure a file extension: .png or .svg", path)
    try:
        fig.savefig(path, dpi=150)
    except ValueError as exc:  # an unknown format
        raise ConfigError(f"cannot write this figure format ({exc}); use .png or .svg", path) from None
    except OSError as exc:
        raise ConfigError(f"cannot write the figure: {exc.strerror or exc}", path) from None
    return fig


def _import_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ConfigError("plotting needs matplotlib: pip install matplotlib", "plot") from None


def _log2_axis(ax, values):
    """A log₂ axis whose ticks are the powers of two (and the values themselves when few powers fall in
    range), printed as plain numbers."""
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

    ax.set_yscale("log", base=2)
    low, high = min(values) / 1.6, max(values) * 1.6
    ticks = [2 ** k for k in range(0, max(values).bit_length() + 1) if low <= 2 ** k <= high]
    if len(ticks) < 3:
        ticks = sorted(set(ticks) | set(values))
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_yticklabels([str(t) for t in ticks])
    ax.set_ylim(low, high)


def _legend_above(ax, handles=None, labels=None):
    """The legend above the panel's top-right corner, clear of the data; the title goes left."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(handles), fontsize=9,
              frameon=False, borderaxespad=0.2)


def _tick_labels(ax, labels, fontsize):
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=45, ha="right", rotation_mode="anchor", fontsize=fontsize)


def _font(n):
    return 10 if n <= 16 else 8 if n <= 28 else 7


def _draw_bars(ax, rows):
    import numpy as np

    x = np.arange(len(rows))
    params = [r.params for r in rows]
    macs = [r.macs for r in rows]
    ax.bar(x - 0.2, [p or np.nan for p in params], 0.4, color=PARAMS_COLOR, label="parameters")
    ax.bar(x + 0.2, [m or np.nan for m in macs], 0.4, color=MACS_COLOR, label="MACs")
    ax.set_yscale("log")
    ax.set_ylabel("count (log scale)")
    ax.grid(axis="y", which="major", alpha=0.3)
    _legend_above(ax)
    _tick_labels(ax, [r.path for r in rows], _font(len(rows)))
    ax.set_xlim(-0.6, len(rows) - 0.4)


def _draw_pyramid(ax, points, color_spatial=SPATIAL_COLOR, color_channels=CHANNELS_COLOR, twin=None,
                  label_prefix="", style="-", labels=True):
    x = list(range(len(points)))
    heights = [p[1] for p in points]
    widths = [p[2] for p in points]
    channels = [p[3] for p in points]
    ax.plot(x, heights, style, marker="o", color=color_spatial, lw=2, label=f"{label_prefix}spatial size H")
    if heights != widths:
        ax.plot(x, widths, ":", marker="s", color=color_spatial, lw=1.5, label=f"{label_prefix}spatial size W")
    twin = twin or ax.twinx()
    twin.plot(x, channels, "--", marker="D", color=color_channels, lw=2, label=f"{label_prefix}depth C (channels)")
    if labels:
        _tick_labels(ax, [f"{name}  {h}×{w}×{c}" for name, h, w, c in points], _font(len(points)))
    return twin


def _finish_pyramid(ax, twin, spatial, channels, spatial_color, channel_color, legend="above"):
    _log2_axis(ax, spatial)
    _log2_axis(twin, channels)
    ax.set_ylabel("spatial size (log₂)", color=spatial_color)
    twin.set_ylabel("channels (log₂)", color=channel_color)
    ax.grid(axis="y", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    h2, l2 = twin.get_legend_handles_labels()
    if legend == "above":
        _legend_above(ax, handles + h2, labels + l2)
    else:
        ax.legend(handles + h2, labels + l2, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2,
                  fontsize=9, frameon=False)


def plot_summary(summary, path=None, depth=None):
    """Draw ``summary``'s figure; write it to ``path`` (.png/.svg) when given. Returns the Figure."""
    _import_matplotlib()
    _require_numbers(summary)
    if depth is None:
        depth = auto_depth(summary)
    rows = plot_rows(summary, depth)
    points = pyramid_points(summary, depth)
    n = max(len(rows), len(points), 1)
    fig = _new_figure(path, (min(16, max(10, 0.35 * n + 4)), 10))
    t = summary.totals
    fig.suptitle(
        f"{summary.model} — input {'×'.join(map(str, summary.input_shape))}: "
        f"{format_int(t['params'])} parameters, {format_int(t['macs'])} MACs",
        fontsize=14,
    )
    panels = (2 if rows and points else 1)
    axes = fig.subplots(panels, 1, squeeze=False)[:, 0]
    i = 0
    if rows:
        ax = axes[i]
        _draw_bars(ax, rows)
        folded = " (blocks folded)" if depth is not None else ""
        ax.set_title(f"Parameters and MACs per layer{folded}", fontsize=12, loc="left", pad=TITLE_PAD)
        i += 1
    if points:
        ax = axes[i]
        twin = _draw_pyramid(ax, points)
        _finish_pyramid(ax, twin, [p[1] for p in points] + [p[2] for p in points], [p[3] for p in points],
                        SPATIAL_COLOR, CHANNELS_COLOR)
        ax.set_title("Feature-map pyramid: spatial size falls, depth rises", fontsize=12, loc="left", pad=TITLE_PAD)
        ax.set_xlim(-0.5, len(points) - 0.5)
    return _save(fig, path)


def plot_comparison(comparison, path=None):
    """Overlay two or three networks: totals, per-layer MACs and their pyramids. Returns the Figure."""
    _import_matplotlib()
    nets = comparison.summaries
    for s in nets:
        _require_numbers(s)
    import numpy as np

    fig = _new_figure(path, (14, 10))
    fig.suptitle(" vs ".join(s.model for s in nets), fontsize=14)
    grid = fig.add_gridspec(2, 2)
    ax_totals = fig.add_subplot(grid[0, 0])
    ax_layers = fig.add_subplot(grid[0, 1])
    ax_pyramid = fig.add_subplot(grid[1, :])

    # totals, side by side, each bar labelled with its compact value
    keys = ("params", "macs", "activations")
    x = np.arange(len(keys))
    width = 0.8 / len(nets)
    for k, (s, color) in enumerate(zip(nets, NETWORK_COLORS)):
        offset = (k - (len(nets) - 1) / 2) * width
        values = [s.totals[key] for key in keys]
        bars = ax_totals.bar(x + offset, [v or np.nan for v in values], width, color=color, label=s.model)
        for bar, v in zip(bars, values):
            if v:
                ax_totals.annotate(_compact(v), (bar.get_x() + bar.get_width() / 2, v), ha="center",
                                   va="bottom", fontsize=9, xytext=(0, 2), textcoords="offset points")
    ax_totals.set_yscale("log")
    ax_totals.set_xticks(x)
    ax_totals.set_xticklabels(["parameters", "MACs", "activations"], fontsize=10)
    ax_totals.set_title("Totals (log scale)", fontsize=12, loc="left")
    ax_totals.legend(fontsize=9)
    ax_totals.grid(axis="y", alpha=0.3)
    ax_totals.margins(y=0.15)

    # MACs of each layer along each network
    for s, color in zip(nets, NETWORK_COLORS):
        rows = [r for r in s.rows if not r.side_head and r.macs]
        if rows:
            ax_layers.plot(range(1, len(rows) + 1), [r.macs for r in rows], "-o", color=color, ms=4, label=s.model)
    ax_layers.set_yscale("log")
    ax_layers.set_xlabel("layer with MACs, in order")
    ax_layers.set_ylabel("MACs (log scale)")
    ax_layers.set_title("MACs per layer", fontsize=12, loc="left")
    ax_layers.grid(alpha=0.3)
    ax_layers.legend(fontsize=9)
    from matplotlib.ticker import MaxNLocator

    ax_layers.xaxis.set_major_locator(MaxNLocator(integer=True))

    # both pyramids on a common axis: position along the network, from input (0) to output (1)
    twin = ax_pyramid.twinx()
    spatial, channels = [], []
    # the first network drawn wide underneath, the next ones narrower on top: equal lines stay visible
    for s, color, width, marker in zip(nets, NETWORK_COLORS, (4, 2.6, 1.4), ("o", "s", "^")):
        points = pyramid_points(s)
        if not points:
            continue
        xs = np.linspace(0, 1, len(points)) if len(points) > 1 else np.zeros(1)
        h = [p[1] for p in points]
        c = [p[3] for p in points]
        ax_pyramid.plot(xs, h, "-", marker=marker, ms=3 + width, color=color, lw=width, alpha=0.85,
                        label=f"{s.model}: spatial size H")
        twin.plot(xs, c, "--", marker="D" if marker == "o" else "v", ms=3 + width, color=color, lw=width,
                  alpha=0.85, label=f"{s.model}: channels C")
        spatial += h
        channels += c
    if spatial:
        _finish_pyramid(ax_pyramid, twin, spatial, channels, "black", "black", legend="below")
        ax_pyramid.set_xlabel("position in the network (input = 0, last feature map = 1)")
        ax_pyramid.set_title("Feature-map pyramids: spatial size (solid) and channels (dashed)", fontsize=12,
                             loc="left")
    return _save(fig, path)
