"""Keras model files read as data: a ``.keras`` archive, a legacy ``.h5`` file or the JSON of
``model.to_json()``, without importing Keras or TensorFlow and without running anything of the file.

Keras' own ``load_model`` rebuilds the model from its config, and has had code-execution holes even in its
safe mode (a ``Lambda`` layer's marshalled bytecode, a module path to import). shapecalc reads only the
JSON config — ``config.json`` inside a ``.keras`` zip archive, the ``model_config`` attribute at the root of
an ``.h5`` file (through ``h5py``, an optional extra), or the JSON text itself — never the weights, and maps
each Keras layer to a shapecalc kind by its class name and configuration. Sequential and functional models,
nested models (a base model inside a transfer-learning model: its layers become rows of a block of its name)
and the configs of Keras 2 (``tf.keras``) and Keras 3 are read.

The figures are Keras' own conventions: ``padding="same"`` pads as TensorFlow does (the smaller half
first), a BatchNormalization without ``scale`` has no γ (InceptionV3), a layer's ``activation`` is a row of
its own after it (``conv1_relu``), and a layer with ``trainable: false`` holds non-trainable parameters.
Keras counts BatchNormalization's moving mean and variance (and Normalization's statistics) among the
non-trainable *parameters*; shapecalc calls them buffers: :func:`keras_totals` gives the totals as
``model.count_params()`` and ``model.summary()`` report them.

A layer that no rule describes is *named, never counted as zero*: an
:class:`~shapecalc.layers.Unsupported` row (its output shape, where a Keras 3 file recorded it, and its
input size), which leaves the summary partial. :func:`register` describes such a class once.

>>> import json
>>> from shapecalc import summary
>>> model = {"class_name": "Sequential", "config": {"name": "tiny", "layers": [
...     {"class_name": "InputLayer", "config": {"name": "image", "batch_shape": [None, 28, 28, 1]}},
...     {"class_name": "Conv2D", "config": {"name": "conv", "filters": 8, "kernel_size": [3, 3],
...                                          "strides": [2, 2], "padding": "same", "activation": "relu"}},
...     {"class_name": "BatchNormalization", "config": {"name": "bn", "scale": False}},
...     {"class_name": "Flatten", "config": {"name": "flat"}},
...     {"class_name": "Dense", "config": {"name": "out", "units": 10, "activation": "softmax"}}]}}
>>> s = summary(read_keras(json.dumps(model)))
>>> [(r.path, r.output_shape, r.params) for r in s.rows]           # doctest: +NORMALIZE_WHITESPACE
[('input', (28, 28, 1), 0), ('conv', (14, 14, 8), 80), ('conv_relu', (14, 14, 8), 0),
 ('bn', (14, 14, 8), 8), ('flat', (1568,), 0), ('out', (10,), 15690), ('out_softmax', (10,), 0)]
>>> keras_totals(s) == {"params": 80 + 8 + 16 + 15690, "trainable": 80 + 8 + 15690, "non_trainable": 16}
True
"""

import json
import os

from . import layers as L
from .errors import ConfigError, SpecError
from .graph import Node, to_network
from .layers import (
    Add, AvgPool2d, BatchNorm, Concat, Conv2d, Crop2d, DepthwiseConv2d, Dropout, Flatten, GlobalAvgPool,
    GlobalMaxPool, GroupNorm, Identity, LayerNorm, LayerScale, Linear, MaxPool2d, Multiply, Normalization, PointwiseLinear, ReLU,
    ReLU6, Rescaling, Reshape, SeparableConv2d, Softmax, StochasticDepth, Unsupported, ZeroPad2d,
)

__all__ = ["read_keras", "load_config", "keras_nodes", "keras_totals", "register", "KerasFileError",
           "MAX_CONFIG_BYTES"]

#: the most of a model's JSON that is read (a .keras archive's config.json, an .h5 file's model_config, a
#: .json file): a config is a few megabytes for the largest Keras applications
MAX_CONFIG_BYTES = 64 * 1024 * 1024

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


class KerasFileError(SpecError):
    """A Keras file that cannot be read as a model config: not a ``.keras`` archive, an HDF5 file or a
    model's JSON, corrupt, too large, or without a model config."""


# ---------------------------------------------------------------------------------------------------------
# the config, read as data


def load_config(source):
    """The model config (a dict) of ``source`` and a label for it: a path to a ``.keras`` archive, an
    ``.h5`` file or a ``.json`` file (recognised by their first bytes, whatever their name), the JSON text
    itself, or the dict. Nothing of the file is executed, and its weights are not read."""
    if isinstance(source, dict):
        return _model_dict(source, "the config"), "the config"
    if isinstance(source, bytes):
        return _model_dict(_parse_json(source, "the JSON"), "the JSON"), "the JSON"
    if isinstance(source, str) and source.lstrip().startswith(("{", "[")):
        return _model_dict(_parse_json(source, "the JSON"), "the JSON"), "the JSON"
    if not isinstance(source, (str, os.PathLike)):
        raise ConfigError(f"expected a path to a .keras, .h5 or .json file, or a model's JSON; received "
                          f"{type(source).__name__}", "keras")
    path = os.fspath(source)
    label = os.path.basename(path) or path
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except FileNotFoundError:
        raise KerasFileError(f"no such file: {path}", "keras") from None
    except IsADirectoryError:
        raise KerasFileError(f"{path} is a folder, not a Keras file (a SavedModel folder is not read: save the "
                             "model as .keras)", "keras") from None
    except OSError as exc:
        raise KerasFileError(f"cannot read {path}: {exc.strerror or exc}", "keras") from None
    version = None
    if head.startswith(_ZIP_MAGIC):
        text, version = _from_zip(path, label)
    elif head.startswith(_HDF5_MAGIC) or path.lower().endswith((".h5", ".hdf5", ".keras.h5")):
        text, version = _from_hdf5(path, label)
    else:
        try:
            with open(path, "rb") as f:
                text = f.read(MAX_CONFIG_BYTES + 1)
        except OSError as exc:
            raise KerasFileError(f"cannot read {path}: {exc.strerror or exc}", label) from None
        if len(text) > MAX_CONFIG_BYTES:
            raise KerasFileError(f"the file is larger than {MAX_CONFIG_BYTES >> 20} MB: not a model's JSON", label)
        if not text.lstrip()[:1] in (b"{", b"["):
            raise KerasFileError("not a Keras file: neither a .keras archive (zip), an HDF5 file nor a model's "
                                 "JSON", label)
    data = _model_dict(_parse_json(text, label), label)
    if version and not data.get("keras_version"):
        data = dict(data, keras_version=version)
    return data, label


