"""An ONNX model read as shapecalc's layers: ``shapecalc model.onnx``, :func:`read_onnx`.

The file is read with the ``onnx`` package (an optional extra, imported only here: ``pip install onnx``; no
runtime is needed — nothing is computed on tensors). Its weights are never loaded: the graph, the attributes
of each node and the *sizes* of the initializers are all that is read, so that weights kept as external data
are not even opened.

Three passes:

1. every tensor's size, by shapecalc's own rules for each ONNX operator (so that symbolic sizes, a
   ``dim_param`` such as ``height``, follow through as formulas); the small constant tensors of the graph
   — sizes read off a tensor (``Shape``, ``Gather``, ``Unsqueeze``, ``Concat`` …), constants, what is
   computed from them — are evaluated, so that a ``Reshape`` knows its target;
2. every node that computes on the input's data becomes a shapecalc layer: one ONNX operator, or a few that
   together are one layer (``MatMul`` + ``Add`` of a bias, ``x · Sigmoid(x)``, ``Reshape`` + ``Transpose``
   chains, a padded strided slicing concatenated over the channels), or a whole module scope of the exporter
   that holds an attention (a ``Softmax`` between two products of activations: PyTorch's multi-head
   attention, Swin's window attentions, MaxViT's relative attention), judged by the sizes of its initializers;
3. the layers become :class:`~shapecalc.layers.Network` blocks (:mod:`shapecalc.graph`), named by the module
   paths the exporter wrote into the node names (``/layer1/layer1.0/conv1/Conv`` → ``layer1.0.conv1``).

A layer's parameters are the values the file holds for it: every layer's count (its kind's formula) is
checked against the sizes of the initializers that feed it, and a layer that the sizes do not fit becomes an
:class:`~shapecalc.layers.Unsupported` row that holds what the file holds. Whatever no rule describes (an
operator, a pattern) is such a row too, named by its ONNX operator: *named, never counted as zero*.
"""

import math
import pathlib

from . import formulas as F
from . import layers as L
from .errors import ConfigError, ShapecalcError

__all__ = ["read_onnx", "onnx_graph", "MAX_BYTES"]

#: the largest .onnx file read (protobuf's own limit on one message); weights kept as external data beside
#: it are never opened
MAX_BYTES = 2 ** 31 - 1

#: constant tensors are evaluated up to this many elements (sizes, indices, masks); larger ones keep their size
_VALUE_LIMIT = 1 << 16

_INT_TYPES = {2, 3, 4, 5, 6, 7, 12, 13}  # ONNX's integer element types
_BOOL = 9
_INT64_MAX = 2 ** 63 - 1

#: the operators that only move data: chains of them are judged by what they do to the axes
_MOVES = {"Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze"}

#: the operators that compute nothing on their input's values where they stand alone
_UNARY_SAME = {
    "Relu", "Sigmoid", "Tanh", "Gelu", "Erf", "Sqrt", "Exp", "Log", "Neg", "Abs", "Cast", "CastLike", "Identity",
    "Softmax", "LogSoftmax", "HardSwish", "HardSigmoid", "Clip", "LeakyRelu", "Elu", "Selu", "Celu", "Softplus",
    "Softsign", "Not", "Floor", "Ceil", "Round", "Sign", "Reciprocal", "LRN", "InstanceNormalization", "Mish",
    "Sin", "Cos", "IsNaN", "IsInf", "ScatterND", "ScatterElements", "CumSum", "Trilu", "ThresholdedRelu",
    "Shrink", "PRelu", "GroupNormalization", "MeanVarianceNormalization", "LpNormalization", "Hardmax",
    "Dropout", "BatchNormalization", "LayerNormalization", "Swish", "BitwiseNot",
}
_BINARY = {"Add", "Sub", "Mul", "Div", "Pow", "Mod", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
           "And", "Or", "Xor", "Max", "Min", "Sum", "Mean", "BitShift", "BitwiseAnd", "BitwiseOr"}

# which inputs of an operator carry data (the others are sizes, axes, indices of a slice …): only these bring
# the initializers they read into a layer's parameters
_DATA_INPUTS = {
    "Reshape": (0,), "Expand": (0,), "Slice": (0,), "Pad": (0,), "Unsqueeze": (0,), "Squeeze": (0,),
    "Tile": (0,), "Resize": (0,), "Upsample": (0,), "Clip": (0,), "Split": (0,), "ConstantOfShape": (),
    "Range": (), "TopK": (0,), "Dropout": (0,), "LRN": (0,), "ReduceMean": (0,), "ReduceSum": (0,),
    "ReduceMax": (0,), "ReduceMin": (0,), "ReduceProd": (0,), "ReduceL1": (0,), "ReduceL2": (0,),
    "ReduceSumSquare": (0,), "ReduceLogSumExp": (0,), "Shape": (), "Size": (), "CumSum": (0,),
}


# ---------------------------------------------------------------------------------------------------------
# sizes: ints, or sympy expressions of the input's named sizes


def _is_sym(v):
    return hasattr(v, "free_symbols")


def _plain(v):
    """A sympy integer as an int; anything else as it is."""
    if _is_sym(v) and getattr(v, "is_Integer", False):
        return int(v)
    if type(v).__module__ == "numpy":
        import numpy

        if isinstance(v, numpy.integer):
            return int(v)
        if isinstance(v, numpy.floating):
            return float(v)
        if isinstance(v, numpy.bool_):
            return bool(v)
    return v


def _same(a, b):
    if a is None or b is None:
        return False
    if not _is_sym(a) and not _is_sym(b):
        return a == b
    import sympy

    return sympy.simplify(a - b) == 0


def _is1(v):
    return not _is_sym(v) and v == 1 or (_is_sym(v) and getattr(v, "is_Integer", False) and int(v) == 1)


def _prod(values):
    out = 1
    for v in values:
        out = out * v
    return _plain(out)


def _quotient(a, b):
    """``a / b`` where it is whole (ints, or a sympy quotient without a denominator left), else None."""
    if not _is_sym(a) and not _is_sym(b):
        if b == 0 or a % b:
            return None
        return a // b
    import sympy

    q = sympy.cancel(sympy.sympify(a) / b)
    if q.is_Integer or sympy.fraction(q)[1] == 1:
        return _plain(q)
    return None


def _isqrt(v):
    if isinstance(v, int) and v >= 0:
        r = math.isqrt(v)
        return r if r * r == v else None
    return None


# ---------------------------------------------------------------------------------------------------------
# tensors and rows


class _T:
    """One tensor of the graph: its sizes (``dims``, batch first as ONNX writes them, None where unknown), its
    value where it is a small constant, whether it depends on the input's data (``act``), the initializers it
    derives from (``inits``), and, for the activations, the row that computes it and its layout."""

    __slots__ = ("name", "dims", "value", "dtype", "act", "inits", "row", "layout")

    def __init__(self, name, dims=None, value=None, dtype=None, act=False, inits=frozenset()):
        self.name, self.dims, self.value, self.dtype = name, dims, value, dtype
        self.act, self.inits = act, inits
        self.row = None
        self.layout = None

    @property
    def sc(self):
        """shapecalc's shape of this tensor in its layout."""
        return _sc(self.dims, self.layout)

    def __repr__(self):
        return f"_T({self.name!r}, {self.dims}, act={self.act}, layout={self.layout})"


#: layouts of an activation, ONNX's axes read as shapecalc's: "nchw" a map N×C×H×W, "nhwc" a map N×H×W×C,
#: "gnc" the groups of a partition N×G×N×C (read as a map), "bnd" tokens N×T×D, "bn" a vector N×F
_LABELS = {"nchw": (None, 2, 0, 1), "nhwc": (None, 0, 1, 2), "gnc": (None, 0, 1, 2), "bnd": (None, 0, 1),
           "bn": (None, 0)}
_CHANNEL_AXIS = {"nchw": 1, "nhwc": 3, "gnc": 3, "bnd": 2, "bn": 1}


def _sc(dims, layout):
    if dims is None or layout is None or len(dims) != len(_LABELS[layout]):
        return None
    if layout == "nchw":
        return (_plain(dims[2]), _plain(dims[3]), _plain(dims[1]))
    return tuple(_plain(d) for d in dims[1:])


def _guess_layout(dims, like=None):
    if dims is None:
        return None
    rank = len(dims)
    if rank == 4:
        return like if like in ("nchw", "nhwc", "gnc") else "nchw"
    return {3: "bnd", 2: "bn"}.get(rank)


class _Row:
    """One layer: what computes it, what it reads (rows), where it is in the module tree."""

    __slots__ = ("layer", "inputs", "scope", "label", "tensor", "name", "index")

    def __init__(self, layer, inputs, scope, label, tensor):
        self.layer, self.inputs, self.scope, self.label, self.tensor = layer, list(inputs), scope, label, tensor
        self.name = None
        self.index = None


def _scope_of(node_name):
    """``/layer1/layer1.0/conv1/Conv`` → (``layer1.0.conv1``, ``conv``): the module path written by
    PyTorch's exporter (a part that extends the one before it, ``layer1`` → ``layer1.0``, replaces it) and the
    operator's own name; a name without slashes is all label."""
    parts = [p for p in str(node_name).split("/") if p]
    if not parts:
        return "", ""
    path = []
    for p in parts[:-1]:
        p = _clean(p)
        if not p:
            continue
        if path and p.startswith(path[-1] + "."):
            path[-1] = p
        else:
            path.append(p)
    return ".".join(path), _clean(parts[-1]).replace(".", "_").lower()


def _clean(text):
    out = "".join(c if c.isalnum() or c in "_." else "_" for c in text)
    out = ".".join(part for part in out.split(".") if part)
    return out


# ---------------------------------------------------------------------------------------------------------
# reading the file


#: TensorProto.DataType → (numpy dtype name, the typed field holding the values when there is no raw_data)
_DTYPES = {1: ("float32", "float_data"), 2: ("uint8", "int32_data"), 3: ("int8", "int32_data"),
           4: ("uint16", "int32_data"), 5: ("int16", "int32_data"), 6: ("int32", "int32_data"),
           7: ("int64", "int64_data"), 9: ("bool", "int32_data"), 11: ("float64", "double_data"),
           12: ("uint32", "uint64_data"), 13: ("uint64", "uint64_data")}


def _to_array(proto):
    """A tensor's values as a numpy array, for the common element types (onnx.numpy_helper.to_array, which
    imports the whole onnx package, for the others)."""
    import numpy as np

    known = _DTYPES.get(proto.data_type)
    if known is None or proto.data_location == 1:
        from onnx import numpy_helper

        return numpy_helper.to_array(proto)
    dtype, field = known
    shape = tuple(proto.dims)
    if proto.raw_data:
        return np.frombuffer(proto.raw_data, dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype).reshape(shape)
    return np.asarray(list(getattr(proto, field)), dtype=dtype).reshape(shape)


def _model_proto():
    """The onnx package's ModelProto class. Importing the whole package costs about a second (it imports
    numpy, its helpers, its reference checkers); reading a file needs only the protobuf classes, so where
    the package is not imported yet its generated module ``onnx.onnx_ml_pb2`` is loaded alone, under its
    own name (a later ``import onnx`` then finds it, and registers nothing twice)."""
    import importlib.util
    import sys

    if "onnx" in sys.modules and sys.modules["onnx"] is None:
        # (an import of onnx blocked, as Python marks it)
        raise ConfigError("reading an ONNX model needs the onnx package: pip install onnx", "onnx")
    if sys.modules.get("onnx") is not None:
        return sys.modules["onnx"].ModelProto
    module = sys.modules.get("onnx.onnx_ml_pb2")
    if module is None:
        try:
            spec = importlib.util.find_spec("onnx")  # (a top-level name: found, not imported)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            raise ConfigError("reading an ONNX model needs the onnx package: pip install onnx", "onnx")
        path = pathlib.Path(list(spec.submodule_search_locations)[0]) / "onnx_ml_pb2.py"
        try:
            generated = importlib.util.spec_from_file_location("onnx.onnx_ml_pb2", path)
            module = importlib.util.module_from_spec(generated)
            sys.modules["onnx.onnx_ml_pb2"] = module
            generated.loader.exec_module(module)
        except Exception:  # another layout of the package: the package itself
            sys.modules.pop("onnx.onnx_ml_pb2", None)
            import onnx

            return onnx.ModelProto
    return module.ModelProto


