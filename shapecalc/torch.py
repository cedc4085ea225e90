"""A thin PyTorch realisation of any shapecalc network, and its layer-by-layer verification.

:func:`to_torch` builds one small ``torch.nn.Module`` per shapecalc leaf, and one container per composite,
named by the row paths of the analysis: ``module.get_submodule("inception3a.branch2.conv3x3")`` is the
layer that ``summary(...)["inception3a.branch2.conv3x3"]`` describes. :func:`verify` runs one forward
pass on zeros, records every layer's output shape with hooks and the whole pass's FLOPs with
``torch.utils.flop_counter.FlopCounterMode``, and compares them, with the parameter counts, to shapecalc's
static figures.

How the unusual layers are realised (faithfully: same parameters, same outputs, same multiply-adds):

- ``"same"`` padding that is asymmetric (stride > 1, or an even kernel) is an explicit ``ZeroPad2d``
  (``-inf`` padding for max pooling) before the unpadded layer;
- LeNet-5's subsampling (one coefficient and one bias per map) is a depthwise convolution whose kernel
  is the map's coefficient repeated over the window: exactly ``coefficient · Σ window + bias``;
- a sparse connection table (LeNet-5's C3) is one small convolution per output map over the input maps
  it is connected to, so the parameters are exactly those of the table;
- the RBF output holds its centres as a parameter with ``requires_grad=False`` and computes
  ``Σ_j (x_j − w_ij)² = |x|² − 2 x·w_i + |w_i|²``;
- side heads run in the forward pass (hooks and FLOP counters see them) and their outputs come back
  after the main one: ``(main, side1, side2, …)``; ``module.run_side_heads = False`` gives the
  inference module (main output only);
- a layer that the network's forward computes without a module of its own (``call="functional"``:
  ``F.relu(x)``, ``F.avg_pool2d(x, …)``; ``call="mean"``: ``x.mean([2, 3])``) is a parameter-free module
  that makes that call; ConvNeXt's LayerNorm2d (``channels_first``) a subclass of nn.LayerNorm; the
  attention kinds call what torchvision's call (``F.linear`` on the projections' weights in Swin, ``@`` in
  Swin V2, ``torch.einsum`` in MaxViT) and the parameters are named as torchvision names them
  (``layer_scale``, ``class_token``, ``pos_embedding``, ``in_proj_weight``): the counting tools see what
  they see on torchvision's own modules.

torch is imported inside the functions only: ``import shapecalc.torch`` does not import it.
"""

from .errors import ConfigError
from .shapes import format_int, format_shape

__all__ = ["to_torch", "verify", "VerifyReport", "VerifyRow", "torch_shape", "shape_from_torch"]


# ---------------------------------------------------------------------------------------------------------
# shapes


def torch_shape(shape):
    """PyTorch's per-sample layout of a shapecalc shape: (H, W, C) → (C, H, W); (N,) unchanged."""
    shape = tuple(shape)
    if len(shape) == 3:
        return (shape[2], shape[0], shape[1])
    return shape


def shape_from_torch(size):
    """shapecalc's per-sample shape of a PyTorch tensor size: (N, C, H, W) → (H, W, C); (N, F) → (F,)."""
    size = tuple(int(d) for d in size)
    if len(size) == 4:
        return (size[2], size[3], size[1])
    return size[1:]


# ---------------------------------------------------------------------------------------------------------
# module classes (defined on first use, so that torch is imported only then)

_CLASSES = {}