def _from_zip(path, label):
    """config.json of a .keras archive, read in bounded pieces (a zip bomb stops at the cap)."""
    import zipfile
    import zlib

    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo("config.json")
            except KeyError:
                raise KerasFileError("the archive holds no config.json: not a .keras model (a weights-only "
                                     "file?)", label) from None
            if info.file_size > MAX_CONFIG_BYTES:
                raise KerasFileError(f"config.json is {info.file_size:,} bytes, more than the "
                                     f"{MAX_CONFIG_BYTES >> 20} MB read", label)
            with archive.open(info) as member:
                text = member.read(MAX_CONFIG_BYTES + 1)
            version = None
            if "metadata.json" in archive.namelist() and archive.getinfo("metadata.json").file_size < 1 << 20:
                with archive.open("metadata.json") as member:
                    try:
                        version = json.loads(member.read(1 << 20)).get("keras_version")
                    except (ValueError, AttributeError):
                        version = None  # the version is a courtesy: a damaged metadata.json is no error
    except KerasFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise KerasFileError(f"corrupt .keras archive: {exc}", label) from None
    except (NotImplementedError, RuntimeError) as exc:  # an unknown compression, an encrypted member
        raise KerasFileError(f"cannot read the .keras archive: {exc}", label) from None
    except OSError as exc:
        raise KerasFileError(f"cannot read the .keras archive: {exc.strerror or exc}", label) from None
    if len(text) > MAX_CONFIG_BYTES:
        raise KerasFileError(f"config.json is larger than the {MAX_CONFIG_BYTES >> 20} MB read", label)
    return text, version if isinstance(version, str) else None


def _from_hdf5(path, label):
    """The ``model_config`` attribute at the root of a legacy .h5 file."""
    try:
        import h5py
    except ImportError:
        raise ConfigError("reading an .h5 file needs h5py: pip install h5py", label) from None
    try:
        with h5py.File(path, "r") as f:
            if "model_config" not in f.attrs:
                raise KerasFileError("the HDF5 file has no model_config attribute: a weights-only file, or a "
                                     "model saved without its config", label)
            size = f.attrs.get_id("model_config").get_storage_size()
            if size > MAX_CONFIG_BYTES:
                raise KerasFileError(f"model_config is {size:,} bytes, more than the {MAX_CONFIG_BYTES >> 20} MB "
                                     "read", label)
            value = f.attrs["model_config"]
            version = f.attrs.get("keras_version")
    except KerasFileError:
        raise
    except Exception as exc:  # h5py raises OSError, KeyError, ValueError … for a damaged file
        raise KerasFileError(f"cannot read the HDF5 file: {exc}", label) from None
    if not isinstance(value, (bytes, str)) and getattr(value, "size", 0) == 1:
        value = value.item()  # a one-element array of a string
    if not isinstance(value, (bytes, str)):
        raise KerasFileError(f"model_config is not text (received {type(value).__name__})", label)
    if isinstance(version, bytes):
        version = version.decode("utf-8", "replace")
    return value, version if isinstance(version, str) else None