def _load(path, max_bytes):
    model_proto = _model_proto()
    p = pathlib.Path(path)
    if not p.is_file():
        raise ConfigError(f"no ONNX file {str(path)!r}", "onnx")
    size = p.stat().st_size
    if size > max_bytes:
        raise ConfigError(f"{p.name} is {size:,} bytes, over the limit of {max_bytes:,} bytes for an ONNX file "
                          "(save its weights as external data: onnx.save_model(model, path, "
                          "save_as_external_data=True); only the graph is read)", "onnx")
    try:
        # (onnx.load with load_external_data=False: the file's bytes parsed, external weights not opened)
        model = model_proto()
        model.ParseFromString(p.read_bytes())
    except Exception as e:  # DecodeError, or whatever the protobuf runtime raises on garbage
        raise ConfigError(f"{p.name} is not a readable ONNX model: {type(e).__name__}: {_clip(e)}", "onnx") from None
    if not model.HasField("graph") or not model.graph.node:
        raise ConfigError(f"{p.name} is not a readable ONNX model: it holds no graph", "onnx")
    return model


def _clip(text, n=160):
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def read_onnx(path, input_shape=None, max_bytes=MAX_BYTES):
    """The :class:`~shapecalc.layers.Network` of the ONNX model at ``path``.

    ``input_shape``: (H, W, C) where the file's input sizes are unknown or to be replaced (names such as
    ``"H"`` are symbols); by default the graph input's sizes, a ``dim_param`` (``height``) read as a symbol and
    the batch dimension dropped. The network's ``onnx_tensors`` lists ``(layer, ONNX tensor, layout)`` for the
    layers whose output is one tensor of the file."""
    from .graph import Node, to_network

    model = _load(path, max_bytes)
    reader = _Reader(model, pathlib.Path(path).name, pathlib.Path(path).parent, input_shape)
    reader.run()
    nodes = [Node("input", None, ())]
    for row in reader.rows[1:]:
        nodes.append(Node(row.name, row.layer, tuple(reader.rows[i].name for i in row.inputs)))
    out = reader.output_row
    title = pathlib.Path(path).stem
    network = to_network(nodes, title, reader.input_sc, output=reader.rows[out].name,
                         source=f"imported from the ONNX file {pathlib.Path(path).name}",
                         description=reader.description())
    network.notes = tuple(network.notes) + tuple(reader.notes)
    # each layer with the ONNX tensor it computes and that tensor's layout ("nchw", "nhwc", "gnc" (a
    # partition's groups), "bnd" (tokens), "bn" (a vector)): what the tests compare with onnx's shape inference
    network.onnx_tensors = [(r.layer, r.tensor, reader.t[r.tensor].layout) for r in reader.rows[1:] if r.tensor]
    return network


def onnx_graph(path, input_shape=None, max_bytes=MAX_BYTES):
    """The layer graph of the ONNX model at ``path`` before it becomes blocks: a list of
    ``(name, layer, input names, ONNX tensor)`` (the input first, its layer None), the input's shape
    (H, W, C) and the notes."""
    model = _load(path, max_bytes)
    reader = _Reader(model, pathlib.Path(path).name, pathlib.Path(path).parent, input_shape)
    reader.run()
    rows = [(r.name, r.layer, tuple(reader.rows[i].name for i in r.inputs), r.tensor) for r in reader.rows]
    return rows, reader.input_sc, list(reader.notes)


# ---------------------------------------------------------------------------------------------------------
# the reader


class _Unsupported(Exception):
    """(internal) a node or pattern no rule describes: the reason becomes the row's name for it."""