def _classes():
    """torch, nn and the module classes below, as attributes (``T.nn.Conv2d``, ``T.Padded``): what a layer
    kind's ``to_torch`` receives."""
    if _CLASSES:
        return _CLASSES["T"]
    import math

    import torch
    import torch.nn.functional as Fn
    from torch import nn

    class SideHeadState:
        """Shared between the root and its side heads: whether they run, and what they returned."""

        def __init__(self):
            self.run = True
            self.outputs = []

    class Block(nn.Module):
        """A composite: children kept in ``_modules`` under their row names (in execution order)."""

        def __init__(self, kind, path):
            super().__init__()
            self.kind = kind
            self.path = path
            self.roles = {}

        def put(self, name, module, role="layer"):
            # straight into _modules: a row name may shadow a Module attribute ("train", "type", ...)
            self._modules[name] = module
            self.roles[name] = role

        def named(self, role):
            return [(n, self._modules[n]) for n, r in self.roles.items() if r == role]

        def extra_repr(self):
            return self.kind

    def residual_forward(module, roles, x):
        """``post(merge(body(x), shortcut(x)))`` over the modules ``module(name)`` that ``roles`` lists as
        ``[(name, role)]``: body, shortcut, merge, post."""
        y = x
        s = x
        merge = None
        for name, role in roles:
            if role == "body":
                y = module(name)(y)
            elif role == "shortcut":
                s = module(name)(x)
            elif role == "merge":
                y = merge = module(name)(y, s)
            else:
                y = module(name)(y)
        assert merge is not None
        return y

    class SequentialBlock(Block):
        """Layers in order; a flat residual block among them (``steps``: its rows' names and roles) runs as
        one step."""

        steps = None

        def forward(self, x):
            if self.steps is None:
                for module in self._modules.values():
                    x = module(x)
                return x
            for step in self.steps:
                x = self._modules[step](x) if isinstance(step, str) else residual_forward(self._modules.get, step, x)
            return x

    class BranchesBlock(Block):
        """Branches, each one module (role "branch"), or, in a flat block, the layers of branch i directly
        (role i; a branch without layers is the identity)."""

        branch_count = 0
        #: (flat blocks) each branch's steps: a row's name, or a flat residual block's [(name, role)]
        branch_steps = ()

        def forward(self, x):
            if self.branch_count:
                outs = []
                for steps in self.branch_steps:
                    y = x
                    for step in steps:
                        y = self._modules[step](y) if isinstance(step, str) else residual_forward(
                            self._modules.get, step, y)
                    outs.append(y)
            else:
                outs = [m(x) for _, m in self.named("branch")]
            (_, merge), = self.named("merge")
            y = merge(*outs)
            for _, m in self.named("post"):
                y = m(y)
            return y

    class ResidualBlock(Block):
        def forward(self, x):
            return residual_forward(self._modules.get, self.roles.items(), x)

    class SideHeadBlock(Block):
        """Computes the side output (kept for the root to return) and passes its input on unchanged."""

        def __init__(self, kind, path, state):
            super().__init__(kind, path)
            self._state = state

        def forward(self, x):
            if not self._state.run:
                return x
            y = x
            for module in self._modules.values():
                y = module(y)
            self._state.outputs.append(y)
            return x

    class Network(SequentialBlock):
        """The whole network. Returns the main output, followed by the side heads' outputs if any ran."""

        def __init__(self, title, path, state):
            super().__init__("network", path)
            self.title = title
            self._state = state
            self.rows = []
            self.input_shape = None

        @property
        def run_side_heads(self):
            return self._state.run

        @run_side_heads.setter
        def run_side_heads(self, value):
            self._state.run = bool(value)

        def forward(self, x):
            self._state.outputs = []
            y = super().forward(x)
            sides, self._state.outputs = self._state.outputs, []
            return (y, *sides) if sides else y

    class Padded(nn.Module):
        """Explicit (possibly asymmetric) padding, then the unpadded layer: ``pad`` and ``layer``."""

        def __init__(self, pad, layer):
            super().__init__()
            self.pad = pad
            self.layer = layer

        def forward(self, x):
            return self.layer(self.pad(x))

    class SparseConv(nn.Module):
        """One convolution per output map (``map0``, ``map1``, …) over the input maps the table lists."""

        def __init__(self, table, kernel, stride, pads, bias):
            super().__init__()
            self.table = [list(row) for row in table]
            (top, bottom), (left, right) = pads
            self.pads = (left, right, top, bottom)
            for j, row in enumerate(self.table):
                self.add_module(f"map{j}", nn.Conv2d(len(row), 1, kernel, stride, 0, bias=bias))

        def forward(self, x):
            if any(self.pads):
                x = Fn.pad(x, self.pads)
            return torch.cat([conv(x[:, row]) for row, conv in zip(self.table, self.children())], 1)

    class Subsampling(nn.Module):
        """LeNet-5's S layers: ``coefficient · Σ window + bias`` per map, as a depthwise convolution whose
        kernel is the coefficient repeated over the window."""

        def __init__(self, channels, kernel, stride, bias):
            super().__init__()
            self.kernel, self.stride = tuple(kernel), tuple(stride)
            self.weight = nn.Parameter(torch.ones(channels))
            self.bias = nn.Parameter(torch.zeros(channels)) if bias else None

        def forward(self, x):
            c = self.weight.shape[0]
            kernel = self.weight.view(c, 1, 1, 1).expand(c, 1, *self.kernel)
            return Fn.conv2d(x, kernel, self.bias, self.stride, groups=c)

    class RBF(nn.Module):
        """Euclidean RBF units: ``Σ_j (x_j − w_ij)²``; the centres are fixed unless ``trainable``."""

        def __init__(self, inputs, units, trainable):
            super().__init__()
            self.weight = nn.Parameter(torch.zeros(units, inputs), requires_grad=trainable)

        def forward(self, x):
            w = self.weight
            return (x * x).sum(1, keepdim=True) - 2 * torch.mm(x, w.t()) + (w * w).sum(1)

    class ScaledTanh(nn.Module):
        """A · tanh(S · x), A = 1.7159, S = 2/3 (LeNet-5)."""

        def forward(self, x):
            return 1.7159 * torch.tanh(x * (2.0 / 3.0))

    class GlobalPool(nn.Module):
        """Global pooling as torchvision writes it: ``AdaptiveXxxPool2d(1)`` (child ``pool``), then flatten."""

        def __init__(self, pool, keepdims):
            super().__init__()
            self.pool = pool
            self.keepdims = keepdims

        def forward(self, x):
            y = self.pool(x)
            return y if self.keepdims else torch.flatten(y, 1)

    class Functional(nn.Module):
        """A layer that the network's forward computes with a bare functional (``F.relu(x)``,
        ``F.avg_pool2d(x, 3, 1, 1)``), not a module of its own: a parameter-free module calling
        ``torch.nn.functional.<name>(x, **kwargs)``, the function looked up at each call as such a forward
        does (so that a tool that patches it, as ptflops does, sees the call; no nn module hook fires)."""

        def __init__(self, name, **kwargs):
            super().__init__()
            self.name, self.kwargs = name, kwargs

        def forward(self, x):
            return getattr(Fn, self.name)(x, **self.kwargs)

        def extra_repr(self):
            return ", ".join([f"F.{self.name}"] + [f"{k}={v!r}" for k, v in self.kwargs.items()])

    class Mean(nn.Module):
        """Global average pooling as the tensor method ``x.mean([2, 3])`` (torchvision's MNASNet and
        ShuffleNetV2): no module or functional that a tool hooks or patches."""

        def __init__(self, keepdims):
            super().__init__()
            self.keepdims = keepdims

        def forward(self, x):
            return x.mean([2, 3], keepdim=self.keepdims)

    class LayerNorm2d(nn.LayerNorm):
        """LayerNorm over the channels of an N×C×H×W tensor, as torchvision's LayerNorm2d (ConvNeXt): a
        subclass of nn.LayerNorm that permutes to channels-last, calls F.layer_norm and permutes back."""

        def forward(self, x):
            x = x.permute(0, 2, 3, 1)
            x = Fn.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
            return x.permute(0, 3, 1, 2)

    class ChannelPad(nn.Module):
        """ResNet option A: ``x[:, :, ::S, ::S]`` with the channels zero-padded up to ``channels``."""

        def __init__(self, channels, stride):
            super().__init__()
            self.channels, self.stride = channels, stride

        def forward(self, x):
            y = x[:, :, :: self.stride, :: self.stride]
            return Fn.pad(y, (0, 0, 0, 0, 0, self.channels - y.shape[1]))

    class Concat(nn.Module):
        def forward(self, *xs):
            return torch.cat(xs, 1)

    class Multiply(nn.Module):
        def forward(self, *xs):
            y = xs[0]
            for x in xs[1:]:
                y = y * x
            return y

    class Chunk(nn.Module):
        """Part ``index`` of the channels split in ``parts`` (``torch.chunk``)."""

        def __init__(self, parts, index):
            super().__init__()
            self.parts, self.index = parts, index

        def forward(self, x):
            return x.chunk(self.parts, 1)[self.index]

    class StochasticDepth(nn.Module):
        """Drops the input per sample ("row") or for the batch with probability ``p`` in training (the
        survivors scaled by 1/(1 − p)); the identity in eval mode."""

        def __init__(self, p, mode):
            super().__init__()
            self.p, self.mode = p, mode

        def forward(self, x):
            if not self.training or self.p == 0:
                return x
            size = (x.shape[0],) + (1,) * (x.dim() - 1) if self.mode == "row" else (1,) * x.dim()
            keep = torch.empty(size, dtype=x.dtype, device=x.device).bernoulli_(1 - self.p)
            return x * keep / (1 - self.p) if self.p < 1 else x * keep

    class Tokens(nn.Module):
        """N×C×H×W → N×(H·W)×C."""

        def forward(self, x):
            return x.flatten(2).transpose(1, 2)

    class ClassToken(nn.Module):
        """A learnt class token put first (its parameter named as torchvision's ViT names it)."""

        def __init__(self, dim):
            super().__init__()
            self.class_token = nn.Parameter(torch.zeros(1, 1, dim))

        def forward(self, x):
            return torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1)

    class PositionEmbedding(nn.Module):
        """A learnt position embedding added to the tokens (named as torchvision's ViT names it)."""

        def __init__(self, tokens, dim):
            super().__init__()
            self.pos_embedding = nn.Parameter(torch.zeros(1, tokens, dim))

        def forward(self, x):
            return x + self.pos_embedding

    class SelfAttention(nn.Module):
        """Multi-head self-attention written out, its parameters held as nn.MultiheadAttention holds them:
        ``in_proj_weight`` and ``in_proj_bias`` of its own, and a child ``out_proj`` (an nn.Linear) whose
        weights it uses without calling it. softmax((Q/√d)·Kᵀ)·V per head, computed with torch.matmul,
        torch.add, torch.mul and F.softmax: what ptflops patches, so that it counts what its hook on
        nn.MultiheadAttention counts (the projections with their biases, the scaling of Q, both products, the
        softmax); and, the module having a child that never runs, torchinfo counts nothing, as for
        nn.MultiheadAttention."""

        def __init__(self, dim, heads, bias):
            super().__init__()
            self.heads = heads
            self.in_proj_weight = nn.Parameter(torch.zeros(3 * dim, dim))
            self.in_proj_bias = nn.Parameter(torch.zeros(3 * dim)) if bias else None
            self.out_proj = nn.Linear(dim, dim, bias=bias)

        @staticmethod
        def linear(x, weight, bias):
            y = torch.matmul(x, weight.t())
            # the bias at the output's full shape: ptflops sizes torch.add by aligning the shapes on the left
            return y if bias is None else torch.add(y, bias.expand_as(y))

        def forward(self, x):
            b, n, d = x.shape
            qkv = self.linear(x, self.in_proj_weight, self.in_proj_bias)
            q, k, v = qkv.reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
            q = torch.mul(q, (d // self.heads) ** -0.5)
            y = torch.matmul(Fn.softmax(torch.matmul(q, k.transpose(-2, -1)), dim=-1), v)
            return self.linear(y.transpose(1, 2).reshape(b, n, d), self.out_proj.weight, self.out_proj.bias)

    class SelectToken(nn.Module):
        def __init__(self, index):
            super().__init__()
            self.index = index

        def forward(self, x):
            return x[:, self.index]

    class ChannelsLast(nn.Module):
        """``layer`` applied over the channels of an N×C×H×W map: permuted to N×H×W×C and back."""

        def __init__(self, layer):
            super().__init__()
            self.layer = layer

        def forward(self, x):
            return self.layer(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)

    class LayerScale(nn.Module):
        """x · γ, one γ per channel (``layer_scale``, as torchvision's ConvNeXt names it)."""

        def __init__(self, channels, init, is_map):
            super().__init__()
            self.layer_scale = nn.Parameter(torch.full((channels, 1, 1) if is_map else (channels,), float(init)))

        def forward(self, x):
            return self.layer_scale * x

    class SpaceToDepth(nn.Module):
        """The b×b neighbours of each position over the channels, H and W zero-padded at the bottom and right
        to multiples of b first; the order of Swin's patch merging: (0, 0), (1, 0), (0, 1), (1, 1) for b = 2."""

        def __init__(self, block):
            super().__init__()
            self.block = block

        def forward(self, x):
            b = self.block
            x = Fn.pad(x, (0, -x.shape[3] % b, 0, -x.shape[2] % b))
            return torch.cat([x[:, :, i::b, j::b] for j in range(b) for i in range(b)], 1)

    def relative_index(wh, ww):
        """For each pair of positions of a wh×ww window, the index of their offset in the (2wh − 1)×(2ww − 1)
        table of relative positions (row-major, as torchvision's Swin and MaxViT number them)."""
        coords = torch.stack(torch.meshgrid(torch.arange(wh), torch.arange(ww), indexing="ij")).flatten(1)
        offset = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)
        return (offset[:, :, 0] + wh - 1) * (2 * ww - 1) + offset[:, :, 1] + ww - 1

    class WindowAttention(nn.Module):
        """Swin's shifted window attention on an N×C×H×W map (torchvision's ShiftedWindowAttention, and with
        ``cosine`` its V2): pad to whole windows, shift, attend within each window with the relative position
        bias (and, where shifted, the mask of the regions the roll brought together), shift back, crop.
        As torchvision's shifted_window_attention: the projections are ``F.linear`` calls on the weights of
        the nn.Linear modules ``qkv`` and ``proj`` (which never run), Q·Kᵀ is ``q.matmul(kᵀ)`` (V2: the ``@``
        operator) and A·V ``a.matmul(v)``."""

        def __init__(self, dim, heads, window, shift, bias, cosine=False, hidden=512, mlp_bias=True):
            super().__init__()
            self.heads, self.window, self.shift, self.cosine = heads, tuple(window), tuple(shift), cosine
            wh, ww = self.window
            self.qkv = nn.Linear(dim, 3 * dim, bias=bias)
            self.proj = nn.Linear(dim, dim, bias=bias)
            if cosine:
                self.logit_scale = nn.Parameter(torch.log(10 * torch.ones((heads, 1, 1))))
                self.cpb_mlp = nn.Sequential(nn.Linear(2, hidden, bias=mlp_bias), nn.ReLU(inplace=True),
                                             nn.Linear(hidden, heads, bias=False))
                # the relative offsets, scaled to ±8 and log-spaced: sign · log2(|8·d / (w − 1)| + 1) / 3
                table = torch.stack(torch.meshgrid(torch.arange(1 - wh, wh, dtype=torch.float32),
                                                   torch.arange(1 - ww, ww, dtype=torch.float32), indexing="ij"))
                table = table.permute(1, 2, 0).unsqueeze(0)
                table[..., 0] /= max(wh - 1, 1)
                table[..., 1] /= max(ww - 1, 1)
                table = table * 8
                self.register_buffer("relative_coords_table",
                                     torch.sign(table) * torch.log2(torch.abs(table) + 1.0) / 3.0)
            else:
                self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * wh - 1) * (2 * ww - 1), heads))
            self.register_buffer("relative_position_index", relative_index(wh, ww).flatten())

        def position_bias(self):
            n = self.window[0] * self.window[1]
            table = (self.cpb_mlp(self.relative_coords_table).view(-1, self.heads) if self.cosine
                     else self.relative_position_bias_table)
            bias = table[self.relative_position_index].view(n, n, -1).permute(2, 0, 1).unsqueeze(0)
            return 16 * torch.sigmoid(bias) if self.cosine else bias

        def forward(self, x):
            x = x.permute(0, 2, 3, 1)
            b, h, w, c = x.shape
            wh, ww = self.window
            x = Fn.pad(x, (0, 0, 0, -w % ww, 0, -h % wh))
            ph, pw = x.shape[1], x.shape[2]
            # no shift along an axis that one window covers
            sh, sw = (self.shift[0] if wh < ph else 0), (self.shift[1] if ww < pw else 0)
            if sh or sw:
                x = torch.roll(x, shifts=(-sh, -sw), dims=(1, 2))
            count, n = (ph // wh) * (pw // ww), wh * ww
            x = x.view(b, ph // wh, wh, pw // ww, ww, c).permute(0, 1, 3, 2, 4, 5).reshape(b * count, n, c)
            qkv_bias = self.qkv.bias
            if self.cosine and qkv_bias is not None:
                # V2 holds a K bias but does not use it
                qkv_bias = qkv_bias.clone()
                qkv_bias[c:2 * c].zero_()
            qkv = Fn.linear(x, self.qkv.weight, qkv_bias)
            q, k, v = qkv.reshape(b * count, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
            if self.cosine:
                scores = Fn.normalize(q, dim=-1) @ Fn.normalize(k, dim=-1).transpose(-2, -1)
                scores = scores * torch.clamp(self.logit_scale, max=math.log(100.0)).exp()
            else:
                scores = (q * (c // self.heads) ** -0.5).matmul(k.transpose(-2, -1))
            scores = scores + self.position_bias()
            if sh or sw:
                # the regions that the roll brought together do not attend to each other (−100: torchvision's)
                region = x.new_zeros((ph, pw))
                label = 0
                # (an axis without a shift is one region: nothing was rolled round along it)
                for rows in ((0, ph - wh), (ph - wh, ph - sh), (ph - sh, ph)) if sh else ((0, ph),):
                    for cols in ((0, pw - ww), (pw - ww, pw - sw), (pw - sw, pw)) if sw else ((0, pw),):
                        region[rows[0]:rows[1], cols[0]:cols[1]] = label
                        label += 1
                region = region.view(ph // wh, wh, pw // ww, ww).permute(0, 2, 1, 3).reshape(count, n)
                mask = (region.unsqueeze(1) - region.unsqueeze(2) != 0) * -100.0
                scores = scores.view(b, count, self.heads, n, n) + mask.unsqueeze(1).unsqueeze(0)
                scores = scores.view(-1, self.heads, n, n)
            y = Fn.softmax(scores, dim=-1).matmul(v).transpose(1, 2).reshape(b * count, n, c)
            y = Fn.linear(y, self.proj.weight, self.proj.bias)
            y = y.view(b, ph // wh, pw // ww, wh, ww, c).permute(0, 1, 3, 2, 4, 5).reshape(b, ph, pw, c)
            if sh or sw:
                y = torch.roll(y, shifts=(sh, sw), dims=(1, 2))
            return y[:, :h, :w, :].permute(0, 3, 1, 2)

    class Partition(nn.Module):
        """N×C×H×W → N×C×G×p²: the map cut into p×p blocks (torchvision's WindowPartition), each block one group
        of tokens in row-major order, the blocks in row-major order."""

        def __init__(self, p):
            super().__init__()
            self.p = p

        def forward(self, x):
            b, c, h, w = x.shape
            p = self.p
            x = x.reshape(b, c, h // p, p, w // p, p).permute(0, 1, 2, 4, 3, 5)
            return x.reshape(b, c, (h // p) * (w // p), p * p)

    class SwapAxes(nn.Module):
        """N×C×A×B → N×C×B×A."""

        def forward(self, x):
            return x.transpose(2, 3)

    class Departition(nn.Module):
        """N×C×G×N' → N×C×S×S, S = √G·√N': a partition's groups back on their square map (torchvision's
        WindowDepartition)."""

        def forward(self, x):
            b, c, groups, n = x.shape
            g, p = math.isqrt(groups), math.isqrt(n)
            x = x.reshape(b, c, g, g, p, p).permute(0, 1, 2, 4, 3, 5)
            return x.reshape(b, c, g * p, g * p)

    class RelativeAttention(nn.Module):
        """MaxViT's attention within each group of tokens, on N×C×G×P² (torchvision's
        RelativePositionalMultiHeadAttention): QKV projection ``to_qkv``, heads of ``head_dim``, scores scaled
        by C^−½ (torchvision's choice) plus a relative position bias over the P×P arrangement, output
        projection ``merge``; Q·Kᵀ and A·V with ``torch.einsum``, as torchvision computes them."""

        def __init__(self, dim, head_dim, size, bias):
            super().__init__()
            self.heads, self.head_dim, self.size = dim // head_dim, head_dim, size
            self.scale = dim ** -0.5
            self.to_qkv = nn.Linear(dim, 3 * dim, bias=bias)
            self.merge = nn.Linear(dim, dim, bias=bias)
            self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * size - 1) ** 2, self.heads))
            self.register_buffer("relative_position_index", relative_index(size, size))

        def forward(self, x):
            x = x.permute(0, 2, 3, 1)
            b, groups, n, c = x.shape
            q, k, v = (t.reshape(b, groups, n, self.heads, self.head_dim).permute(0, 1, 3, 2, 4)
                       for t in torch.chunk(self.to_qkv(x), 3, dim=-1))
            scores = torch.einsum("B G H I D, B G H J D -> B G H I J", q, k * self.scale)
            bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(n, n, -1)
            scores = Fn.softmax(scores + bias.permute(2, 0, 1).unsqueeze(0), dim=-1)
            y = torch.einsum("B G H I J, B G H J D -> B G H I D", scores, v)
            y = y.permute(0, 1, 3, 2, 4).reshape(b, groups, n, c)
            return self.merge(y).permute(0, 3, 1, 2)

    class Add(nn.Module):
        def forward(self, *xs):
            y = xs[0]
            for x in xs[1:]:
                y = y + x
            return y

    def padded_conv(cls, in_channels, out_channels, layer, pads, groups, bias):
        """A convolution module of class ``cls`` (nn.Conv2d …) with ``layer``'s window; asymmetric padding
        as an explicit ZeroPad2d before it."""
        if _symmetric(pads):
            return cls(in_channels, out_channels, layer.kernel, layer.stride, (pads[0][0], pads[1][0]),
                       layer.dilation, groups, bias=bias)
        conv = cls(in_channels, out_channels, layer.kernel, layer.stride, 0, layer.dilation, groups, bias=bias)
        return Padded(nn.ZeroPad2d(_pad_arg(pads)), conv)

    import types

    T = types.SimpleNamespace(
        torch=torch, nn=nn, Fn=Fn, SideHeadState=SideHeadState, Block=Block, SequentialBlock=SequentialBlock,
        BranchesBlock=BranchesBlock, ResidualBlock=ResidualBlock, SideHeadBlock=SideHeadBlock, Network=Network,
        Padded=Padded, SparseConv=SparseConv, Subsampling=Subsampling, RBF=RBF, ScaledTanh=ScaledTanh,
        GlobalPool=GlobalPool, Functional=Functional, Mean=Mean, LayerNorm2d=LayerNorm2d, ChannelPad=ChannelPad,
        Concat=Concat, Add=Add, Multiply=Multiply, Chunk=Chunk, StochasticDepth=StochasticDepth,
        ChannelsLast=ChannelsLast, Tokens=Tokens, ClassToken=ClassToken, PositionEmbedding=PositionEmbedding,
        SelfAttention=SelfAttention, SelectToken=SelectToken, LayerScale=LayerScale, padded_conv=padded_conv,
        pad_arg=_pad_arg, SpaceToDepth=SpaceToDepth, WindowAttention=WindowAttention, Partition=Partition,
        SwapAxes=SwapAxes, Departition=Departition, RelativeAttention=RelativeAttention,
    )
    _CLASSES["T"] = T
    return T


# ---------------------------------------------------------------------------------------------------------
# leaves


def _symmetric(pads):
    return all(before == after for before, after in pads)


def _leaf(row, no_bias):
    """The PyTorch module of one leaf row: its kind's own (``Layer.to_torch``), on the row's input shape."""
    return row.layer.to_torch(row.input_shape, no_bias, _classes())


def _pad_arg(pads):
    # PyTorch's pad order: (left, right, top, bottom)
    (top, bottom), (left, right) = pads
    return (left, right, top, bottom)


# ---------------------------------------------------------------------------------------------------------
# composites


def _build(rows, title, no_bias, network=None):
    """The module tree of analysed ``rows`` (``Summary.all_rows``) of ``network``."""
    from .layers import Branches, Residual, SideHead

    K = _classes()
    # the rows of a flat residual block stand among their parent's: each goes with its block
    owner = {id(part): r for r in _flat_residuals(network, []) for part in _residual_parts(r)}
    state = K.SideHeadState()
    children = {"": []}
    for row in rows:
        children.setdefault(row.path.rpartition(".")[0], []).append(row)

    def node(row):
        if row.leaf:
            return _leaf(row, no_bias)
        layer = row.layer
        if isinstance(layer, Branches):
            block = K.BranchesBlock(row.kind, row.path)
            # a flat block's rows are its branches' layers, and the rows of the flat residual blocks among
            # them: each goes with its branch's index
            branch_of = {}
            if layer.flat:
                for i, b in enumerate(layer.branches):
                    for part in b.layers:
                        flat = isinstance(part, Residual) and part.flat
                        branch_of.update((id(q), i) for q in (_residual_parts(part) if flat else [part]))
            block.branch_count = len(layer.branches) if layer.flat else 0
            per_branch = [[] for _ in range(block.branch_count)]
            role = "branch"
            for child in children.get(row.path, []):
                # the branches, the merge, the layers after it
                if child.layer is layer.merge:
                    role = "merge"
                elif role in ("merge", "post"):
                    role = "post"
                elif layer.flat:
                    role = branch_of[id(child.layer)]
                    per_branch[role].append(child)
                block.put(child.name, node(child), role)
            block.branch_steps = [steps_of(branch) for branch in per_branch]
        elif isinstance(layer, Residual):
            block = K.ResidualBlock(row.kind, row.path)
            for child, role in _residual_roles(layer, children.get(row.path, [])):
                block.put(child.name, node(child), role)
        elif isinstance(layer, SideHead):
            block = K.SideHeadBlock(row.kind, row.path, state)
            for child in children.get(row.path, []):
                block.put(child.name, node(child))
        else:
            block = K.SequentialBlock(row.kind, row.path)
            fill(block, children.get(row.path, []))
        return block

    def fill(block, rows):
        """A sequence's children; a flat residual block's rows go in as one step."""
        for child in rows:
            block.put(child.name, node(child))
        steps = steps_of(rows)
        if any(not isinstance(step, str) for step in steps):
            block.steps = steps

    def steps_of(rows):
        """A sequence's steps: a row's name, or a flat residual block's ``[(name, role)]``."""
        steps, group, current = [], [], None
        for child in rows:
            r = owner.get(id(child.layer))
            if group and r is not current:
                steps.append(list(_residual_roles(current, group, names=True)))
                group = []
            current = r
            if r is None:
                steps.append(child.name)
            else:
                group.append(child)
        if group:
            steps.append(list(_residual_roles(current, group, names=True)))
        return steps

    root = K.Network(title, "", state)
    fill(root, children[""])
    root.rows = rows
    return root


def _flat_residuals(node, out):
    """Every flat residual block in ``node``'s tree, into ``out``."""
    from .layers import Branches, Composite, Residual, Sequential, SideHead

    if not isinstance(node, Composite):
        return out
    if isinstance(node, Residual):
        if node.flat:
            out.append(node)
        parts = [node.body, node.shortcut] + list(node.post)
    elif isinstance(node, Branches):
        parts = list(node.branches) + list(node.post)
    elif isinstance(node, SideHead):
        parts = [node.body]
    elif isinstance(node, Sequential):
        parts = node.layers
    else:
        parts = []
    for part in parts:
        if part is not None:
            _flat_residuals(part, out)
    return out


def _residual_parts(node):
    """The layers and blocks whose rows a residual block holds."""
    body = [node.body] if node.body.name else list(node.body.layers)
    short = [node.shortcut] if node.shortcut is not None else []
    return body + short + [node.merge] + list(node.post)


def _residual_roles(layer, rows, names=False):
    """``(row, role)`` for a residual block's rows in walk order: body, shortcut, merge, post (``names``:
    the row's name instead of the row)."""
    role = "body"
    for child in rows:
        if child.layer is layer.merge:
            role = "merge"
        elif role in ("merge", "post"):
            role = "post"
        elif layer.shortcut is not None and child.layer is layer.shortcut:
            role = "shortcut"
        yield (child.name if names else child), role


def to_torch(model, input=None, no_bias=False, **options):
    """A ``torch.nn.Module`` realising ``model`` (a zoo name, a Network, a layer or a list of layers) on
    ``input`` (default: the network's own), with every layer at its row path.

    The module takes NCHW tensors (or N×F for vector inputs). ``module.rows`` holds shapecalc's rows.
    """
    from .report import summary

    s = summary(model, input, no_bias=no_bias, **options)
    module = _build(s.all_rows, s.model, no_bias, s.network)
    module.input_shape = s.input_shape
    return module


# ---------------------------------------------------------------------------------------------------------
# verification


class VerifyRow:
    """One leaf layer: shapecalc's figures next to PyTorch's."""

    __slots__ = ("path", "kind", "detail", "side_head", "shape", "torch_shape", "params", "torch_params",
                 "trainable", "torch_trainable", "buffers", "torch_buffers", "flops", "torch_flops")

    def __init__(self, **kw):
        for key in self.__slots__:
            setattr(self, key, kw.get(key))

    @property
    def shape_ok(self):
        return self.torch_shape is not None and tuple(self.shape) == tuple(self.torch_shape)

    @property
    def params_ok(self):
        return (self.params, self.trainable, self.buffers) == (
            self.torch_params, self.torch_trainable, self.torch_buffers)

    @property
    def flops_ok(self):
        return self.flops == self.torch_flops

    @property
    def ok(self):
        return self.shape_ok and self.params_ok and self.flops_ok

    def to_dict(self):
        out = {k: getattr(self, k) for k in self.__slots__}
        out["shape"] = list(self.shape)
        out["torch_shape"] = None if self.torch_shape is None else list(self.torch_shape)
        out.update(shape_ok=self.shape_ok, params_ok=self.params_ok, flops_ok=self.flops_ok)
        return out


class VerifyReport:
    """The result of :func:`verify`: ``ok``, per-layer ``rows``, totals, and ``table(format=...)``."""

    def __init__(self, model, input_shape, batch, device, rows, totals):
        self.model = model
        self.input_shape = tuple(input_shape)
        self.batch = batch
        self.device = device
        self.rows = rows
        self.totals = totals

    @property
    def mismatches(self):
        """Paths of the layers whose shape or parameters differ, and ``FLOPs`` / ``side head FLOPs``."""
        bad = [r.path for r in self.rows if not r.ok]
        t = self.totals
        if t["flops"] != t["torch_flops"]:
            bad.append("FLOPs")
        if t["side_head_flops"] != t["torch_side_head_flops"]:
            bad.append("side head FLOPs")
        return bad

    @property
    def ok(self):
        return not self.mismatches

    def to_dict(self):
        return {"model": self.model, "input": list(self.input_shape), "batch": self.batch, "device": self.device,
                "ok": self.ok, "layers": [r.to_dict() for r in self.rows], "totals": dict(self.totals)}

    def table(self, format="text"):
        """The per-layer table (✓/✗ for shape and for parameters) and the totals. ``format``: "text",
        "json", "csv" or a tabulate format."""
        if format == "json":
            import json

            return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        mark = {True: "✓", False: "✗"}
        header = ["layer", "type", "shapecalc", "PyTorch", "shape", "params", "PyTorch params", "params ok",
                  "FLOPs ok"]
        body = []
        for r in self.rows:
            theirs = "—" if r.torch_shape is None else format_shape(r.torch_shape)
            tparams = format_int(r.torch_params)
            if r.torch_trainable != r.torch_params:
                tparams += f" ({format_int(r.torch_params - r.torch_trainable)} fixed)"
            if r.torch_buffers:
                tparams += f" +{format_int(r.torch_buffers)} buffers"
            body.append([r.path + (" (side head)" if r.side_head else ""), r.detail, format_shape(r.shape),
                         theirs, mark[r.shape_ok], format_int(r.params), tparams, mark[r.params_ok],
                         mark[r.flops_ok]])
        if format == "csv":
            from .report import to_csv

            return to_csv(header, body)
        align = ("left", "left", "right", "right", "center", "right", "right", "center", "center")
        if format == "text":
            from .report import plain_table

            grid = plain_table(header, body, align=align)
        else:
            from .tables import tabulate_table

            grid = tabulate_table(header, body, format, align=align)
        t = self.totals
        lines = [
            f"{self.model} — input {format_shape(self.input_shape)}, batch {self.batch}, verified with PyTorch "
            f"on {self.device}",
            grid,
            "",
            f"params{' (side heads included)' if any(r.side_head for r in self.rows) else ''}: "
            f"shapecalc {format_int(t['params'])}, PyTorch {format_int(t['torch_params'])} "
            f"(trainable {format_int(t['trainable_params'])} / {format_int(t['torch_trainable_params'])}) "
            f"{mark[(t['params'], t['trainable_params']) == (t['torch_params'], t['torch_trainable_params'])]}",
            f"FLOPs: shapecalc 2 × {format_int(t['flops'] // 2)} MACs = {format_int(t['flops'])}, "
            f"FlopCounterMode {format_int(t['torch_flops'])} {mark[t['flops'] == t['torch_flops']]}",
        ]
        if t["side_head_flops"] or t["torch_side_head_flops"]:
            lines.append(
                f"side heads (apart): shapecalc {format_int(t['side_head_flops'])} FLOPs, FlopCounterMode "
                f"{format_int(t['torch_side_head_flops'])} "
                f"{mark[t['side_head_flops'] == t['torch_side_head_flops']]}"
            )
        bad = self.mismatches
        n = len(self.rows)
        lines.append(f"all ✓: {n} layers agree" if not bad else f"✗ {len(bad)} mismatch(es): {', '.join(bad)}")
        return "\n".join(lines)

    def __str__(self):
        return self.table()

    def __repr__(self):
        return f"<VerifyReport {self.model} ok={self.ok} layers={len(self.rows)}>"


def _submodule(module, path):
    """The submodule at a row path, through ``_modules`` (``get_submodule`` goes through ``getattr``, which
    finds ``Module.train`` before a layer named "train")."""
    for part in path.split("."):
        module = module._modules[part]
    return module


def _build_empty(rows, title, no_bias, device, network=None):
    """The module on ``device`` in eval mode, its parameters zero instead of randomly initialised (a
    forward pass on zeros needs no values; skipping the initialisation of VGG's 124 M dense weights saves
    seconds)."""
    import torch

    with torch.device("meta"):
        module = _build(rows, title, no_bias, network)
    module = module.to_empty(device=device).eval()
    with torch.no_grad():
        for p in module.parameters():
            p.zero_()
        for name, b in module.named_buffers():
            b.fill_(1 if name.endswith("running_var") else 0)
    return module


def _device(device):
    import torch

    if device is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in ("cpu", "cuda", "meta") and not str(device).startswith("cuda:"):
        raise ConfigError(f"device must be cpu or cuda (or meta: shapes only, no arithmetic), received {device!r}",
                          "--device")
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("device cuda was asked for, but PyTorch sees no CUDA device", "--device")
    return str(device)


def verify(model, input=None, device=None, batch=1, no_bias=False, **options):
    """Build ``model`` in PyTorch, run one forward pass on zeros and compare, layer by layer, the output
    shape and the parameters (trainable and fixed, buffers apart), and in total the FLOPs counted by
    ``FlopCounterMode`` (side heads apart), with shapecalc's figures. Returns a :class:`VerifyReport`.

    ``device``: "cpu" or "cuda" (default: cuda when available).
    """
    from .report import summary

    s = summary(model, input, batch=batch, no_bias=no_bias, **options)
    if any(not isinstance(d, int) for d in s.input_shape):
        raise ConfigError(f"verify needs a numeric input, received {format_shape(s.input_shape)}", "--verify")
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    device = _device(device)
    module = _build_empty(s.all_rows, s.model, no_bias, device, s.network)

    leaves = {r.path: r for r in s.all_rows if r.leaf}
    seen = {}
    handles = []
    for name, sub in module.named_modules():
        if name in leaves:
            def hook(_module, _inputs, output, name=name):
                seen.setdefault(name, tuple(output.shape))
            handles.append(sub.register_forward_hook(hook))

    x = torch.zeros((batch,) + torch_shape(s.input_shape), device=device)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        module(x)
    for h in handles:
        h.remove()
    counts = counter.get_flop_counts()
    prefix = type(module).__name__ + "."
    heads = [r.path for r in s.all_rows if not r.leaf and r.kind == "sidehead"]
    outermost = [p for p in heads if not any(p.startswith(q + ".") for q in heads)]
    # FlopCounterMode also tallies per module, named "<root class>.<path>"
    torch_side = sum(sum(counts.get(prefix + p, {}).values()) for p in outermost)

    rows = []
    for r in s.rows:
        sub = _submodule(module, r.path)
        params = list(sub.parameters())
        buffers = [b for n, b in sub.named_buffers() if not n.endswith("num_batches_tracked")]
        measured = seen.get(r.path)
        if measured is not None:
            ok_batch = measured[0] == batch
            measured = shape_from_torch(measured) if ok_batch else tuple(measured)
        rows.append(VerifyRow(
            path=r.path, kind=r.kind, detail=r.detail, side_head=r.side_head,
            shape=tuple(r.output_shape), torch_shape=measured,
            params=r.params, torch_params=sum(p.numel() for p in params),
            trainable=r.trainable_params, torch_trainable=sum(p.numel() for p in params if p.requires_grad),
            buffers=r.buffers, torch_buffers=sum(b.numel() for b in buffers),
            # FLOPs = 2 · MACs, against what FlopCounterMode tallied inside this layer's module
            flops=r.flops, torch_flops=sum(counts.get(prefix + r.path, {}).values()),
        ))
    main = [r for r in s.rows if not r.side_head]
    side = [r for r in s.rows if r.side_head]
    all_params = list(module.parameters())
    totals = {
        "params": sum(r.params for r in s.rows),
        "trainable_params": sum(r.trainable_params for r in s.rows),
        "torch_params": sum(p.numel() for p in all_params),
        "torch_trainable_params": sum(p.numel() for p in all_params if p.requires_grad),
        # FLOPs = 2 · MACs, the main path; side heads apart
        "flops": sum(r.flops for r in main),
        "torch_flops": counter.get_total_flops() - torch_side,
        "side_head_flops": sum(r.flops for r in side),
        "torch_side_head_flops": torch_side,
        "torch_version": torch.__version__,
    }
    return VerifyReport(s.model, s.input_shape, batch, device, rows, totals)


# ---------------------------------------------------------------------------------------------------------
# the counting tools, run for real (for the convention presets)

TOOLS = ("fvcore", "ptflops", "torchinfo", "flopcounter")


def tool_counts(model, input=None, tools=TOOLS, **options):
    """What fvcore, ptflops, torchinfo and ``FlopCounterMode`` report for the :func:`to_torch` module of
    ``model`` at batch 1 on CPU (eval mode, zero weights): ``{"fvcore": int, ...}``. The tools must be
    installed; the presets ``convention="fvcore"`` etc. reproduce these numbers statically."""
    from .report import summary

    s = summary(model, input, **options)

    shape = torch_shape(s.input_shape)
    out = {}
    for tool in tools:
        if tool not in TOOLS:
            raise ConfigError(f"unknown tool {tool!r}; expected one of: {', '.join(TOOLS)}", "tools")
        out[tool] = run_tool(tool, _build_empty(s.all_rows, s.model, False, "cpu", s.network), shape, s.model)
    return out


def run_tool(tool, module, shape, what="the module"):
    """What ``tool`` (one of :data:`TOOLS`) reports for ``module`` — any ``torch.nn.Module``, shapecalc's
    realisation or torchvision's own — on a batch of one zeros input of ``shape`` (C, H, W, or the sizes
    after the batch), under ``torch.no_grad()`` as an inference measurement, the tool's printing silenced."""
    import contextlib
    import io
    import warnings

    import torch

    x = torch.zeros((1,) + tuple(shape))
    quiet = io.StringIO()
    with torch.no_grad(), warnings.catch_warnings(), contextlib.redirect_stdout(quiet), \
            contextlib.redirect_stderr(quiet):
        warnings.simplefilter("ignore")
        if tool == "fvcore":
            from fvcore.nn import FlopCountAnalysis

            analysis = FlopCountAnalysis(module, x)
            analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
            value = analysis.total()
        elif tool == "ptflops":
            from ptflops import get_model_complexity_info

            value, _ = get_model_complexity_info(module, tuple(shape), print_per_layer_stat=False,
                                                 as_strings=False, backend="pytorch")
        elif tool == "torchinfo":
            import torchinfo

            value = torchinfo.summary(module, input_data=x, verbose=0).total_mult_adds
        elif tool == "flopcounter":
            from torch.utils.flop_counter import FlopCounterMode

            counter = FlopCounterMode(display=False)
            with counter:
                module(x)
            value = counter.get_total_flops()
        else:
            raise ConfigError(f"unknown tool {tool!r}; expected one of: {', '.join(TOOLS)}", "tools")
    if value is None:
        raise RuntimeError(f"{tool} failed on {what}: {quiet.getvalue().strip()[-500:]}")
    return int(value)