def _parse_json(text, label):
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise KerasFileError(f"the config is not UTF-8 text (byte {exc.start})", label) from None
    if len(text) > MAX_CONFIG_BYTES:
        raise KerasFileError(f"the config is larger than {MAX_CONFIG_BYTES >> 20} MB", label)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise KerasFileError(f"the config is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                             label) from None
    except RecursionError:
        raise KerasFileError("the config's JSON is nested too deeply", label) from None


def _model_dict(data, label):
    if isinstance(data, dict) and isinstance(data.get("class_name"), str) and "config" in data:
        return data
    raise KerasFileError("the JSON is not a Keras model's config (expected an object with class_name and "
                         "config, as model.to_json() writes)", label)


# ---------------------------------------------------------------------------------------------------------
# layers without a rule: named rows, uncounted


class _Elementwise(Unsupported):
    """An element-wise function shapecalc has no rule for (an ELU, a leaky ReLU): its output has its
    input's shape; its arithmetic is unknown."""

    def infer(self, x, ctx, path):
        return x


class _OpaqueMerge(Unsupported):
    """A layer without a rule that reads several tensors (a Lambda of two inputs): the shape the file
    recorded."""

    merges = True

    def merge(self, inputs, ctx, path):
        return Unsupported.infer(self, inputs[0], ctx, path)


class _ElementwiseMerge(_OpaqueMerge):
    """An element-wise merge shapecalc has no rule for (Subtract, Average, Maximum): equal shapes in, that
    shape out."""

    def merge(self, inputs, ctx, path):
        return Add.merge(self, inputs, ctx, path)


def _opaque(what, shape, at, inputs, elementwise=False):
    """The row of a Keras layer that no rule describes: its output shape where the file recorded it (at the
    recorded input size), or the input's own for an element-wise function (``elementwise``); a merge when it
    reads several tensors."""
    if elementwise:
        return (_ElementwiseMerge if inputs > 1 else _Elementwise)(what)
    if inputs > 1:
        return _OpaqueMerge(what, shape=shape, at=at)
    return Unsupported(what, shape=shape, at=at)


# ---------------------------------------------------------------------------------------------------------
# the Keras classes


#: rules by Keras class name: ``rule(call) -> Layer | [(suffix, Layer), …] | None`` (None: no rule fits this
#: configuration; the layer becomes an Unsupported row)
RULES = {}

#: Keras' activation functions by name: shapecalc's kind (element-wise functions without a rule are the
#: second set)
_ACTIVATIONS = {
    "relu": "ReLU", "relu6": "ReLU6", "sigmoid": "Sigmoid", "tanh": "Tanh", "softmax": "Softmax",
    "silu": "SiLU", "swish": "SiLU", "gelu": "GELU", "hard_sigmoid": "Hardsigmoid", "hard_silu": "Hardswish",
    "hard_swish": "Hardswish",
}
_ELEMENTWISE = {"elu", "selu", "softplus", "softsign", "exponential", "leaky_relu", "log_softmax", "mish",
                "celu", "log_sigmoid", "hard_tanh", "soft_shrink", "hard_shrink", "tanh_shrink", "sparse_plus",
                "squareplus", "sparsemax", "threshold"}


def register(class_name, rule):
    """Describe a Keras layer class of your own (a custom layer, by its ``class_name`` in the config) once:
    ``rule(config)`` gets the layer's config dict and returns a shapecalc layer, or a list of
    ``(suffix, layer)`` pairs that stand for it in order (the first suffix ``None``: the Keras name)."""
    if not isinstance(class_name, str) or not class_name:
        raise ConfigError(f"register expects a Keras class name, received {class_name!r}", "register")
    if not callable(rule):
        raise ConfigError(f"register expects a function of the layer's config, received {rule!r}", "register")
    RULES[class_name] = lambda call: rule(call.config)


def _rule(*names):
    def add(fn):
        for n in names:
            RULES[n] = fn
        return fn
    return add


class _Call:
    """One Keras layer call: its name (the row path), class, config, the names of the nodes it reads, the
    constants among its arguments, the ranks and recorded shapes of its inputs, and the model's layout."""

    def __init__(self, name, keras_name, class_name, module, config, inputs, constants, shapes, trainable):
        self.name, self.keras_name, self.class_name, self.module = name, keras_name, class_name, module
        self.config = config
        self.inputs = inputs  # node names, in argument order
        self.constants = constants  # non-tensor arguments, in order (a Keras 3 op's 3.0, a TFOpLambda's y)
        self.in_shapes = shapes  # the recorded input shapes (Keras' layout, batch first), None where unknown
        self.trainable = trainable
        self.rank = None  # the rank of the first input (1 vector, 2 tokens, 3 map), when known
        self.channels_first = False
        self.const_first = False  # a constant came before the tensor (``3 - x``)

    def get(self, key, default=None):
        value = self.config.get(key, default)
        return default if value is None else value

    def pair(self, key, default=None):
        value = self.get(key, default)
        if isinstance(value, (list, tuple)):
            if len(value) == 1:
                return (value[0], value[0])
            return tuple(value)
        return value

    def channel_axis(self, key="axis", default=-1):
        """Whether the config's axis is the channels (the last axis, or axis 1 channels-first)."""
        axis = self.get(key, default)
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                return False
            axis = axis[0]
        if isinstance(axis, bool) or not isinstance(axis, int):
            return False
        if self.channels_first and self.rank == 3:
            return axis in (1, -3)
        return axis == -1 or (self.rank is not None and axis == self.rank)


def _padding(call):
    padding = call.get("padding", "valid")
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        return None  # "causal" (a 1-D convolution's)
    return padding.lower()


def _windowed(call):
    kernel = call.pair("kernel_size")
    strides = call.pair("strides", 1)
    dilation = call.pair("dilation_rate", 1)
    padding = _padding(call)
    if kernel is None or padding is None or len(kernel) != 2:
        return None
    return kernel, strides, padding, dilation


def _with_activation(call, layer):
    """The layer, then its ``activation`` as a row of its own (``conv1_relu``)."""
    act = _activation_layer(call.config.get("activation"), call)
    if act is None:
        return layer
    word, row = act
    return [(None, layer), (word, row)]


def _activation_name(value):
    """An activation as its Keras name: a string, or a serialised function (Keras 3: a dict whose config is
    the function's name)."""
    if value is None:
        return "linear"
    if isinstance(value, str):
        return value.rsplit(".", 1)[-1].lower()
    if isinstance(value, dict):
        inner = value.get("config")
        if isinstance(inner, str):
            return inner.rsplit(".", 1)[-1].lower()
        if isinstance(inner, dict) and isinstance(inner.get("name"), str):
            return inner["name"].lower()
        name = value.get("class_name")
        if isinstance(name, str):
            return name.lower()
    return repr(value)


def _activation_layer(value, call):
    """``(word, layer)`` for an activation, None for "linear"."""
    name = _activation_name(value)
    if name == "linear":
        return None
    if name in _ACTIVATIONS:
        return name, getattr(L, _ACTIVATIONS[name])()
    word = "".join(c if c.isalnum() or c == "_" else "_" for c in name)[:32] or "activation"
    if name in _ELEMENTWISE:
        return word, _opaque(f"activation {name!r}", None, None, 1, elementwise=True)
    return word, _opaque(f"activation {name!r}", None, None, 1)


@_rule("Conv2D", "Convolution2D")
def _conv(call):
    w = _windowed(call)
    if w is None or call.get("filters") is None:
        return None
    kernel, strides, padding, dilation = w
    layer = Conv2d(call.get("filters"), kernel, stride=strides, padding=padding, dilation=dilation,
                   groups=call.get("groups", 1), bias=bool(call.get("use_bias", True)))
    return _with_activation(call, layer)


def _sizes(value, n):
    """A Keras size argument (an int, or a list of one or ``n``) as ``n`` ints; None where it is not one."""
    if isinstance(value, (list, tuple)):
        value = list(value)
        if len(value) == 1:
            value = value * n
        if len(value) != n:
            return None
        return tuple(value)
    return None if value is None else (value,) * n


def _map_window(call, n, kernel_key):
    """``(kernel, strides, padding, dilation)`` of a 1-D or 3-D window on its own kind of map (a sequence
    L×C, a volume D×H×W×C, channels last); None for what shapecalc does not read ("causal" padding,
    channels first, another rank)."""
    kernel = _sizes(call.get(kernel_key, 2 if kernel_key == "pool_size" else None), n)
    padding = _padding(call)
    if kernel is None or padding is None or call.channels_first or call.rank not in (None, n + 1):
        return None
    strides = _sizes(call.get("strides", kernel if kernel_key == "pool_size" else 1), n)
    dilation = _sizes(call.get("dilation_rate", 1), n)
    if strides is None or dilation is None:
        return None
    return kernel, strides, padding, dilation


@_rule("Conv1D", "Convolution1D", "Conv3D", "Convolution3D")
def _conv_map(call):
    n = 1 if "1D" in call.class_name else 3
    w = _map_window(call, n, "kernel_size")
    if w is None or call.get("filters") is None:
        return None
    kernel, strides, padding, dilation = w
    cls = L.Conv1d if n == 1 else L.Conv3d
    layer = cls(call.get("filters"), kernel, stride=strides, padding=padding, dilation=dilation,
                groups=call.get("groups", 1), bias=bool(call.get("use_bias", True)))
    return _with_activation(call, layer)


@_rule("MaxPooling1D", "MaxPool1D", "MaxPooling3D", "MaxPool3D", "AveragePooling1D", "AvgPool1D",
       "AveragePooling3D", "AvgPool3D")
def _pool_map(call):
    n = 1 if "1D" in call.class_name else 3
    w = _map_window(call, n, "pool_size")
    if w is None:
        return None
    kernel, strides, padding, _ = w
    if "Max" in call.class_name:
        return (L.MaxPool1d if n == 1 else L.MaxPool3d)(kernel, strides, padding)
    # Keras averages over the window's inputs only (the padding is not counted)
    return (L.AvgPool1d if n == 1 else L.AvgPool3d)(kernel, strides, padding, count_include_pad=padding == "valid")


@_rule("DepthwiseConv2D")
def _dwconv(call):
    w = _windowed(call)
    if w is None:
        return None
    kernel, strides, padding, dilation = w
    layer = DepthwiseConv2d(kernel, strides, padding, call.get("depth_multiplier", 1), dilation,
                            bool(call.get("use_bias", True)))
    return _with_activation(call, layer)


@_rule("SeparableConv2D", "SeparableConvolution2D")
def _sepconv(call):
    w = _windowed(call)
    if w is None or call.get("filters") is None:
        return None
    kernel, strides, padding, dilation = w
    layer = SeparableConv2d(call.get("filters"), kernel, strides, padding, call.get("depth_multiplier", 1),
                            dilation, bool(call.get("use_bias", True)))
    return _with_activation(call, layer)


@_rule("Dense")
def _dense(call):
    units = call.get("units")
    if units is None:
        return None
    bias = bool(call.get("use_bias", True))
    # on a vector a dense layer; on a map (or tokens) Keras applies it at every position, over the channels
    layer = Linear(units, bias=bias) if call.rank in (1, None) else PointwiseLinear(units, bias)
    return _with_activation(call, layer)


@_rule("BatchNormalization", "SyncBatchNormalization")
def _batchnorm(call):
    if not call.channel_axis() or call.get("renorm", False):
        return None
    momentum = call.get("momentum", 0.99)
    # Keras' momentum weighs the old statistics, PyTorch's (shapecalc's) the new batch
    momentum = round(1 - momentum, 12) if isinstance(momentum, (int, float)) and 0 <= momentum <= 1 else 0.01
    return BatchNorm(eps=call.get("epsilon", 1e-3), momentum=momentum, affine=True, scale=bool(call.get("scale", True)),
                     center=bool(call.get("center", True)))


@_rule("LayerNormalization")
def _layernorm(call):
    center, scale = bool(call.get("center", True)), bool(call.get("scale", True))
    if not call.channel_axis() or center != scale or call.channels_first:
        return None
    return LayerNorm(eps=call.get("epsilon", 1e-3), affine=center)


@_rule("GroupNormalization")
def _groupnorm(call):
    center, scale = bool(call.get("center", True)), bool(call.get("scale", True))
    groups = call.get("groups", 32)
    if not call.channel_axis() or center != scale or not isinstance(groups, int) or groups < 1:
        return None
    return GroupNorm(groups, eps=call.get("epsilon", 1e-3), affine=center)


@_rule("Activation")
def _activation(call):
    act = _activation_layer(call.config.get("activation"), call)
    return Identity() if act is None else act[1]


@_rule("ReLU")
def _relu(call):
    max_value = call.config.get("max_value")
    slope = call.get("negative_slope", 0) or 0
    threshold = call.get("threshold", 0) or 0
    if slope or threshold or max_value not in (None, 6, 6.0):
        return _opaque(f"ReLU(max_value={max_value}, negative_slope={slope}, threshold={threshold})", None, None,
                       1, elementwise=True)
    return ReLU() if max_value is None else ReLU6()


@_rule("Softmax")
def _softmax(call):
    return Softmax() if call.channel_axis() else None


@_rule("LeakyReLU", "ELU", "ThresholdedReLU")
def _elementwise(call):
    return _opaque(call.class_name, None, None, 1, elementwise=True)


@_rule("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout", "GaussianDropout")
def _dropout(call):
    rate = call.get("rate", 0.5)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        return None
    return Dropout(rate)


@_rule("GaussianNoise", "ActivityRegularization", "Identity", "Masking", "RandomFlip", "RandomRotation",
       "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness")
def _identity(call):
    # at inference these pass the input through (a random augmentation is off, noise is training-only)
    return Identity()


@_rule("MaxPooling2D", "MaxPool2D")
def _maxpool(call):
    kernel = call.pair("pool_size", 2)
    padding = _padding(call)
    if padding is None:
        return None
    return MaxPool2d(kernel, call.pair("strides", kernel), padding)


@_rule("AveragePooling2D", "AvgPool2D")
def _avgpool(call):
    kernel = call.pair("pool_size", 2)
    padding = _padding(call)
    if padding is None:
        return None
    # Keras averages over the window's inputs only (the padding is not counted)
    return AvgPool2d(kernel, call.pair("strides", kernel), padding, count_include_pad=padding == "valid")


@_rule("GlobalAveragePooling2D", "GlobalAvgPool2D", "GlobalAveragePooling3D", "GlobalAvgPool3D")
def _gap(call):
    return GlobalAvgPool(bool(call.get("keepdims", False)))


@_rule("GlobalMaxPooling2D", "GlobalMaxPool2D", "GlobalMaxPooling3D", "GlobalMaxPool3D")
def _gmp(call):
    return GlobalMaxPool(bool(call.get("keepdims", False)))


@_rule("Flatten")
def _flatten(call):
    # tokens flatten to a vector as a reshape does (shapecalc's flatten takes maps and vectors)
    return Reshape((-1,)) if call.rank == 2 else Flatten()


@_rule("ZeroPadding2D")
def _zeropad(call):
    return ZeroPad2d(_sides(call.get("padding", 1)))


@_rule("Cropping2D")
def _crop(call):
    return Crop2d(_sides(call.get("cropping", 1)))


def _sides(value):
    """Keras' 2-D padding or cropping, ``n``, ``(h, w)`` or ``((top, bottom), (left, right))``, as the last."""
    if isinstance(value, int):
        return ((value, value), (value, value))
    value = list(value)
    if all(isinstance(v, int) for v in value):
        return ((value[0], value[0]), (value[1], value[1]))
    return tuple(tuple(v) for v in value)


@_rule("Rescaling")
def _rescaling(call):
    return Rescaling(call.get("scale", 1.0), call.get("offset", 0.0))


@_rule("Normalization")
def _normalization(call):
    axis = call.config.get("axis", -1)
    axes = () if axis is None else tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    rank = call.rank
    if rank is None:
        return None
    per_sample = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, int) or not -rank <= a <= rank or a == 0:
            return None
        a = a - 1 if a > 0 else a + rank  # Keras counts the batch axis
        if call.channels_first and rank == 3:
            a = (2, 0, 1)[a]  # C, H, W → shapecalc's H, W, C
        per_sample.append(a)
    mean, variance = call.config.get("mean"), call.config.get("variance")
    if (mean is None) != (variance is None):
        return None
    return Normalization(tuple(sorted(per_sample)), _numbers(mean), _numbers(variance))