class _Reader:
    def __init__(self, model, filename, base_dir, input_shape):
        self.model = model
        self.graph = model.graph
        self.filename = filename
        self.base_dir = base_dir
        self.given_input = input_shape
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
        self.t = {}  # tensor name → _T
        self.numel = {}  # initializer name → element count
        self.init_protos = {}
        self.rows = []
        self.notes = []
        self.consumed = set()  # node indices already part of a row
        self.symbols = {}
        self.cats = []  # (row ids read by a channel concatenation, its row id): DenseNet's growing lists

    # -- pass 0: initializers, the input, the structure --
    def run(self):
        g = self.graph
        for init in g.initializer:
            dims = [int(d) for d in init.dims]
            self.numel[init.name] = _prod(dims)
            self.init_protos[init.name] = init
            self.t[init.name] = _T(init.name, dims, None, init.data_type, False, frozenset([init.name]))
        for sparse in getattr(g, "sparse_initializer", ()):
            name = sparse.values.name
            dims = [int(d) for d in sparse.dims]
            self.numel[name] = _prod(int(d) for d in sparse.values.dims)
            self.t[name] = _T(name, dims, None, sparse.values.data_type, False, frozenset([name]))
        inputs = [i for i in g.input if i.name not in self.t]
        if not inputs:
            raise ConfigError(f"{self.filename} has no input that is not a weight", "onnx")
        if len(inputs) > 1:
            raise ConfigError(f"{self.filename} has {len(inputs)} inputs ({', '.join(i.name for i in inputs)}): "
                              "shapecalc analyses a network of one input", "onnx")
        self._input(inputs[0])
        self.nodes = list(g.node)
        self.consumers = {}
        for i, node in enumerate(self.nodes):
            for name in node.input:
                if name:
                    self.consumers.setdefault(name, []).append(i)
        self.graph_outputs = [o.name for o in g.output]
        # pass 1: sizes and constants
        for node in self.nodes:
            self._propagate(node)
        # the scopes that hold an attention
        self.regions = self._regions()
        # pass 2: layers
        for i, node in enumerate(self.nodes):
            if i in self.consumed:
                continue
            region = self.region_of.get(i)
            if region is not None:
                if i == region["emit_at"]:
                    self._emit_region(region)
                continue
            if not any(self.t[n].act for n in node.input if n):
                continue
            try:
                self._map(i, node)
            except _Unsupported as e:
                self._unsupported(node, str(e))
            except ShapecalcError as e:
                self._unsupported(node, f"{node.op_type}: {e.detail}")
            except Exception as e:  # a graph this reader did not foresee: the node named, never dropped
                self._unsupported(node, f"{node.op_type} ({type(e).__name__}: {_clip(e, 60)})")
        out_name = next((o for o in self.graph_outputs if o in self.t and self.t[o].act), None)
        if out_name is None:
            raise ConfigError(f"{self.filename}: no output of the graph is computed from its input", "onnx")
        out = self._materialised(self.t[out_name])
        self.output_row = out.row
        others = [o for o in self.graph_outputs if o != out_name and o in self.t and self.t[o].act]
        if others:
            self.notes.append(f"ONNX outputs other than {out_name} are not analysed: {', '.join(others)}")
        self._nest_concats()
        self._name_rows()
        self._dropped()

    def description(self):
        producer = " ".join(p for p in (self.model.producer_name, self.model.producer_version) if p)
        return f"ONNX model {self.filename} (opset {self.opset}" + (f", {producer})" if producer else ")")

    def _input(self, value_info):
        ttype = value_info.type.tensor_type
        dims = []
        for d in ttype.shape.dim:
            if d.HasField("dim_value") and d.dim_value > 0:
                dims.append(int(d.dim_value))
            elif d.HasField("dim_param") and d.dim_param:
                dims.append(d.dim_param)
            else:
                dims.append(None)
        rank = len(dims)
        if self.given_input is not None:
            shape = tuple(self.given_input)
            if len(shape) == 3:
                dims = [1, shape[2], shape[0], shape[1]] if rank != 4 or not self._channels_last(dims) else \
                    [1, shape[0], shape[1], shape[2]]
            elif len(shape) == 1:
                dims = [1, shape[0]]
            else:
                raise ConfigError(f"input must be (H, W, C) or (N,), received {shape!r}", "input")
            rank = len(dims)
        if rank not in (2, 4):
            raise ConfigError(f"{self.filename}'s input {value_info.name} has {rank} dimensions "
                              f"({', '.join(str(d) for d in dims)}): shapecalc reads images N×C×H×W (or N×H×W×C) "
                              "and vectors N×F", "onnx")
        dims[0] = 1  # the batch: shapecalc's figures are per sample
        for k, d in enumerate(dims):
            if d is None:
                raise ConfigError(f"{self.filename}'s input {value_info.name} has no size along axis {k}: give the "
                                  "input's size (--input HxWxC)", "onnx")
            if isinstance(d, str):
                dims[k] = self._symbol(d)
        layout = "bn" if rank == 2 else ("nhwc" if self._channels_last(dims) else "nchw")
        t = _T(value_info.name, dims, None, ttype.elem_type, True)
        t.layout = layout
        t.row = 0
        self.t[value_info.name] = t
        self.input_name = value_info.name
        sc = _sc(dims, layout)
        self.input_sc = tuple(str(d) if _is_sym(d) and d.is_Symbol else d for d in sc)
        self.rows.append(_Row(None, [], "", "input", value_info.name))

    @staticmethod
    def _channels_last(dims):
        """An N×H×W×C image: 1, 3 or 4 channels last, and not at axis 1."""
        def few(d):
            return isinstance(d, int) and d in (1, 3, 4)
        return len(dims) == 4 and few(dims[3]) and not few(dims[1])

    def _symbol(self, name):
        import sympy

        text = _clean(name).replace(".", "_") or "S"
        if text[0].isdigit():
            text = "S" + text
        if text not in self.symbols:
            self.symbols[text] = sympy.Symbol(text, integer=True, positive=True)
        return self.symbols[text]

    # -- values of constants --
    def value(self, t):
        """The value of constant tensor ``t`` as a numpy array, where it is small enough (None otherwise)."""
        if t is None:
            return None
        if t.value is None and t.name in self.init_protos and self.numel[t.name] <= _VALUE_LIMIT:
            t.value = self._init_value(self.init_protos[t.name])
        return t.value

    def _init_value(self, proto):
        try:
            if proto.data_location == 1:  # external data
                from onnx.external_data_helper import load_external_data_for_tensor

                load_external_data_for_tensor(proto, str(self.base_dir))
            return _to_array(proto)
        except Exception:
            return None

    # -- pass 1: one node's output sizes (and values, for constants) --
    def _propagate(self, node):
        op = node.op_type
        ins = []
        for n in node.input:
            if n and n not in self.t:
                # a tensor nothing produced (an outer scope's): its size unknown
                self.t[n] = _T(n)
            ins.append(self.t[n] if n else None)
        attrs = _attrs(node)
        act = op not in ("Shape", "Size") and any(t is not None and t.act for t in ins)
        try:
            dims = _dims(self, op, node, ins, attrs)
        except Exception:
            dims = None
        if dims is None:
            dims = [None] * len(node.output)
        data = _DATA_INPUTS.get(op)
        sources = [t for k, t in enumerate(ins) if t is not None and (data is None or k in data)]
        inits = frozenset().union(*(t.inits for t in sources)) if sources and not act else frozenset()
        values = [None] * len(node.output)
        if not act:
            try:
                values = _values(self, op, node, ins, attrs, dims)
            except Exception:
                values = None
            if values is None:
                values = [None] * len(node.output)
        if op == "Identity" and not act and inits:
            # PyTorch's exporter keeps one of several equal weights and names the others through Identity
            # nodes: each name is a weight of its own (a BatchNorm's variance of ones, another's scale)
            self.numel[node.output[0]] = sum(self.numel[n] for n in inits)
            inits = frozenset([node.output[0]])
        for k, name in enumerate(node.output):
            if not name:
                continue
            d = dims[k] if k < len(dims) else None
            v = values[k] if k < len(values) else None
            if v is not None and d is None:
                d = [int(s) for s in v.shape]
            dtype = _out_dtype(op, ins, attrs, v)
            self.t[name] = _T(name, None if d is None else [_plain(x) for x in d], v, dtype, act, inits)

    # -- attention scopes --
    def _regions(self):
        """The module scopes of the exporter that hold an attention: a Softmax in a scope where two
        activations are multiplied (MatMul, Einsum), the scope reading one activation and giving one."""
        self.region_of = {}
        scopes = {}
        for i, node in enumerate(self.nodes):
            if node.op_type == "Softmax" and any(self.t[n].act for n in node.input if n):
                raw = str(node.name).rsplit("/", 1)[0]
                if raw and raw != str(node.name):
                    scopes.setdefault(raw, i)
        regions = []
        for raw, softmax in scopes.items():
            members = [i for i, node in enumerate(self.nodes)
                       if (str(node.name).startswith(raw + "/")) and any(self.t[n].act for n in node.input if n)
                       and i not in self.region_of]
            products = [i for i in members if self.nodes[i].op_type in ("MatMul", "Einsum")
                        and sum(1 for n in self.nodes[i].input if n and self.t[n].act) >= 2]
            if len(products) < 2:
                continue
            inside = set()
            for i in members:
                inside.update(n for n in self.nodes[i].output if n)
            reads = []
            for i in members:
                for n in self.nodes[i].input:
                    if n and self.t[n].act and n not in inside and n not in reads:
                        reads.append(n)
            gives = []
            for i in members:
                for n in self.nodes[i].output:
                    if n and self.t[n].act and (n in self.graph_outputs or
                                                any(c not in members for c in self.consumers.get(n, ()))):
                        gives.append(n)
            if len(reads) != 1 or len(gives) != 1:
                continue
            producer = next(i for i in members if gives[0] in self.nodes[i].output)
            region = {"scope": raw, "members": members, "softmax": softmax, "x": reads[0], "y": gives[0],
                      "emit_at": producer}
            for i in members:
                self.region_of[i] = region
            regions.append(region)
        return regions

    # -- rows --
    def _materialised(self, t):
        if t.row is None:
            raise ConfigError(f"{self.filename}: tensor {t.name} is computed by nothing shapecalc read", "onnx")
        return t

    def _add(self, layer, ins, out, node, label=None, layout=None, inits=(), extra_nodes=(), scope=None,
             check=True):
        """A row of ``layer`` reading activations ``ins``, computing ``out`` (an ONNX tensor, its sizes known);
        ``inits``: the initializers its parameters are."""
        ins = [self._materialised(t) for t in ins]
        out.layout = layout or (ins[0].layout if ins else None)
        x = ins[0].sc if ins else None
        y = out.sc
        if check:
            layer = self._checked(layer, node, ins, x, y, inits)
        node_scope, node_label = _scope_of(node.name) if node.name else ("", "")
        row = _Row(layer, [t.row for t in ins], node_scope if scope is None else scope,
                   label or node_label or node.op_type.lower(), out.name)
        self.rows.append(row)
        out.row = len(self.rows) - 1
        return out.row

    def _checked(self, layer, node, ins, x, y, inits):
        """``layer`` if its rule gives the sizes ONNX's gave and its counts are the initializers' sizes, else an
        Unsupported row that says which, holding what the file holds."""
        held = sum(self.numel[i] for i in set(inits))
        if getattr(layer, "uncounted", False):
            return layer
        if x is None or y is None:
            return L.Unsupported(f"{node.op_type} (sizes unknown)", y, held, at=x)
        from .analysis import NumericContext

        numeric = all(isinstance(d, int) for d in tuple(x) + tuple(y))
        try:
            if layer.merges:
                shapes = [t.sc for t in ins]
                got = tuple(layer.merge(shapes, NumericContext(), "")) if numeric else y
            else:
                got = tuple(layer.infer(x, NumericContext(), "")) if numeric else y
                if layer.passes:
                    got = tuple(x)
        except ShapecalcError as e:
            return L.Unsupported(f"{node.op_type}: {e.detail}", y, held, at=x)
        except Exception as e:
            return L.Unsupported(f"{node.op_type} ({type(e).__name__}: {_clip(e, 60)})", y, held, at=x)
        if numeric and tuple(got) != tuple(y):
            return L.Unsupported(f"{node.op_type}: shapecalc's {layer.kind} gives {_fmt(got)}, ONNX {_fmt(y)}", y,
                                 held, at=x)
        if layer.merges:
            if held:
                return L.Unsupported(f"{node.op_type} with a weight", y, held, at=x)
            return layer
        try:
            w, b, buf, _, _ = layer.counts(tuple(x), tuple(y))
        except Exception as e:
            return L.Unsupported(f"{node.op_type}: {type(e).__name__}", y, held, at=x)
        if not _same(_plain(w + b + buf), held):
            return L.Unsupported(f"{node.op_type}: the file holds {held:,} values for it, shapecalc's {layer.kind} "
                                 f"{_plain(w + b + buf):,}", y, held, at=x)
        return layer

    def _unsupported(self, node, what, out=None, ins=None):
        """An Unsupported row for ``node``: named by its operator (and ``what``), holding the initializers it
        reads, its output's sizes where they are known."""
        acts = ins if ins is not None else [self.t[n] for n in node.input if n and self.t[n].act]
        acts = [t for t in acts if t.row is not None][:1]
        inits = set()
        for n in node.input:
            if n and not self.t[n].act:
                inits |= self.t[n].inits
        held = sum(self.numel[i] for i in inits)
        outs = [out] if out is not None else [self.t[n] for n in node.output if n]
        for k, o in enumerate(outs):
            o.layout = _guess_layout(o.dims, acts[0].layout if acts else None)
            label = what if what and what != node.op_type else node.op_type
            layer = L.Unsupported(label, o.sc, held if k == 0 else 0, at=acts[0].sc if acts else None)
            self._add(layer, acts, o, node, layout=o.layout, check=False)

    def _nest_concats(self):
        """A concatenation of branches some of which fork from one branch of their own (an exporter flattens
        Inception v3's cat(a, cat(b1, b2), …)): those inputs concatenated first, so that the graph is a nest of
        blocks again."""
        readers = {}
        for k, r in enumerate(self.rows):
            for i in r.inputs:
                readers.setdefault(i, set()).add(k)

        def root(k):
            while True:
                r = self.rows[k]
                if len(r.inputs) != 1 or len(readers.get(r.inputs[0], ())) > 1:
                    return r.inputs[0] if len(r.inputs) == 1 else k
                k = r.inputs[0]

        extra = []  # (position, row)
        for k, r in enumerate(self.rows):
            if r.layer is None or r.layer.kind != "concat" or len(r.inputs) < 3:
                continue
            roots = [root(i) for i in r.inputs]
            if len(set(roots)) == 1:
                continue
            inputs, j = [], 0
            while j < len(roots):
                n = j
                while n + 1 < len(roots) and roots[n + 1] == roots[j]:
                    n += 1
                if n > j and roots.count(roots[j]) == n - j + 1:
                    inner = _Row(L.Concat(), r.inputs[j:n + 1], r.scope, "concat", None)
                    extra.append((k, inner))
                    inputs.append(("new", inner))
                else:
                    inputs.extend(r.inputs[j:n + 1])
                j = n + 1
            r.inputs = inputs
        if not extra:
            return
        order = [(float(k), r) for k, r in enumerate(self.rows)] + [(k - 0.5, r) for k, r in extra]
        order.sort(key=lambda e: e[0])
        new_index = {id(r): n for n, (_, r) in enumerate(order)}
        old = list(self.rows)
        self.rows = [r for _, r in order]
        for r in self.rows:
            r.inputs = [new_index[id(i[1])] if isinstance(i, tuple) else new_index[id(old[i])] for i in r.inputs]
        self.output_row = new_index[id(old[self.output_row])]

    def _name_rows(self):
        """Each row's dotted name: its module path where it is that path's only row, else the path and the
        operator's name; unique."""
        rows = self.rows[1:]
        by_scope = {}
        for r in rows:
            by_scope.setdefault(r.scope, []).append(r)
        parents = set()
        for r in rows:
            parts = r.scope.split(".") if r.scope else []
            for k in range(1, len(parts)):
                parents.add(".".join(parts[:k]))
        taken = {"input"}
        self.rows[0].name = "input"
        for r in rows:
            if r.scope and len(by_scope[r.scope]) == 1 and r.scope not in parents:
                name = r.scope
            else:
                name = f"{r.scope}.{r.label}" if r.scope else r.label
            name = ".".join(p if p else "_" for p in name.split("."))
            base, n = name, 2
            while name in taken or name in parents:
                name = f"{base}_{n}"
                n += 1
            taken.add(name)
            r.name = name

    def _dropped(self):
        """Rows that do not lead to the output: the graph builder leaves them out; their parameters are named."""
        needed = {self.output_row}
        for k in range(len(self.rows) - 1, -1, -1):
            if k in needed:
                needed.update(self.rows[k].inputs)
        lost = [r for k, r in enumerate(self.rows) if k not in needed and r.layer is not None]
        if lost:
            self.notes.append("not on the way to the output, left out: " + ", ".join(r.name for r in lost[:8])
                              + (f" and {len(lost) - 8} more" if len(lost) > 8 else ""))

    # -- pass 2: one node --
    def _map(self, i, node):
        op = node.op_type
        method = getattr(self, "_op_" + op, None)
        if method is None:
            raise _Unsupported(op)
        method(i, node, _attrs(node))

    def _ins(self, node):
        return [self.t[n] if n else None for n in node.input]

    def _out(self, node, k=0):
        return self.t[node.output[k]]

    def _single_consumer(self, t):
        """The one node that reads tensor ``t`` (index), or None (several, none, or a graph output)."""
        users = self.consumers.get(t.name, [])
        if len(users) != 1 or t.name in self.graph_outputs or users[0] in self.consumed:
            return None
        return users[0]

    def _const_inits(self, ts):
        out = set()
        for t in ts:
            if t is not None and not t.act:
                out |= t.inits
        return out

    # convolution and pooling
    def _window_args(self, node, attrs, x, kernel):
        strides = tuple(attrs.get("strides", [1, 1]))
        dilations = tuple(attrs.get("dilations", [1, 1]))
        pads = list(attrs.get("pads", [0, 0, 0, 0]))
        auto = attrs.get("auto_pad", "NOTSET")
        if len(kernel) != 2 or len(strides) != 2 or len(dilations) != 2 or len(pads) != 4:
            raise _Unsupported(f"{node.op_type} {len(kernel)}-D")
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            if auto == "SAME_LOWER" and any(
                    (s > 1 or F.effective_kernel(k, d) % 2 == 0) for k, s, d in zip(kernel, strides, dilations)):
                sizes = x.dims[2:4]
                if all(isinstance(v, int) for v in sizes):
                    # the larger half before: TensorFlow's "same" mirrored
                    sides = [F.same_padding(v, k, s, d)[::-1] for v, k, s, d in zip(sizes, kernel, strides, dilations)]
                    return strides, dilations, (tuple(sides[0]), tuple(sides[1]))
                self.notes.append(f"{node.name}: auto_pad SAME_LOWER at symbolic sizes is read as SAME_UPPER (the "
                                  "same sizes and counts; the receptive field may start one position off)")
            return strides, dilations, "same"
        if auto == "VALID":
            return strides, dilations, (0, 0)
        top, left, bottom, right = pads
        return strides, dilations, ((top, bottom), (left, right))

    def _op_Conv(self, i, node, a):
        x, w = self._ins(node)[:2]
        b = self._ins(node)[2] if len(node.input) > 2 and node.input[2] else None
        if x.layout != "nchw" or w is None or w.act or w.dims is None or len(w.dims) != 4 or (b is not None and b.act):
            raise _Unsupported("Conv" if w is None or w.dims is None or len(w.dims) == 4 else f"Conv {len(w.dims) - 2}-D")
        kernel = tuple(a.get("kernel_shape", w.dims[2:]))
        strides, dilations, padding = self._window_args(node, a, x, kernel)
        group = int(a.get("group", 1))
        filters, channels = w.dims[0], x.dims[1]
        bias = b is not None
        try:
            if group > 1 and group == channels:
                layer = L.DepthwiseConv2d(kernel, strides, padding, filters // channels, dilations, bias)
            else:
                layer = L.Conv2d(filters, kernel, stride=strides, padding=padding, dilation=dilations, groups=group,
                                 bias=bias)
        except ShapecalcError as e:
            raise _Unsupported(f"Conv: {e.detail}") from None
        self._add(layer, [x], self._out(node), node, inits=self._const_inits([w, b]))

    def _pool(self, node, a, cls):
        x = self._ins(node)[0]
        if x.layout != "nchw":
            raise _Unsupported(node.op_type)
        kernel = tuple(a.get("kernel_shape", ()))
        strides, dilations, padding = self._window_args(node, a, x, kernel)
        ceil = bool(a.get("ceil_mode", 0)) and padding != "same"
        try:
            if cls is L.MaxPool2d:
                if a.get("storage_order", 0):
                    raise _Unsupported("MaxPool storage_order 1")
                layer = L.MaxPool2d(kernel, strides, padding, ceil_mode=ceil, dilation=dilations)
            else:
                if dilations != (1, 1):
                    raise _Unsupported("AveragePool with dilations")
                layer = L.AvgPool2d(kernel, strides, padding, ceil, bool(a.get("count_include_pad", 0)))
        except ShapecalcError as e:
            raise _Unsupported(f"{node.op_type}: {e.detail}") from None
        self._add(layer, [x], self._out(node), node)
        if len(node.output) > 1 and node.output[1]:
            self._unsupported(node, "MaxPool indices", out=self._out(node, 1), ins=[x])

    def _op_MaxPool(self, i, node, a):
        self._pool(node, a, L.MaxPool2d)

    def _op_AveragePool(self, i, node, a):
        self._pool(node, a, L.AvgPool2d)

    def _op_GlobalAveragePool(self, i, node, a):
        x = self._ins(node)[0]
        if x.layout != "nchw":
            raise _Unsupported(node.op_type)
        self._add(L.GlobalAvgPool(keepdims=True), [x], self._out(node), node)

    def _op_GlobalMaxPool(self, i, node, a):
        x = self._ins(node)[0]
        if x.layout != "nchw":
            raise _Unsupported(node.op_type)
        self._add(L.GlobalMaxPool(keepdims=True), [x], self._out(node), node)

    def _axes(self, node, a, k=1):
        """An operator's axes: its attribute, or (newer opsets) its input ``k``."""
        if "axes" in a:
            return [int(v) for v in a["axes"]]
        if len(node.input) > k and node.input[k]:
            v = self.value(self.t[node.input[k]])
            if v is None:
                raise _Unsupported(f"{node.op_type} (axes not constant)")
            return [int(e) for e in v.reshape(-1)]
        return None

    def _op_ReduceMean(self, i, node, a):
        x = self._ins(node)[0]
        axes = self._axes(node, a)
        keep = bool(a.get("keepdims", 1))
        rank = len(x.dims)
        spatial = {"nchw": {2, 3}, "nhwc": {1, 2}}.get(x.layout)
        if axes is None or spatial is None or {v % rank for v in axes} != spatial:
            raise _Unsupported(f"ReduceMean over axes {axes}")
        layout = x.layout if keep else "bn"
        self._add(L.GlobalAvgPool(keepdims=keep, call="mean"), [x], self._out(node), node, layout=layout)

    # dense layers
    def _op_Gemm(self, i, node, a):
        ins = self._ins(node)
        x, w = ins[0], ins[1]
        c = ins[2] if len(ins) > 2 else None
        if x.layout != "bn" or w is None or w.act or (c is not None and c.act) or a.get("transA", 0) or \
                w.dims is None or len(w.dims) != 2:
            raise _Unsupported("Gemm")
        units = w.dims[0] if a.get("transB", 0) else w.dims[1]
        self._add(L.Linear(units, bias=c is not None), [x], self._out(node), node, inits=self._const_inits([w, c]))

    def _op_MatMul(self, i, node, a):
        x, w = self._ins(node)
        if not x.act or w.act or w.dims is None or len(w.dims) != 2:
            raise _Unsupported("MatMul")
        units = w.dims[1]
        out, nodes, bias = self._out(node), [node], None
        add = self._single_consumer(out)
        if add is not None and self.nodes[add].op_type == "Add":
            other = [self.t[n] for n in self.nodes[add].input if n != out.name]
            if len(other) == 1 and not other[0].act and other[0].dims and _same(other[0].dims[-1], units) and \
                    _same(_prod(other[0].dims), units):
                bias = other[0]
                self.consumed.add(add)
                out = self._out(self.nodes[add])
                nodes.append(self.nodes[add])
        if x.layout == "bn":
            layer = L.Linear(units, bias=bias is not None)
        elif x.layout in ("bnd", "nhwc", "gnc"):
            layer = L.PointwiseLinear(units, bias=bias is not None)
        else:
            raise _Unsupported("MatMul over a map's width")
        self._add(layer, [x], out, node, inits=self._const_inits([w, bias]))

    # normalisation
    def _op_BatchNormalization(self, i, node, a):
        ins = self._ins(node)
        x = ins[0]
        if x.layout not in ("nchw", "bn") or any(t is None or t.act for t in ins[1:5]) or a.get("training_mode", 0):
            raise _Unsupported("BatchNormalization" + (" (training)" if a.get("training_mode", 0) else ""))
        momentum = a.get("momentum", 0.9)
        layer = L.BatchNorm(eps=float(a.get("epsilon", 1e-5)), momentum=1.0 - float(momentum), affine=True)
        self._add(layer, [x], self._out(node), node, inits=self._const_inits(ins[1:5]))

    def _op_LayerNormalization(self, i, node, a):
        ins = self._ins(node)
        x = ins[0]
        axis = int(a.get("axis", -1)) % len(x.dims)
        if axis != len(x.dims) - 1 or x.layout == "nchw" or any(t is not None and t.act for t in ins[1:]):
            raise _Unsupported(f"LayerNormalization over axis {a.get('axis', -1)}")
        scale = ins[1] if len(ins) > 1 else None
        layer = L.LayerNorm(eps=float(a.get("epsilon", 1e-5)), affine=scale is not None)
        self._add(layer, [x], self._out(node), node, inits=self._const_inits(ins[1:3]))

    def _op_LRN(self, i, node, a):
        x = self._ins(node)[0]
        if x.layout != "nchw":
            raise _Unsupported("LRN")
        layer = L.LocalResponseNorm(int(a["size"]), float(a.get("alpha", 1e-4)), float(a.get("beta", 0.75)),
                                    float(a.get("bias", 1.0)))
        self._add(layer, [x], self._out(node), node)

    # activations
    def _simple(self, node, layer):
        self._add(layer, [self._ins(node)[0]], self._out(node), node)

    def _op_Relu(self, i, node, a):
        self._simple(node, L.ReLU())

    def _op_Tanh(self, i, node, a):
        self._simple(node, L.Tanh())

    def _op_Gelu(self, i, node, a):
        if a.get("approximate", "none") != "none":
            raise _Unsupported("Gelu tanh")
        self._simple(node, L.GELU())

    def _op_HardSwish(self, i, node, a):
        self._simple(node, L.Hardswish())

    def _gated(self, node, layer, fused):
        """``x · f(x)``: Sigmoid (SiLU) or HardSigmoid (hardswish) whose one reader multiplies it by its input."""
        x, out = self._ins(node)[0], self._out(node)
        mul = self._single_consumer(out)
        if mul is not None and self.nodes[mul].op_type == "Mul" and \
                sorted(self.nodes[mul].input) == sorted([x.name, out.name]):
            self.consumed.add(mul)
            self._add(fused, [x], self._out(self.nodes[mul]), node)
            return
        self._add(layer, [x], out, node)

    def _op_Sigmoid(self, i, node, a):
        self._gated(node, L.Sigmoid(), L.SiLU())

    def _op_HardSigmoid(self, i, node, a):
        if abs(float(a.get("alpha", 0.2)) - 1 / 6) < 1e-6 and abs(float(a.get("beta", 0.5)) - 0.5) < 1e-6:
            self._gated(node, L.Hardsigmoid(), L.Hardswish())
        else:
            raise _Unsupported(f"HardSigmoid alpha={a.get('alpha', 0.2)}")

    def _op_Softmax(self, i, node, a):
        x = self._ins(node)[0]
        axis = int(a.get("axis", -1 if self.opset >= 13 else 1)) % len(x.dims)
        if x.layout != "bn" or axis != 1:
            raise _Unsupported(f"Softmax over axis {a.get('axis', -1)}")
        self._simple(node, L.Softmax())

    def _op_Clip(self, i, node, a):
        ins = self._ins(node)
        if len(ins) > 1:
            low = self.value(ins[1]) if ins[1] is not None else None
            high = self.value(ins[2]) if len(ins) > 2 and ins[2] is not None else None
            low = None if low is None else float(low.reshape(-1)[0])
            high = None if high is None else float(high.reshape(-1)[0])
            if (len(ins) > 1 and ins[1] is not None and low is None) or \
                    (len(ins) > 2 and ins[2] is not None and high is None):
                raise _Unsupported("Clip (bounds not constant)")
        else:
            low, high = a.get("min"), a.get("max")
        if low == 0 and high == 6:
            self._simple(node, L.ReLU6())
        elif low == 0 and high is None:
            self._simple(node, L.ReLU())
        else:
            raise _Unsupported(f"Clip({low}, {high})")

    def _op_Identity(self, i, node, a):
        self._simple(node, L.Identity())

    def _op_Dropout(self, i, node, a):
        ins = self._ins(node)
        ratio = a.get("ratio", 0.5)
        if len(ins) > 1 and ins[1] is not None:
            v = self.value(ins[1])
            ratio = 0.5 if v is None else float(v.reshape(-1)[0])
        self._simple(node, L.Dropout(float(ratio)))
        if len(node.output) > 1 and node.output[1] and self.consumers.get(node.output[1]):
            self._unsupported(node, "Dropout mask", out=self._out(node, 1), ins=[ins[0]])

    # element-wise arithmetic
    def _op_Add(self, i, node, a):
        self._arith(node, "add")

    def _op_Mul(self, i, node, a):
        self._arith(node, "mul")

    def _op_Sub(self, i, node, a):
        self._arith(node, "sub")

    def _op_Div(self, i, node, a):
        self._arith(node, "div")

    def _arith(self, node, op):
        ins = self._ins(node)
        out = self._out(node)
        acts = [t for t in ins if t.act]
        if len(acts) == 2:
            if op not in ("add", "mul") or acts[0].layout != acts[1].layout:
                raise _Unsupported(node.op_type)
            layer = L.Add() if op == "add" else L.Multiply()
            self._add(layer, acts, out, node, layout=acts[0].layout if _same_dims(acts[0].dims, out.dims)
                      else acts[1].layout)
            return
        x = acts[0]
        c = next(t for t in ins if not t.act)
        first = ins[0] is c
        shape = x.sc
        numel = _prod(c.dims) if c.dims is not None else None
        if c.inits and numel is not None and numel > 1 and not (op in ("sub", "div") and first):
            if op == "add" and x.layout == "bnd" and _same(numel, _prod(shape)):
                self._add(L.PositionEmbedding(), [x], out, node, inits=c.inits)
                return
            if op == "mul" and self._per_channel(c, x):
                self._add(L.LayerScale(), [x], out, node, inits=c.inits)
                return
            raise _Unsupported(f"{node.op_type} of a weight {_fmt(c.dims)}")
        value = self.value(c)
        if value is None or numel is None:
            raise _Unsupported(f"{node.op_type} of a constant")
        if numel == 1:
            v = float(value.reshape(-1)[0])
        elif self._per_channel(c, x):
            v = [float(e) for e in value.reshape(-1)]
        else:
            raise _Unsupported(f"{node.op_type} of a constant {_fmt(c.dims)}")
        neg = [-e for e in v] if isinstance(v, list) else -v
        if op == "add":
            scale, offset = 1.0, v
        elif op == "sub":
            scale, offset = (-1.0, v) if first else (1.0, neg)
        elif op == "mul":
            scale, offset = v, 0.0
        else:
            if first or (0 in v if isinstance(v, list) else v == 0):
                raise _Unsupported(f"{node.op_type} by the input")
            scale, offset = ([1.0 / e for e in v] if isinstance(v, list) else 1.0 / v), 0.0
        self._add(L.Rescaling(scale, offset), [x], out, node)

    def _per_channel(self, c, x):
        """Whether constant ``c`` holds one value per channel of ``x``, laid out along ``x``'s channel axis."""
        if c.dims is None or x.dims is None:
            return False
        dims = list(c.dims)
        rank = len(x.dims)
        if len(dims) > rank:
            return False
        dims = [1] * (rank - len(dims)) + dims
        axis = _CHANNEL_AXIS.get(x.layout)
        return axis is not None and all(_is1(d) for k, d in enumerate(dims) if k != axis) and \
            _same(dims[axis], x.dims[axis])

    # concatenation, slicing, selection
    def _op_Concat(self, i, node, a):
        ins = self._ins(node)
        out = self._out(node)
        acts = [t for t in ins if t.act]
        axis = int(a["axis"]) % len(out.dims)
        if len(acts) == 1 and len(ins) == 1:
            # one input: the tensor itself (DenseNet's first layer)
            x = self._materialised(acts[0])
            out.row, out.layout = x.row, x.layout
            return
        layout = acts[0].layout
        if len(acts) == len(ins) and all(t.layout == layout for t in acts) and axis == _CHANNEL_AXIS.get(layout):
            rows = [self._materialised(t).row for t in acts]
            # cat(x, y1, y2) after cat(x, y1) is cat(cat(x, y1), y2): DenseNet's growing list as a nest of blocks
            best = None
            for prefix, row in self.cats:
                if 2 <= len(prefix) < len(rows) and tuple(rows[:len(prefix)]) == prefix and (
                        best is None or len(prefix) > len(best[0])):
                    best = (prefix, row)
            used = acts
            if best is not None:
                used = [_RowRef(best[1], self.rows, layout, self)] + acts[len(best[0]):]
            row = self._add(L.Concat(), used, out, node, layout=layout)
            self.cats.append((tuple(rows), row))
            return
        if len(acts) == 1 and len(ins) == 2 and layout == "bnd" and axis == 1 and ins[0] is not acts[0]:
            c = ins[0]
            if c.dims is not None and _is1(c.dims[1]) and _same(c.dims[2], acts[0].dims[2]):
                self._add(L.ClassToken(), acts, out, node, inits=c.inits)
                return
        raise _Unsupported(f"Concat over axis {a['axis']}")

    def _slice_params(self, node):
        """(starts, ends, axes, steps) of a Slice, constants (attributes before opset 10)."""
        if self.opset < 10 or "starts" in _attrs(node):
            a = _attrs(node)
            starts, ends = list(a["starts"]), list(a["ends"])
            axes = list(a.get("axes", range(len(starts))))
            return starts, ends, axes, [1] * len(starts)
        vals = []
        for k in range(1, 5):
            if len(node.input) > k and node.input[k]:
                v = self.value(self.t[node.input[k]])
                if v is None:
                    raise _Unsupported("Slice (bounds not constant)")
                vals.append([_plain(e) for e in v.reshape(-1)])
            else:
                vals.append(None)
        starts, ends, axes, steps = vals
        axes = axes if axes is not None else list(range(len(starts)))
        steps = steps if steps is not None else [1] * len(starts)
        return starts, ends, axes, steps

    def _op_Slice(self, i, node, a):
        x = self._ins(node)[0]
        if self._space_to_depth(x, None, node):
            return
        starts, ends, axes, steps = self._slice_params(node)
        rank = len(x.dims)
        channel = _CHANNEL_AXIS.get(x.layout)
        if len(axes) == 1 and axes[0] % rank == channel and steps == [1]:
            size = x.dims[channel]
            if isinstance(size, int):
                lo, hi, _ = slice(starts[0], ends[0]).indices(size)
                part = hi - lo
                if part > 0 and size % part == 0 and lo % part == 0:
                    self._add(L.Chunk(size // part, lo // part), [x], self._out(node), node)
                    return
        raise _Unsupported("Slice")

    def _op_Split(self, i, node, a):
        x = self._ins(node)[0]
        axis = int(a.get("axis", 0)) % len(x.dims)
        outs = [self._out(node, k) for k in range(len(node.output))]
        if axis != _CHANNEL_AXIS.get(x.layout) or any(o.dims is None for o in outs):
            raise _Unsupported(f"Split over axis {a.get('axis', 0)}")
        sizes = [o.dims[axis] for o in outs]
        if any(not _same(s, sizes[0]) for s in sizes):
            raise _Unsupported("Split into unequal parts")
        for k, o in enumerate(outs):
            self._add(L.Chunk(len(outs), k), [x], o, node, label=f"split_{k}")

    def _op_Gather(self, i, node, a):
        x, idx = self._ins(node)
        axis = int(a.get("axis", 0)) % len(x.dims)
        v = self.value(idx) if not idx.act else None
        if x.layout == "bnd" and axis == 1 and v is not None and v.size == 1 and v.ndim == 0:
            index = int(v)
            if index < 0 and isinstance(x.dims[1], int):
                index += x.dims[1]
            if index >= 0:
                self._add(L.SelectToken(index), [x], self._out(node), node, layout="bn")
                return
        raise _Unsupported("Gather")

    def _op_Pad(self, i, node, a):
        ins = self._ins(node)
        x = ins[0]
        mode = a.get("mode", "constant")
        if self.opset < 11:
            pads = list(a.get("pads", []))
            fill = float(a.get("value", 0.0))
        else:
            v = self.value(ins[1]) if len(ins) > 1 and ins[1] is not None else None
            if v is None:
                raise _Unsupported("Pad (sizes not constant)")
            pads = [_plain(e) for e in v.reshape(-1)]
            fv = self.value(ins[2]) if len(ins) > 2 and ins[2] is not None else None
            fill = 0.0 if fv is None or fv.size == 0 else float(fv.reshape(-1)[0])
            axes = self._axes(node, {}, 3) if len(ins) > 3 and ins[3] is not None else None
            if axes is not None:
                rank = len(x.dims)
                full = [0] * (2 * rank)
                for k, ax in enumerate(axes):
                    full[ax % rank] = pads[k]
                    full[ax % rank + rank] = pads[k + len(axes)]
                pads = full
        rank = len(x.dims)
        if len(pads) != 2 * rank:
            raise _Unsupported("Pad")
        spatial = {"nchw": (2, 3), "nhwc": (1, 2)}.get(x.layout)
        if spatial is None or any(not _is_zero(pads[k]) or not _is_zero(pads[k + rank])
                                  for k in range(rank) if k not in spatial):
            raise _Unsupported("Pad over other axes than H and W")
        sides = ((pads[spatial[0]], pads[spatial[0] + rank]), (pads[spatial[1]], pads[spatial[1] + rank]))
        if self._space_to_depth(x, sides, node):
            return
        if mode != "constant" or fill != 0.0:
            raise _Unsupported(f"Pad mode={mode}" + (f" value={fill}" if fill else ""))
        if any(not isinstance(s, int) or s < 0 for side in sides for s in side):
            raise _Unsupported("Pad by a negative or symbolic amount")
        self._add(L.ZeroPad2d(sides), [x], self._out(node), node)

    def _space_to_depth(self, x, sides, node):
        """Slices x[a::b, c::b] for every (a, c) of b × b (one Slice over both axes, or one per axis),
        concatenated over the channels (Swin's patch merging), of ``x`` or of ``x`` zero-padded at the bottom
        and right to multiples of b: one SpaceToDepth(b)."""
        source = self._out(node) if sides is not None else x
        spatial = {"nchw": (2, 3), "nhwc": (1, 2)}.get(x.layout)
        if spatial is None or source.dims is None:
            return False
        rank = len(x.dims)
        nodes, leaves = [], []
        if not self._slice_tree(source, spatial, rank, {}, nodes, leaves):
            return False
        concats = {c for _, c in leaves}
        if len(concats) != 1:
            return False
        concat = concats.pop()
        cat = self.nodes[concat]
        steps = {step for offsets, _ in leaves for _, step in offsets.values()}
        if len(steps) != 1:
            return False
        block = steps.pop()
        offsets = {(offsets[spatial[0]][0], offsets[spatial[1]][0]) for offsets, _ in leaves}
        if len(leaves) != block * block or len(offsets) != block * block or len(cat.input) != len(leaves) or \
                int(_attrs(cat)["axis"]) % rank != _CHANNEL_AXIS[x.layout]:
            return False
        if sides is not None:
            for (before, after), ax in zip(sides, spatial):
                rest = (-x.dims[ax]) % block if not _is_sym(x.dims[ax]) else _sym_mod(-x.dims[ax], block)
                if not _is_zero(before) or not _same(after, rest):
                    return False
        self.consumed.update(nodes)
        self.consumed.add(concat)
        if sides is not None:
            self.consumed.add(self.nodes.index(node))
        self._add(L.SpaceToDepth(block), [x], self._out(cat), cat, label="spacetodepth")
        return True

    def _slice_tree(self, tensor, spatial, rank, taken, nodes, leaves):
        """The strided slices of ``tensor`` over H and W, each axis once along every path, to one Concat."""
        users = self.consumers.get(tensor.name, [])
        if not users or tensor.name in self.graph_outputs:
            return False
        for u in users:
            s = self.nodes[u]
            if s.op_type != "Slice" or u in self.consumed or s.input[0] != tensor.name:
                return False
            try:
                starts, ends, axes, steps = self._slice_params(s)
            except _Unsupported:
                return False
            here = dict(taken)
            for start, end, ax, step in zip(starts, ends, axes, steps):
                ax = int(ax) % rank
                if ax not in spatial or ax in here or not isinstance(step, int) or step < 2 or \
                        not isinstance(start, int) or not 0 <= start < step:
                    return False
                if not (isinstance(end, int) and end >= _INT64_MAX // 2) and not _same(end, tensor.dims[ax]):
                    return False
                here[ax] = (start, step)
            nodes.append(u)
            out = self.t[s.output[0]]
            if len(here) == len(spatial):
                reader = self._single_consumer(out)
                if reader is None or self.nodes[reader].op_type != "Concat":
                    return False
                leaves.append((here, reader))
            elif not self._slice_tree(out, spatial, rank, here, nodes, leaves):
                return False
        return True

    # changes of layout
    def _op_Reshape(self, i, node, a):
        self._moves(i, node)

    _op_Transpose = _op_Flatten = _op_Squeeze = _op_Unsqueeze = _op_Reshape

    def _moves(self, i, node):
        """A chain of Reshape, Transpose, Flatten, Squeeze, Unsqueeze judged by what it does to the axes: the
        longest start of it that is one of shapecalc's layers becomes that layer; then the rest."""
        chain = [i]
        while True:
            out = self._out(self.nodes[chain[-1]])
            nxt = self._single_consumer(out)
            if nxt is None or self.nodes[nxt].op_type not in _MOVES or nxt in self.region_of or \
                    self.nodes[nxt].input[0] != out.name:
                break
            chain.append(nxt)
        self.consumed.update(chain)
        x = self._materialised(self.t[self.nodes[chain[0]].input[0]])
        while chain:
            atoms = _atoms(x)
            states = []
            for k in chain:
                atoms = None if atoms is None else self._move_atoms(self.nodes[k], atoms)
                states.append(atoms)
            done = False
            for n in range(len(chain), 0, -1):
                if states[n - 1] is None:
                    continue
                made = _judge(x, states[n - 1], self._out(self.nodes[chain[n - 1]]).dims)
                if made is None:
                    continue
                layer, layout = made
                last = self.nodes[chain[n - 1]]
                label = None if n == 1 else layer.kind
                self._add(layer, [x], self._out(last), last, label=label, layout=layout)
                x = self._out(last)
                chain = chain[n:]
                done = True
                break
            if not done:
                node = self.nodes[chain[0]]
                out = self._out(node)
                self._fallback_move(node, x, out)
                x = out
                chain = chain[1:]

    def _move_atoms(self, node, atoms):
        op = node.op_type
        out = self._out(node)
        if out.dims is None:
            return None
        a = _attrs(node)
        if op == "Transpose":
            perm = a.get("perm", list(range(len(atoms)))[::-1])
            return [atoms[p] for p in perm] if sorted(perm) == list(range(len(atoms))) else None
        if op == "Flatten":
            axis = int(a.get("axis", 1)) % (len(atoms) + 1) if len(atoms) else 0
            return [sum(atoms[:axis], []), sum(atoms[axis:], [])]
        # Reshape, Squeeze, Unsqueeze: the same atoms in order, regrouped by the new sizes
        return _regroup(atoms, out.dims)

    def _fallback_move(self, node, x, out):
        """A change of layout that is no layer of shapecalc's: a reshape (Keras' kind: the same sizes, no
        arithmetic) where only sizes change, an Unsupported row where axes are exchanged."""
        layout = _guess_layout(out.dims, x.layout if x.layout in ("nchw", "nhwc") else None)
        sc = _sc(out.dims, layout)
        if node.op_type != "Transpose" and sc is not None and all(isinstance(d, int) for d in sc) and x.layout in (
                "nchw", "nhwc", "gnc", "bnd", "bn"):
            try:
                self._add(L.Reshape(sc), [x], out, node, layout=layout)
                return
            except ShapecalcError:
                pass
        perm = _attrs(node).get("perm")
        what = f"Transpose {list(perm)}" if perm is not None else node.op_type
        self._unsupported(node, what, out=out, ins=[x])

    # attention
    def _emit_region(self, region):
        x = self._materialised(self.t[region["x"]])
        y = self.t[region["y"]]
        members = region["members"]
        inits = set()
        for i in members:
            for n in self.nodes[i].input:
                if n and not self.t[n].act:
                    data = _DATA_INPUTS.get(self.nodes[i].op_type)
                    k = list(self.nodes[i].input).index(n)
                    if data is None or k in data:
                        inits |= self.t[n].inits
        held = sum(self.numel[n] for n in inits)
        softmax = self.nodes[region["softmax"]]
        scores = self.t[softmax.input[0]].dims
        scope, _ = _scope_of(softmax.name)
        candidates = self._attention_candidates(region, x, scores, inits)
        y.layout = x.layout if _same_dims(x.dims, y.dims) else _guess_layout(y.dims, x.layout)
        for layer in candidates:
            try:
                w, b, buf, _, _ = layer.counts(x.sc, x.sc)
                got = tuple(layer.infer(x.sc, _Quiet(), "")) if not layer.passes else x.sc
            except ShapecalcError:
                continue
            if _same(_plain(w + b + buf), held) and _same_dims(list(got), list(y.sc or ())):
                self._add(layer, [x], y, softmax, label="attention", scope=scope, layout=x.layout, check=False)
                return
        ops = sorted({self.nodes[i].op_type for i in members})
        layer = L.Unsupported(f"attention ({len(members)} ONNX nodes: {', '.join(ops[:6])}"
                              f"{' …' if len(ops) > 6 else ''})", y.sc, held, at=x.sc)
        self._add(layer, [x], y, softmax, label="attention", scope=scope, layout=y.layout, check=False)

    def _attention_candidates(self, region, x, scores, inits):
        """The attention kinds that may be this scope, from its sizes: the one whose parameters and buffers are
        the initializers' sizes is it."""
        out = []
        if scores is None or x.sc is None:
            return out
        n = scores[-1]
        if x.layout == "bnd":
            heads = scores[1] if len(scores) == 4 else scores[0] if len(scores) == 3 else None
            if isinstance(heads, int):
                out += [L.MultiheadAttention(heads, bias=True), L.MultiheadAttention(heads, bias=False)]
            return out
        side = _isqrt(n) if isinstance(n, int) else None
        if side is None:
            return out
        if x.layout == "gnc":
            heads = scores[-3] if len(scores) >= 4 else None
            c = x.sc[2]
            if isinstance(heads, int) and isinstance(c, int) and heads and c % heads == 0:
                out += [L.RelativeAttention(c // heads, side, True), L.RelativeAttention(c // heads, side, False)]
            return out
        if x.layout == "nhwc":
            heads = scores[-3] if len(scores) >= 4 else None
            if not isinstance(heads, int):
                return out
            shift = self._roll(region, x, side)
            hidden = sorted({self.t[name].dims[0] for name in inits if self.t[name].dims and
                             len(self.t[name].dims) == 2 and self.t[name].dims[1] == 2})
            for bias in (True, False):
                out.append(L.WindowAttention(heads, side, shift, bias))
                out += [L.CosineWindowAttention(heads, side, shift, bias, h) for h in hidden]
        return out

    def _roll(self, region, x, side):
        """The cyclic shift of a shifted window attention: a Concat of x[s:] and x[:s] along H or W."""
        found = []
        for i in region["members"]:
            node = self.nodes[i]
            if node.op_type != "Concat" or len(node.input) != 2:
                continue
            parts = [self.nodes[p] for n in node.input for p in self._producers(n)]
            if len(parts) != 2 or any(p.op_type != "Slice" for p in parts) or parts[0].input[0] != parts[1].input[0]:
                continue
            try:
                starts, _, axes, _ = self._slice_params(parts[0])
            except _Unsupported:
                continue
            dims = self.t[parts[0].input[0]].dims
            axis = int(_attrs(node).get("axis", 0)) % len(dims)
            if len(axes) != 1 or axes[0] % len(dims) != axis or axis not in (1, 2) or not isinstance(dims[axis], int):
                continue
            s = starts[0] % dims[axis] if isinstance(starts[0], int) else None
            if s:
                found.append(min(s, dims[axis] - s))
        shift = min(found) if found else 0
        return shift if shift < side else 0

    def _producers(self, name):
        if not hasattr(self, "_producer_index"):
            self._producer_index = {}
            for i, node in enumerate(self.nodes):
                for n in node.output:
                    self._producer_index[n] = i
        return [self._producer_index[name]] if name in self._producer_index else []


class _RowRef:
    """An earlier row read as an activation (a concatenation's first inputs, already concatenated)."""

    def __init__(self, row, rows, layout, reader):
        out = reader.t[rows[row].tensor]
        self.row, self.layout, self.dims, self.name = row, layout, out.dims, out.name

    @property
    def sc(self):
        return _sc(self.dims, self.layout)


class _Quiet:
    """A context that checks nothing (sizes already known to agree)."""

    symbolic = False
    reads = False  # the textbook rule only (ctx.exact), not which input rows are read

    def positive(self, *a):
        pass

    def exact(self, *a):
        pass

    def equal(self, *a):
        pass


def _is_zero(v):
    return not _is_sym(v) and v == 0 or (_is_sym(v) and v == 0)


def _sym_mod(a, b):
    import sympy

    return sympy.Mod(a, b)


def _same_dims(a, b):
    return a is not None and b is not None and len(a) == len(b) and all(_same(p, q) for p, q in zip(a, b))


def _fmt(shape):
    return "×".join(str(d) for d in shape) if shape is not None else "?"


# ---------------------------------------------------------------------------------------------------------
# changes of layout: every axis a list of atoms (shapecalc axis, stride, size), major first


def _atoms(x):
    """The atoms of activation ``x``: each ONNX axis is its shapecalc axis whole (the batch: none)."""
    labels = _LABELS.get(x.layout)
    if labels is None or x.dims is None:
        return None
    out = []
    for label, d in zip(labels, x.dims):
        out.append([] if label is None or _is1(d) else [(label, 1, d)])
    return out


def _regroup(atoms, dims):
    """The atoms in order, regrouped into axes of ``dims`` (splitting an atom where an axis takes part of it)."""
    seq = [a for axis in atoms for a in axis]
    out, k = [], 0
    for d in dims:
        group, need = [], d
        while not _is1(need):
            if k >= len(seq):
                return None
            label, stride, size = seq[k]
            if _same(size, need):
                group.append(seq[k])
                k += 1
                need = 1
                continue
            q = _quotient(need, size)
            if q is not None:
                group.append(seq[k])
                k += 1
                need = q
                continue
            q = _quotient(size, need)
            if q is None:
                return None
            # the major part of the atom: `need` values, each q apart
            group.append((label, stride * q, need))
            seq[k] = (label, stride, q)
            need = 1
        out.append(group)
    if k != len(seq):
        return None
    return out


def _judge(x, atoms, out_dims):
    """The layer that a change of layout from ``x`` to ``atoms`` is, and the output's layout; None if none."""
    if atoms is None or not atoms or atoms[0]:
        return None  # the batch axis moved
    groups = atoms[1:]
    sc = x.sc
    if sc is None:
        return None

    def whole(axis):
        return [(axis, 1, sc[axis])] if not _is1(sc[axis]) else []

    if len(sc) == 3:
        everything = sorted((a for g in groups for a in g), key=repr)
        if len(groups) == 1 and everything == sorted((a for ax in range(3) for a in whole(ax)), key=repr):
            return L.Flatten(), "bn"
        if len(groups) == 2 and groups[0] == whole(0) + whole(1) and groups[1] == whole(2) and x.layout != "gnc":
            return L.Tokens(), "bnd"
        if len(groups) == 3:
            where = _channel_slot(groups)
            if where is None:
                return None
            channels, others = where
            layout = "nchw" if channels == 0 else ("gnc" if x.layout == "gnc" else "nhwc")
            first, second = others
            cgroup = groups[channels]
            if cgroup == whole(2) and first == whole(0) and second == whole(1):
                if layout == x.layout:
                    return L.Identity(), layout
                return L.Permute((0, 2, 3, 1) if channels == 2 else (0, 3, 1, 2)), layout
            if cgroup == whole(2) and first == whole(1) and second == whole(0):
                return L.SwapAxes(), layout
            if layout == x.layout and first == whole(0) and second == whole(1) and len(cgroup) == 2 and \
                    all(a[0] == 2 for a in cgroup) and cgroup[0][1] == 1:
                # C read as g × n, transposed to n × g: the minor atom's size is g
                n, g = cgroup[0][2], cgroup[1][2]
                if _same(cgroup[1][1], n) and isinstance(g, int):
                    return L.ChannelShuffle(g), layout
            if x.layout in ("nchw", "nhwc") and channels == 2 and cgroup == whole(2):
                p = _partition_size(first, second, sc)
                if p is not None:
                    return L.Partition(p), "gnc"
            if x.layout == "gnc" and cgroup == whole(2) and _is_departition(first, second, sc):
                return L.Departition(), layout
    return None


def _channel_slot(groups):
    """Which of three groups holds the channels (axis 2), and the other two in order."""
    slots = [k for k, g in enumerate(groups) if any(a[0] == 2 for a in g)]
    if len(slots) != 1 or slots[0] == 1:
        return None
    k = slots[0]
    return k, [g for j, g in enumerate(groups) if j != k]


def _partition_size(first, second, sc):
    """p where the groups are (H/p, W/p) blocks, stride p, and the tokens the p × p inside (MaxViT)."""
    if len(second) != 2 or any(a[1] != 1 for a in second) or [a[0] for a in second] != [0, 1]:
        return None
    p = second[0][2]
    if not _same(second[1][2], p) or not isinstance(p, int):
        return None
    expect = [(ax, p, _quotient(sc[ax], p)) for ax in (0, 1)]
    expect = [e for e in expect if e[2] is not None and not _is1(e[2])]
    if len(expect) != len([ax for ax in (0, 1) if not _same(sc[ax], p)]):
        return None
    if first != expect:
        return None
    return p if _same(sc[0], sc[1]) else None


def _is_departition(first, second, sc):
    """The groups and tokens put back (MaxViT): H = (G_h, p_h), W = (G_w, p_w), a group's index before its
    token's, G = G_h·G_w and N = p_h·p_w (atoms of size 1 are absent)."""
    def split(group):
        labels = [a[0] for a in group]
        if labels not in ([], [0], [1], [0, 1]):
            return None
        g = next((a for a in group if a[0] == 0), None)
        n = next((a for a in group if a[0] == 1), None)
        return g, n
    h, w = split(first), split(second)
    if h is None or w is None:
        return False
    (gh, nh), (gw, nw) = h, w
    size = [1 if a is None else a[2] for a in (gh, gw, nh, nw)]
    stride = [1 if a is None else a[1] for a in (gh, gw, nh, nw)]
    return (_same(stride[0], size[1]) and _same(stride[1], 1) and _same(stride[2], size[3]) and _same(stride[3], 1)
            and _same(size[0] * size[1], sc[0]) and _same(size[2] * size[3], sc[1]))


# ---------------------------------------------------------------------------------------------------------
# attributes, sizes and values of the ONNX operators


#: AttributeProto.AttributeType → the field holding the value (onnx.helper.get_attribute_value's table)
_ATTRIBUTE_FIELDS = {1: "f", 2: "i", 3: "s", 4: "t", 5: "g", 6: "floats", 7: "ints", 8: "strings", 9: "tensors",
                     10: "graphs", 11: "sparse_tensor", 12: "sparse_tensors", 13: "tp", 14: "type_protos"}


def _attribute_value(a):
    field = _ATTRIBUTE_FIELDS.get(a.type)
    if field is None:
        raise ConfigError(f"attribute {a.name!r} has an unknown type {a.type}", "onnx")
    value = getattr(a, field)
    return list(value) if a.type in (6, 7, 8, 9, 10, 12, 14) else value


def _attrs(node):
    out = {}
    for a in node.attribute:
        v = _attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        out[a.name] = v
    return out


def _broadcast(shapes):
    if any(s is None for s in shapes):
        return None
    rank = max(len(s) for s in shapes)
    out = []
    for k in range(rank):
        d = 1
        for s in shapes:
            j = k - (rank - len(s))
            if j < 0:
                continue
            e = s[j]
            if _is1(d):
                d = e
        out.append(d)
    return out


def _norm_axes(axes, rank):
    return [int(a) % rank for a in axes]


def _window_dims(x, kernel, a, ceil):
    """Output sizes of a convolution or pooling window over the spatial sizes of ``x``."""
    n = len(kernel)
    strides = list(a.get("strides", [1] * n))
    dilations = list(a.get("dilations", [1] * n))
    pads = list(a.get("pads", [0] * (2 * n)))
    auto = a.get("auto_pad", "NOTSET")
    out = []
    for k in range(n):
        size = x[2 + k]
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            out.append(F.ceil_div(size, strides[k]))
        else:
            total = 0 if auto == "VALID" else pads[k] + pads[k + n]
            out.append(F.conv_output_size(size, kernel[k], total, strides[k], dilations[k], ceil))
    return out


def _dims(reader, op, node, ins, a):
    """The sizes of ``node``'s outputs (a list per output, None where unknown)."""
    d = [t.dims if t is not None else None for t in ins]
    x = d[0] if d else None
    val = reader.value

    def v(k):
        if len(ins) > k and ins[k] is not None:
            arr = val(ins[k])
            return None if arr is None else [_plain(e) for e in arr.reshape(-1)]
        return None

    if op == "Constant":
        arr = _constant(node, a)
        return [list(arr.shape)]
    if op in _UNARY_SAME:
        outs = [x]
        if op == "Dropout" and len(node.output) > 1:
            outs.append(x)
        if op in ("BatchNormalization",) and len(node.output) > 1:
            outs += [[x[1]]] * (len(node.output) - 1) if x else [None] * (len(node.output) - 1)
        if op == "LayerNormalization" and len(node.output) > 1 and x:
            axis = int(a.get("axis", -1)) % len(x)
            outs += [x[:axis] + [1] * (len(x) - axis)] * (len(node.output) - 1)
        return outs
    if op in _BINARY or op == "Where":
        return [_broadcast(d)]
    if x is None and op not in ("ConstantOfShape", "Range"):
        return None
    if op == "Conv":
        kernel = list(a.get("kernel_shape", d[1][2:] if d[1] else []))
        return [[x[0], d[1][0]] + _window_dims(x, kernel, a, False)]
    if op == "ConvTranspose":
        w = d[1]
        kernel = list(a.get("kernel_shape", w[2:]))
        n = len(kernel)
        if "output_shape" in a:
            return [[x[0], w[1] * int(a.get("group", 1))] + list(a["output_shape"])[-n:]]
        strides = list(a.get("strides", [1] * n))
        dil = list(a.get("dilations", [1] * n))
        pads = list(a.get("pads", [0] * (2 * n)))
        extra = list(a.get("output_padding", [0] * n))
        sp = [strides[k] * (x[2 + k] - 1) + extra[k] + F.effective_kernel(kernel[k], dil[k]) - pads[k] - pads[k + n]
              for k in range(n)]
        return [[x[0], w[1] * int(a.get("group", 1))] + sp]
    if op in ("MaxPool", "AveragePool", "LpPool"):
        kernel = list(a["kernel_shape"])
        out = [x[:2] + _window_dims(x, kernel, a, bool(a.get("ceil_mode", 0)))]
        return out + [out[0]] * (len(node.output) - 1)
    if op in ("GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"):
        return [x[:2] + [1] * (len(x) - 2)]
    if op.startswith("Reduce") or op in ("ArgMax", "ArgMin"):
        axes = a.get("axes")
        if axes is None and op not in ("ArgMax", "ArgMin"):
            axes = v(1)
        if op in ("ArgMax", "ArgMin"):
            axes = [a.get("axis", 0)]
        keep = int(a.get("keepdims", 1))
        if axes is None or len(axes) == 0:
            if a.get("noop_with_empty_axes", 0):
                return [x]
            axes = list(range(len(x)))
        axes = _norm_axes(axes, len(x))
        return [[1 if k in axes else s for k, s in enumerate(x)] if keep else
                [s for k, s in enumerate(x) if k not in axes]]
    if op == "MatMul":
        p, q = d[0], d[1]
        if q is None:
            return None
        if len(p) == 1 and len(q) == 1:
            return [[]]
        if len(p) == 1:
            return [q[:-2] + [q[-1]]]
        if len(q) == 1:
            return [p[:-1]]
        batch = _broadcast([p[:-2], q[:-2]])
        return [batch + [p[-2], q[-1]]]
    if op == "Gemm":
        p, q = d[0], d[1]
        m = p[1] if a.get("transA", 0) else p[0]
        n = q[0] if a.get("transB", 0) else q[1]
        return [[m, n]]
    if op == "Einsum":
        return [_einsum_dims(a["equation"], d)]
    if op == "Reshape":
        target = v(1)
        if target is None:
            return None
        out, unknown = [], None
        for k, s in enumerate(target):
            if s == 0 and not a.get("allowzero", 0):
                out.append(x[k])
            elif s == -1:
                unknown = k
                out.append(None)
            else:
                out.append(s)
        if unknown is not None:
            known = _prod(s for s in out if s is not None)
            out[unknown] = _quotient(_prod(x), known)
            if out[unknown] is None:
                return None
        return [out]
    if op == "Flatten":
        axis = int(a.get("axis", 1)) % (len(x) + 1) if x else 0
        return [[_prod(x[:axis]), _prod(x[axis:])]]
    if op == "Transpose":
        perm = a.get("perm", list(range(len(x)))[::-1])
        return [[x[p] for p in perm]]
    if op == "Squeeze":
        axes = a.get("axes") if "axes" in a else v(1)
        if axes is None:
            return [[s for s in x if not _is1(s)]]
        axes = _norm_axes(axes, len(x))
        return [[s for k, s in enumerate(x) if k not in axes]]
    if op == "Unsqueeze":
        axes = a.get("axes") if "axes" in a else v(1)
        if axes is None:
            return None
        rank = len(x) + len(axes)
        axes = sorted(_norm_axes(axes, rank))
        out = list(x)
        for ax in axes:
            out.insert(ax, 1)
        return [out]
    if op == "Concat":
        if any(s is None for s in d):
            return None
        axis = int(a["axis"]) % len(x)
        out = list(x)
        out[axis] = _sum_dims([s[axis] for s in d])
        return [out]
    if op == "Split":
        axis = int(a.get("axis", 0)) % len(x)
        sizes = a.get("split") if "split" in a else v(1)
        n = len(node.output)
        if sizes is None:
            parts = int(a.get("num_outputs", n))
            size = x[axis]
            if isinstance(size, int):
                each = -(-size // parts)
                sizes = [each] * (parts - 1) + [size - each * (parts - 1)]
            else:
                sizes = [_quotient(size, parts)] * parts
        return [[s if k != axis else sizes[j] for k, s in enumerate(x)] for j in range(n)]
    if op == "Slice":
        if "starts" in a:
            starts, ends, axes, steps = _slice_attributes(a)
        else:
            starts, ends, axes, steps = v(1), v(2), v(3), v(4)
            if starts is None or ends is None:
                return None
            axes = axes if axes is not None else list(range(len(starts)))
            steps = steps if steps is not None else [1] * len(starts)
        out = list(x)
        for s, e, ax, st in zip(starts, ends, axes, steps):
            ax = int(ax) % len(x)
            out[ax] = _slice_len(x[ax], s, e, st)
            if out[ax] is None:
                return None
        return [out]
    if op in ("Gather",):
        axis = int(a.get("axis", 0)) % len(x)
        idx = d[1]
        return [x[:axis] + list(idx) + x[axis + 1:]]
    if op == "GatherElements":
        return [d[1]]
    if op == "Expand":
        target = v(1)
        return None if target is None else [_broadcast([x, target])]
    if op == "Tile":
        reps = v(1)
        return None if reps is None else [[s * r for s, r in zip(x, reps)]]
    if op == "ConstantOfShape":
        target = v(0)
        return None if target is None else [list(target)]
    if op == "Shape":
        start = int(a.get("start", 0))
        end = a.get("end")
        rank = len(x)
        lo, hi, _ = slice(start, end).indices(rank)
        return [[max(hi - lo, 0)]]
    if op == "Size":
        return [[]]
    if op == "Range":
        s, lim, dl = v(0), v(1), v(2)
        if None in (s, lim, dl) or any(_is_sym(e) for e in s + lim + dl):
            return None
        return [[max(math.ceil((lim[0] - s[0]) / dl[0]), 0)]]
    if op == "Pad":
        pads = list(a["pads"]) if "pads" in a else v(1)
        if pads is None:
            return None
        rank = len(x)
        axes = v(3) if len(ins) > 3 and ins[3] is not None else None
        if axes is not None:
            full = [0] * (2 * rank)
            for k, ax in enumerate(axes):
                full[int(ax) % rank] = pads[k]
                full[int(ax) % rank + rank] = pads[k + len(axes)]
            pads = full
        return [[s + pads[k] + pads[k + rank] for k, s in enumerate(x)]]
    if op in ("Resize", "Upsample"):
        sizes = v(3) if op == "Resize" else None
        if sizes:
            return [sizes]
        scales = v(2) if op == "Resize" else (v(1) if len(ins) > 1 else a.get("scales"))
        if not scales:
            return None
        return [[int(math.floor(s * f)) if isinstance(s, int) else None for s, f in zip(x, scales)]]
    if op in ("DepthToSpace", "SpaceToDepth"):
        b = int(a["blocksize"])
        if op == "DepthToSpace":
            return [[x[0], _quotient(x[1], b * b), x[2] * b, x[3] * b]]
        return [[x[0], x[1] * b * b, _quotient(x[2], b), _quotient(x[3], b)]]
    if op == "TopK":
        k = v(1)
        axis = int(a.get("axis", -1)) % len(x)
        if k is None:
            return None
        out = [s if j != axis else k[0] for j, s in enumerate(x)]
        return [out, out]
    return None


def _sum_dims(values):
    out = 0
    for s in values:
        out = out + s
    return _plain(out)


def _slice_len(size, start, end, step):
    if all(isinstance(e, int) for e in (size, start, end, step)):
        lo, hi, st = slice(start, end, step).indices(size)
        return len(range(lo, hi, st))
    if not isinstance(step, int) or step < 1:
        return None
    if isinstance(start, int) and start < 0:
        start = size + start
    if isinstance(end, int):
        end = size if end >= _INT64_MAX // 2 else (size + end if end < 0 else end)
    return _plain(F.ceil_div(end - start, step))


def _einsum_dims(equation, dims):
    if "..." in equation or any(s is None for s in dims):
        return None
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->")
    else:
        lhs, rhs = eq, None
    terms = lhs.split(",")
    sizes = {}
    for term, shape in zip(terms, dims):
        for letter, s in zip(term, shape):
            if letter not in sizes or _is1(sizes[letter]):
                sizes[letter] = s
    if rhs is None:
        counts = {}
        for term in terms:
            for letter in term:
                counts[letter] = counts.get(letter, 0) + 1
        rhs = "".join(sorted(letter for letter, c in counts.items() if c == 1))
    return [sizes[letter] for letter in rhs]


def _slice_attributes(a):
    """A Slice of opset < 10, its bounds in attributes: (starts, ends, axes, steps)."""
    starts, ends = list(a["starts"]), list(a["ends"])
    return starts, ends, list(a.get("axes", range(len(starts)))), [1] * len(starts)


def _constant(node, a):
    import numpy as np

    if "value" in a:
        return _to_array(a["value"])
    if "value_float" in a:
        return np.array(a["value_float"], dtype=np.float32)
    if "value_floats" in a:
        return np.array(a["value_floats"], dtype=np.float32)
    if "value_int" in a:
        return np.array(a["value_int"], dtype=np.int64)
    if "value_ints" in a:
        return np.array(a["value_ints"], dtype=np.int64)
    raise ValueError("constant")


def _out_dtype(op, ins, a, value):
    if value is not None and hasattr(value, "dtype") and value.dtype != object:
        import numpy as np

        if np.issubdtype(value.dtype, np.integer):
            return 7
        if value.dtype == bool:
            return _BOOL
        return 1
    if op in ("Shape", "Size", "NonZero", "ArgMax", "ArgMin"):
        return 7
    if op == "Cast":
        return int(a.get("to", 1))
    if op in ("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN",
              "IsInf"):
        return _BOOL
    if op == "ConstantOfShape":
        t = a.get("value")
        return t.data_type if t is not None else 1
    if op == "Range" or op in _BINARY or op in _UNARY_SAME or op in _MOVES or op in (
            "Gather", "Slice", "Concat", "Expand", "Tile", "Where", "Pad", "Split"):
        for t in (ins[1:] if op == "Where" else ins):
            if t is not None and t.dtype is not None:
                return t.dtype
    return None


def _values(reader, op, node, ins, a, dims):
    """The values of a constant node's outputs (numpy arrays; sympy sizes in object arrays), where small."""
    import numpy as np

    if dims and dims[0] is not None and all(isinstance(s, int) for s in dims[0]) and _prod(dims[0]) > _VALUE_LIMIT:
        return None
    if op == "Constant":
        return [_constant(node, a)]
    if op == "Shape":
        x = ins[0].dims
        if x is None:
            return None
        start = int(a.get("start", 0))
        end = a.get("end")
        part = x[slice(start, end)]
        return [_array(part)]
    if op == "Size":
        return None if ins[0].dims is None else [_array(_prod(ins[0].dims))]
    vals = []
    for t in ins:
        if t is None:
            vals.append(None)
            continue
        if t.dims is not None and all(isinstance(s, int) for s in t.dims) and _prod(t.dims) > _VALUE_LIMIT:
            return None
        vals.append(reader.value(t))
    if op == "ConstantOfShape":
        if vals[0] is None or any(_is_sym(e) for e in vals[0].reshape(-1)):
            return None
        fill = a.get("value")
        fill = np.array([0], dtype=np.float32) if fill is None else _tensor(fill)
        shape = [int(e) for e in vals[0].reshape(-1)]
        return [np.full(shape, fill.reshape(-1)[0], dtype=fill.dtype)]
    if any(v is None for k, v in enumerate(vals) if ins[k] is not None and _needs_value(op, k)):
        return None
    x = vals[0] if vals else None
    int_like = ins[0] is not None and ins[0].dtype in _INT_TYPES if ins else False
    if op == "Identity":
        return [x]
    if op == "Cast":
        to = int(a["to"])
        if x.dtype == object:
            return [x]
        return [x.astype(_np_type(to))]
    if op == "Gather":
        return [np.take(x, vals[1].astype(np.int64) if vals[1].dtype != object else vals[1], axis=int(a.get("axis", 0)))]
    if op == "Unsqueeze":
        axes = a.get("axes") if "axes" in a else [int(e) for e in vals[1].reshape(-1)]
        out = x
        rank = x.ndim + len(axes)
        for ax in sorted(_norm_axes(axes, rank)):
            out = np.expand_dims(out, ax)
        return [out]
    if op == "Squeeze":
        axes = a.get("axes") if "axes" in a else (None if len(vals) < 2 or vals[1] is None
                                                  else [int(e) for e in vals[1].reshape(-1)])
        return [np.squeeze(x) if axes is None else np.squeeze(x, axis=tuple(_norm_axes(axes, x.ndim)))]
    if op == "Concat":
        parts = [v for v in vals if v is not None]
        if any(p.dtype == object for p in parts):
            parts = [p.astype(object) for p in parts]
        return [np.concatenate(parts, axis=int(a["axis"]))]
    if op == "Slice":
        if "starts" in a:
            starts, ends, axes, steps = _slice_attributes(a)
        else:
            starts, ends = [_plain(e) for e in vals[1]], [_plain(e) for e in vals[2]]
            axes = [int(e) for e in vals[3]] if len(vals) > 3 and vals[3] is not None else list(range(len(starts)))
            steps = [int(e) for e in vals[4]] if len(vals) > 4 and vals[4] is not None else [1] * len(starts)
        if any(not isinstance(e, int) for e in starts + ends):
            return None
        index = [slice(None)] * x.ndim
        for s, e, ax, st in zip(starts, ends, axes, steps):
            index[int(ax) % x.ndim] = slice(s, e, st)
        return [x[tuple(index)]]
    if op == "Reshape":
        return [x.reshape(dims[0])] if dims[0] is not None and all(isinstance(s, int) for s in dims[0]) else None
    if op == "Transpose":
        perm = a.get("perm")
        return [np.transpose(x, perm)]
    if op == "Flatten":
        return [x.reshape(dims[0])]
    if op == "Expand":
        return [np.broadcast_to(x, dims[0]).copy()] if all(isinstance(s, int) for s in dims[0]) else None
    if op == "Tile":
        return [np.tile(x, [int(e) for e in vals[1]])]
    if op == "Range":
        return [np.arange(vals[0].reshape(-1)[0], vals[1].reshape(-1)[0], vals[2].reshape(-1)[0]).astype(vals[0].dtype)]
    if op == "Where":
        return [np.where(vals[0].astype(bool), vals[1], vals[2])]
    if op in ("Add", "Sub", "Mul", "Div", "Mod", "Pow", "Max", "Min", "Equal", "Less", "Greater", "LessOrEqual",
              "GreaterOrEqual", "And", "Or", "Sum"):
        p, q = vals[0], vals[1]
        if op == "Add":
            return [p + q]
        if op == "Sub":
            return [p - q]
        if op == "Mul":
            return [p * q]
        if op == "Div":
            if int_like or p.dtype == object or q.dtype == object:
                if p.dtype != object and q.dtype != object:
                    return [np.trunc(p / q).astype(p.dtype)] if int_like else [p / q]
                return [p // q] if int_like else [p / q]
            return [p / q]
        if op == "Mod":
            return [np.fmod(p, q) if a.get("fmod", 0) else p % q]
        if op == "Pow":
            return [np.power(p, q)]
        if op == "Max":
            return [np.maximum(p, q)]
        if op == "Min":
            return [np.minimum(p, q)]
        if op == "Sum":
            return [sum(v for v in vals)]
        fn = {"Equal": np.equal, "Less": np.less, "Greater": np.greater, "LessOrEqual": np.less_equal,
              "GreaterOrEqual": np.greater_equal, "And": np.logical_and, "Or": np.logical_or}[op]
        return [np.asarray(fn(p, q), dtype=bool)]
    if x is not None and x.dtype == object:
        return None
    unary = {"Neg": np.negative, "Abs": np.abs, "Sqrt": np.sqrt, "Floor": np.floor, "Ceil": np.ceil,
             "Exp": np.exp, "Log": np.log, "Not": np.logical_not, "Sign": np.sign, "Reciprocal": np.reciprocal,
             "Relu": lambda e: np.maximum(e, 0), "Sigmoid": lambda e: 1 / (1 + np.exp(-e))}
    if op in unary:
        return [np.asarray(unary[op](x))]
    if op in ("ReduceProd", "ReduceSum", "ReduceMax", "ReduceMin"):
        axes = a.get("axes") if "axes" in a else (None if len(vals) < 2 or vals[1] is None
                                                  else [int(e) for e in vals[1].reshape(-1)])
        fn = {"ReduceProd": np.prod, "ReduceSum": np.sum, "ReduceMax": np.max, "ReduceMin": np.min}[op]
        keep = bool(a.get("keepdims", 1))
        return [np.asarray(fn(x, axis=None if not axes else tuple(_norm_axes(axes, x.ndim)), keepdims=keep))]
    return None


def _needs_value(op, k):
    if op in ("Gather", "Unsqueeze", "Squeeze", "Slice", "Reshape", "Tile", "Expand", "Range", "Where", "Concat"):
        return True
    return k == 0 or op in _BINARY


def _tensor(proto):
    return _to_array(proto)


def _array(values):
    import numpy as np

    if isinstance(values, (list, tuple)):
        if any(_is_sym(e) for e in values):
            return np.array(list(values), dtype=object)
        return np.array([int(e) for e in values], dtype=np.int64)
    if _is_sym(values):
        return np.array(values, dtype=object)
    return np.array(int(values), dtype=np.int64)


def _np_type(to):
    import numpy as np

    return {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32, 7: np.int64,
            9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64}.get(to, np.float32)
