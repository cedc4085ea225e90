"""The PyTorch modules of shapecalc's realisations (:mod:`shapecalc.torch`): the containers of composites,
and the modules of the layer kinds that torch.nn has no class for. A kind's ``to_torch(x, no_bias, T)``
receives this module as ``T``: ``T.nn.Conv2d``, ``T.Padded``, ``T.padded_conv(...)``.

Importing it imports torch; :mod:`shapecalc.torch` imports it on first use only.
"""

import math

import torch
import torch.nn.functional as Fn
from torch import nn


def pad_arg(pads):
    """PyTorch's pad order, (left, right, top, bottom), of ``((top, bottom), (left, right))``."""
    (top, bottom), (left, right) = pads
    return (left, right, top, bottom)


def _symmetric(pads):
    return all(before == after for before, after in pads)


class SideHeadState:
    """Shared between the root and its side heads: whether they run, and what they returned."""

    def __init__(self):
        self.run = True
        self.outputs = []

class Block(nn.Module):
    """A composite: its children in ``_modules`` under their row names, run as the plan routes them
    (``program``: ``(name, output, inputs)`` per child, keys of the plan's steps; ``key``: the step whose
    output is the block's input, ``result`` the step whose output it returns). A side head (``side``: the
    shared :class:`SideHeadState`) keeps its output for the root and returns its input."""

    def __init__(self, kind, path, key, side=None):
        super().__init__()
        self.kind = kind
        self.path = path
        self.key = key
        self.result = key
        self.program = []
        self._side = side

    def put(self, name, module, output, inputs):
        # straight into _modules: a row name may shadow a Module attribute ("train", "type", ...)
        self._modules[name] = module
        self.program.append((name, output, inputs))

    def forward(self, x):
        if self._side is not None and not self._side.run:
            return x
        values = {self.key: x}
        modules = self._modules
        for name, output, inputs in self.program:
            values[output] = modules[name](*[values[j] for j in inputs])
        y = values[self.result]
        if self._side is not None:
            self._side.outputs.append(y)
            return x
        return y

    def extra_repr(self):
        return self.kind


class Network(Block):
    """The whole network. Returns the main output, followed by the side heads' outputs if any ran."""

    def __init__(self, title, path, state):
        super().__init__("network", path, -1)
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


class Pad(nn.Module):
    """Constant padding ``((before, after), …)`` per spatial axis, in shapecalc's axis order."""

    def __init__(self, pads, value):
        super().__init__()
        self.arg = tuple(p for before_after in reversed(pads) for p in before_after)
        self.value = value

    def forward(self, x):
        return Fn.pad(x, self.arg, value=self.value)


class ChannelsFirst(nn.Module):
    """A PyTorch 1-D layer on shapecalc's layout of a sequence, (batch, L, C): PyTorch's takes (batch, C, L)."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x):
        return self.layer(x.transpose(1, 2)).transpose(1, 2)


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

    def __init__(self, keepdims, axes=2):
        super().__init__()
        self.keepdims = keepdims
        self.dims = list(range(2, 2 + axes))

    def forward(self, x):
        return x.mean(self.dims, keepdim=self.keepdims)

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
    return Padded(nn.ZeroPad2d(pad_arg(pads)), conv)