def _numbers(value):
    """A constant of the config: a number or a (nested) list of numbers, flattened."""
    if value is None or isinstance(value, (int, float)):
        return value
    out = []

    def walk(v):
        if isinstance(v, (list, tuple)):
            for item in v:
                walk(item)
        else:
            out.append(v)
    walk(value)
    return out[0] if len(out) == 1 else out


@_rule("Reshape")
def _reshape(call):
    target = call.get("target_shape")
    if not isinstance(target, (list, tuple)) or not 1 <= len(target) <= 3:
        return None
    target = tuple(-1 if d is None else d for d in target)
    if call.channels_first and len(target) == 3:
        target = (target[1], target[2], target[0])
    return Reshape(target)


@_rule("Add")
def _add(call):
    if len(call.inputs) >= 2:
        return Add()
    return _arithmetic(call, "add")


@_rule("Multiply")
def _multiply(call):
    if len(call.inputs) >= 2:
        return Multiply()
    return _arithmetic(call, "multiply")


@_rule("Subtract", "Average", "Maximum", "Minimum")
def _elementwise_merge(call):
    if len(call.inputs) >= 2:
        return _opaque(call.class_name, None, None, len(call.inputs), elementwise=True)
    return _arithmetic(call, call.class_name.lower())


@_rule("Divide", "TrueDivide")
def _divide(call):
    return _arithmetic(call, "divide") if len(call.inputs) == 1 else None


@_rule("Concatenate")
def _concat(call):
    return Concat() if call.channel_axis() else None


@_rule("LayerScale")
def _layerscale(call):
    # keras.applications.convnext.LayerScale: x · γ, one γ per channel
    return LayerScale(call.get("init_values", 1e-6))


@_rule("StochasticDepth")
def _stochastic_depth(call):
    rate = call.get("drop_path_rate", 0.0)
    return StochasticDepth(rate) if isinstance(rate, (int, float)) and 0 <= rate <= 1 else None


@_rule("CustomScaleLayer")
def _custom_scale(call):
    # keras.applications.inception_resnet_v2: inputs[0] + inputs[1] · scale, a residual sum whose scaling is
    # no MAC
    return Add() if len(call.inputs) == 2 else None


def _arithmetic(call, op):
    """A Keras 3 operation (``x + 3.0``) or a Keras 2 TFOpLambda on one tensor and one number: a rescaling."""
    numbers = [c for c in call.constants if isinstance(c, (int, float)) and not isinstance(c, bool)]
    if len(call.inputs) != 1 or len(numbers) != 1:
        return None
    c = float(numbers[0])
    first = call.const_first  # c − x, c / x
    if op == "add":
        return Rescaling(1.0, c)
    if op == "multiply":
        return Rescaling(c, 0.0)
    if op == "subtract":
        return Rescaling(-1.0, c) if first else Rescaling(1.0, -c)
    if op == "divide" and not first and c != 0:
        return Rescaling(1 / c, 0.0)
    return None


#: Keras 3 operations (``keras.src.ops``) and Keras 2 TFOpLambda functions: the Keras class whose rule
#: describes them
_OPS = {
    "add": "Add", "multiply": "Multiply", "subtract": "Subtract", "divide": "Divide", "truedivide": "Divide",
    "true_divide": "Divide", "truediv": "Divide", "__operators__.add": "Add", "math.add": "Add",
    "math.multiply": "Multiply", "math.subtract": "Subtract", "math.truediv": "Divide", "math.divide": "Divide",
}
_OP_ACTIVATIONS = {
    "relu": "relu", "relu6": "relu6", "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax", "silu": "silu",
    "swish": "silu", "gelu": "gelu", "hardsigmoid": "hard_sigmoid", "hard_sigmoid": "hard_sigmoid",
    "hardsilu": "hard_silu", "hard_silu": "hard_silu", "hardswish": "hard_silu", "hard_swish": "hard_silu",
    "nn.relu": "relu", "nn.relu6": "relu6", "math.sigmoid": "sigmoid", "nn.sigmoid": "sigmoid",
    "math.tanh": "tanh", "nn.softmax": "softmax", "nn.silu": "silu", "nn.swish": "silu", "nn.gelu": "gelu",
}


def _operation(call):
    """A Keras 3 operation of a functional graph (``keras.src.ops``) or a Keras 2 TFOpLambda."""
    name = call.class_name if call.module.startswith("keras.src.ops") else call.get("function", "")
    key = name if isinstance(name, str) else ""
    low = key.lower()
    if low in _OP_ACTIVATIONS and len(call.inputs) == 1:
        act = _activation_layer(_OP_ACTIVATIONS[low], call)
        return act and act[1]
    cls = _OPS.get(low) or _OPS.get(key)
    if cls is not None:
        return RULES[cls](call)
    return None


# ---------------------------------------------------------------------------------------------------------
# the graph of a model config


class _Importer:
    """A model config flattened into layer calls (nested models inlined under their name), then into the
    graph's nodes."""

    def __init__(self, label):
        self.label = label
        self.calls = []  # _Call, in the config's order
        self.input = None  # (node name, Keras batch shape) of the model's input
        self.alias = {}  # a Keras layer's name (prefixed) → the node that holds its output
        self.recorded = {}  # node name → its output shape as a Keras 3 file recorded it (batch first)
        self.channels_first = False

    # -- reading --
    def model(self, data, prefix="", inputs=None, trainable=True):
        """Read a model's config; ``inputs``: the outer nodes a nested model reads. Returns its output node."""
        class_name = data.get("class_name")
        config = data.get("config")
        if class_name == "Sequential" or (isinstance(config, list)):
            return self.sequential(config, prefix, inputs, trainable, data)
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise KerasFileError(f"the model's config has no list of layers (class {class_name!r})", self.label)
        return self.functional(config, prefix, inputs, trainable and config.get("trainable", True) is not False)

    def sequential(self, config, prefix, inputs, trainable, data):
        if isinstance(config, list):  # Keras 2.0's Sequential config: the list of layers itself
            layers, config = config, {}
        else:
            layers = config.get("layers")
            if not isinstance(layers, list):
                raise KerasFileError("the Sequential model's config has no list of layers", self.label)
            trainable = trainable and config.get("trainable", True) is not False
        previous = None
        for i, entry in enumerate(layers):
            entry = self._entry(entry, i)
            name = self._name(entry, prefix)
            cls = entry["class_name"]
            if cls == "InputLayer":
                if inputs is None and previous is None:
                    previous = self._set_input(name, self._batch_shape(entry["config"]))
                elif previous is None:
                    previous = self._alias(name, inputs[0])
                continue
            if previous is None:
                if inputs is not None:
                    previous = inputs[0]
                else:
                    shape = (entry["config"].get("batch_input_shape") or entry["config"].get("batch_shape")
                             or config.get("build_input_shape")
                             or (data.get("build_config") or {}).get("input_shape"))
                    previous = self._set_input(prefix + "input", shape)
            previous = self.layer(entry, name, [previous], [], [None], trainable)
        if previous is None:
            raise KerasFileError("the Sequential model has no layers", self.label)
        return previous

    def functional(self, config, prefix, inputs, trainable):
        entries = [self._entry(e, i) for i, e in enumerate(config["layers"])]
        ins = _refs(config.get("input_layers"))
        outs = _refs(config.get("output_layers"))
        if len(outs) != 1:
            raise ConfigError(f"the model has {len(outs)} outputs ({', '.join(r[0] for r in outs)}): shapecalc "
                              "analyses a model with one output", self.label)
        if inputs is None and len(ins) != 1:
            raise ConfigError(f"the model has {len(ins)} inputs ({', '.join(r[0] for r in ins)}): shapecalc "
                              "analyses a model with one input", self.label)
        if inputs is not None and len(ins) != len(inputs):
            raise ConfigError(f"the nested model {prefix[:-1]!r} has {len(ins)} inputs and is called with "
                              f"{len(inputs)}", self.label)
        input_names = [r[0] for r in ins]
        for entry in entries:
            name = self._name(entry, prefix)
            if entry["class_name"] == "InputLayer":
                keras_name = entry_name(entry)
                if keras_name not in input_names:
                    continue  # an input the model does not use
                if inputs is None:
                    self._set_input(name, self._batch_shape(entry["config"]))
                else:
                    self._alias(name, inputs[input_names.index(keras_name)])
                continue
            nodes = entry.get("inbound_nodes") or []
            if len(nodes) > 1:
                raise ConfigError(f"layer {entry_name(entry)!r} is called {len(nodes)} times (shared weights): "
                                  "shapecalc analyses layers called once", self.label)
            if not nodes:
                continue  # a layer that is never called: not part of the graph
            refs, constants, shapes, const_first = self._inbound(nodes[0], prefix)
            self.layer(entry, name, refs, constants, shapes, trainable, const_first)
        out = outs[0]
        self._check_ref(out)
        return self._resolve(prefix + _clean(out[0]))

    def layer(self, entry, name, refs, constants, shapes, trainable, const_first=False):
        """One layer entry called on the nodes ``refs``: a nested model is inlined, any other layer is a call."""
        cls = entry["class_name"]
        config = entry["config"]
        layer_trainable = trainable and config.get("trainable", True) is not False
        if cls in ("Sequential", "Functional", "Model") or (isinstance(config, dict) and isinstance(
                config.get("layers"), list) and cls not in RULES):
            out = self.model(entry, name + ".", [self._resolve(r) for r in refs], layer_trainable)
            return self._alias(name, out)
        call = _Call(name, entry_name(entry), cls, entry.get("module") or "", config,
                     [self._resolve(r) for r in refs], constants, shapes, layer_trainable)
        call.const_first = const_first
        self.calls.append(call)
        self.alias[name] = name
        return name

    # -- helpers --
    def _entry(self, entry, i):
        if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
            raise KerasFileError(f"layer {i} of the config is not a layer (no class_name)", self.label)
        config = entry.get("config")
        if config is None:
            config = entry["config"] = {}
        if not isinstance(config, dict) and not (entry["class_name"] == "Sequential" and isinstance(config, list)):
            raise KerasFileError(f"layer {i} ({entry['class_name']}) has no config object", self.label)
        for key in ("data_format",):
            if isinstance(config, dict) and config.get(key) == "channels_first":
                self.channels_first = True
        return entry

    def _name(self, entry, prefix):
        name = entry_name(entry)
        if not isinstance(name, str) or not name.strip():
            raise KerasFileError(f"a {entry['class_name']} layer has no name", self.label)
        return prefix + _clean(name)

    def _batch_shape(self, config):
        return config.get("batch_shape") or config.get("batch_input_shape")

    def _set_input(self, name, shape):
        if self.input is not None:
            raise ConfigError("the model has a second input: shapecalc analyses a model with one input", self.label)
        self.input = (name, shape)
        self.alias[name] = name
        return name

    def _alias(self, name, target):
        self.alias[name] = target
        return target

    def _resolve(self, name):
        seen = set()
        while name in self.alias and self.alias[name] != name:
            if name in seen:
                raise KerasFileError(f"the layer {name!r} refers to itself", self.label)
            seen.add(name)
            name = self.alias[name]
        if name not in self.alias:
            raise ConfigError(f"a layer reads {name!r}, which the model does not define", self.label)
        return name

    def _check_ref(self, ref):
        name, node_index, tensor_index = ref
        if not isinstance(node_index, int) or node_index > 0:
            raise ConfigError(f"the model reads call {node_index} of layer {name!r} (a layer called several "
                              "times): shapecalc analyses layers called once", self.label)
        if not isinstance(tensor_index, int) or tensor_index > 0:
            raise ConfigError(f"the model reads output {tensor_index} of layer {name!r}: shapecalc analyses "
                              "layers with one output", self.label)

    def _inbound(self, node, prefix):
        """The tensors a call reads (node names), its constant arguments, the tensors' recorded shapes, and
        whether a constant came first (``3 - x``)."""
        refs, constants, shapes = [], [], []
        order = []

        def tensor(ref, shape=None):
            self._check_ref(ref)
            name = prefix + _clean(ref[0])
            refs.append(name)
            shapes.append(shape)
            order.append("t")
            if shape is not None:
                self.recorded.setdefault(self._resolve_soft(name), shape)

        def walk(value):
            if isinstance(value, dict):
                if value.get("class_name") == "__keras_tensor__":
                    cfg = value.get("config") or {}
                    history = cfg.get("keras_history")
                    if not isinstance(history, list) or len(history) != 3:
                        raise KerasFileError("a tensor argument has no keras_history", self.label)
                    tensor(history, cfg.get("shape"))
                    return
                for v in value.values():
                    walk(v)
                return
            if isinstance(value, list):
                for v in value:
                    walk(v)
                return
            constants.append(value)
            order.append("c")

        if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
            walk(node.get("args", []))
            walk({k: v for k, v in (node.get("kwargs") or {}).items() if v is not None})
        elif isinstance(node, list):  # Keras 2: [[name, node index, tensor index, kwargs], …]
            # (a TFOpLambda's node is one reference itself: [name, node index, tensor index, kwargs])
            for item in ([node] if node and isinstance(node[0], str) else node):
                if isinstance(item, dict) and "args" in item:
                    walk(item.get("args", []))
                    continue
                if not isinstance(item, list) or len(item) < 3 or not isinstance(item[0], str):
                    raise KerasFileError(f"cannot read an inbound node: {str(item)[:80]}", self.label)
                tensor(item[:3])
                kwargs = item[3] if len(item) > 3 and isinstance(item[3], dict) else {}
                for key, value in kwargs.items():
                    if key == "name" or value is None:
                        continue
                    if isinstance(value, list) and len(value) >= 3 and isinstance(value[0], str) \
                            and isinstance(value[1], int):
                        tensor(value[:3])  # a TFOpLambda's second tensor
                    else:
                        constants.append(value)
                        order.append("c")
        else:
            raise KerasFileError(f"cannot read an inbound node: {str(node)[:80]}", self.label)
        return refs, constants, shapes, bool(order) and order[0] == "c"

    def _resolve_soft(self, name):
        try:
            return self._resolve(name)
        except ConfigError:
            return name


def entry_name(entry):
    name = entry.get("name")
    if name is None and isinstance(entry.get("config"), dict):
        name = entry["config"].get("name")
    return name


def _clean(name):
    """A Keras name as a row name: no dots (a dot nests rows), no surrounding spaces."""
    return str(name).strip().replace(".", "_") or "layer"


def _refs(value):
    """``input_layers`` / ``output_layers``: one ``[name, node, tensor]`` or a list of them."""
    if not isinstance(value, list) or not value:
        return []
    if isinstance(value[0], str):
        return [value[:3]]
    return [v[:3] for v in value if isinstance(v, list) and v and isinstance(v[0], str)]


def _per_sample(shape, channels_first):
    """A Keras batch shape ``[None, H, W, C]`` as shapecalc's per-sample shape ``(H, W, C)``; None sizes stay."""
    if not isinstance(shape, (list, tuple)) or len(shape) < 2:
        return None
    dims = list(shape[1:])
    if channels_first and len(dims) == 3:
        dims = [dims[1], dims[2], dims[0]]
    return tuple(dims)


def _known(shape):
    return shape is not None and all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in shape)


def _rank_after(layer, rank):
    kind = getattr(layer, "kind", None)
    if kind == "flatten":
        return 1
    if kind in ("gap", "gmp"):
        return rank if layer.keepdims else 1
    if kind == "reshape":
        return len(layer.target)
    if kind == "unsupported":
        return len(layer.shape) if layer.shape is not None else rank
    return rank


def _topological(calls, first):
    """The calls in an order where each follows the nodes it reads (the config's order where it already
    is)."""
    names = {c.name for c in calls}
    done = {first}
    out, pending = [], list(calls)
    while pending:
        rest = []
        for call in pending:
            if all(i in done or i not in names for i in call.inputs):
                out.append(call)
                done.add(call.name)
            else:
                rest.append(call)
        if len(rest) == len(pending):
            raise KerasFileError(f"the layers {', '.join(c.name for c in rest[:3])} read each other in a cycle",
                                 "keras")
        pending = rest
    return out


def keras_nodes(source, input_shape=None):
    """The graph of a Keras model: ``(nodes, title, input_shape, output, meta)`` — the
    :class:`~shapecalc.graph.Node` list (the input first), the model's name, its per-sample input shape
    (``("H", "W", C)`` where the file leaves the sizes open), the output node's name, and a dict of what the
    file says about itself (``label``, ``keras_version``, ``class_name``, ``unsupported``: the Keras classes
    without a rule)."""
    data, label = load_config(source)
    imp = _Importer(label)
    output = imp.model(data)
    if imp.input is None:
        raise ConfigError("the model has no input layer", label)
    in_name, batch_shape = imp.input
    if input_shape is not None:
        shape = _input_shape(input_shape, label)
    else:
        shape = _per_sample(batch_shape, imp.channels_first)
        if shape is None:
            raise ConfigError("the file does not give the model's input size: pass input_shape=(H, W, C)", label)
        if len(shape) == 3 and shape[2] is None or len(shape) not in (1, 2, 3, 4) or \
                (len(shape) != 3 and not _known(shape)):
            raise ConfigError(f"the model's input {batch_shape[1:]} is open in sizes shapecalc cannot leave "
                              "open: pass input_shape", label)
        if not _known(shape):
            shape = tuple(letter if d is None else d for d, letter in zip(shape, ("H", "W", None)))
    if len(shape) not in (1, 2, 3, 4):
        raise ConfigError(f"the model's input has {len(shape)} axes: shapecalc analyses maps H×W×C, tokens or "
                          "sequences N×D, volumes D×H×W×C and vectors", label)

    calls = _topological(imp.calls, in_name)
    nodes = [Node(in_name, None)]
    used = {in_name} | {c.name for c in calls}
    ranks = {in_name: len(shape)}
    last = {in_name: in_name}  # a call's name → the node that holds its output
    unsupported = []
    for call in calls:
        call.channels_first = imp.channels_first
        call.rank = ranks.get(call.inputs[0]) if call.inputs else None
        if call.rank is None and call.in_shapes and call.in_shapes[0] is not None:
            call.rank = len(call.in_shapes[0]) - 1
        made = _map(call)
        if made is None:
            out_shape = imp.recorded.get(call.name)
            at = call.in_shapes[0] if call.in_shapes else None
            out_shape = _per_sample(out_shape, imp.channels_first)
            at = _per_sample(at, imp.channels_first)
            if input_shape is not None and not _known(at):
                out_shape = at = None
            made = _opaque(call.class_name, out_shape if _known(out_shape) else None,
                           at if _known(at) else None, len(call.inputs))
        items = made if isinstance(made, list) else [(None, made)]
        inputs = tuple(last[i] for i in call.inputs) if call.inputs else (in_name,)
        rank = call.rank
        for suffix, layer in items:
            if suffix is None:
                node_name = call.name
            else:
                node_name = f"{call.name}_{suffix}"
                n = 2
                while node_name in used:
                    node_name = f"{call.name}_{suffix}_{n}"
                    n += 1
                used.add(node_name)
            if isinstance(layer, L.Layer) and layer.name is not None:
                layer.name = None
            if not call.trainable:
                layer.trainable = False  # Keras' trainable=False: its parameters are not trained
            if getattr(layer, "uncounted", False):
                unsupported.append(f"{call.keras_name} ({layer.what})")
            nodes.append(Node(node_name, layer, inputs))
            inputs = (node_name,)
            rank = _rank_after(layer, rank)
        last[call.name] = inputs[0]
        ranks[call.name] = rank
    meta = {"label": label, "class_name": data.get("class_name"),
            "keras_version": data.get("keras_version"), "unsupported": unsupported}
    return nodes, _title(data, label), shape, last.get(output, output), meta


def _map(call):
    rule = RULES.get(call.class_name)
    is_op = call.module.startswith("keras.src.ops") or call.class_name in ("TFOpLambda", "SlicingOpLambda")
    try:
        if is_op:
            return _operation(call)
        if rule is None:
            return None
        return rule(call)
    except ConfigError as exc:
        raise ConfigError(f"{call.class_name} {call.keras_name!r}: {exc.detail}", call.name) from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return None  # a configuration this rule does not read: an Unsupported row names it


def _input_shape(value, label):
    if isinstance(value, str):
        from .shapes import parse_shape

        return tuple(parse_shape(value, allow_symbols=True, what="input"))
    if not isinstance(value, (list, tuple)) or not value:
        raise ConfigError(f"input_shape must be a shape such as (224, 224, 3), received {value!r}", label)
    return tuple(value)


def _title(data, label):
    config = data.get("config")
    name = config.get("name") if isinstance(config, dict) else None
    return name if isinstance(name, str) and name else os.path.splitext(label)[0]


def read_keras(source, input_shape=None):
    """The :class:`~shapecalc.layers.Network` of a Keras model: ``source`` a path to a ``.keras``, ``.h5`` or
    ``.json`` file, the JSON text of ``model.to_json()``, or its dict. ``input_shape`` (``(H, W, C)``)
    replaces the input size the file gives (or leaves open: then ``H`` and ``W`` stay symbols)."""
    nodes, title, shape, output, meta = keras_nodes(source, input_shape)
    kind = meta["class_name"] or "Keras"
    version = f", Keras {meta['keras_version']}" if meta.get("keras_version") else ""
    description = f"{kind} model read from {meta['label']}{version}"
    if meta["unsupported"]:
        description += f"; without a rule: {', '.join(meta['unsupported'][:5])}" + (
            f" and {len(meta['unsupported']) - 5} more" if len(meta["unsupported"]) > 5 else "")
    network = to_network(nodes, title, shape, output=output, source=meta["label"], description=description)
    network.notes = tuple(network.notes) + (
        "Keras counts the BatchNormalization moving statistics (buffers here) as non-trainable parameters: "
        "keras_totals() gives its figures",)
    return network


def keras_totals(summary):
    """A summary's totals as Keras reports them (``model.count_params()``, ``model.summary()``): the
    buffers (BatchNormalization's moving mean and variance, Normalization's statistics) are
    non-trainable parameters there."""
    t = summary.totals
    return {
        "params": int(t["params"] + t["buffers"]),
        "trainable": int(t["trainable_params"]),
        "non_trainable": int(t["non_trainable_params"] + t["buffers"]),
    }
