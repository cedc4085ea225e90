"""Write the Keras fixtures of tests/test_keras.py: small models built with real Keras, saved as Keras saves
them, and what Keras itself reports for them (tests/data/keras/expected.json).

    KERAS_BACKEND=torch python tests/gen_keras_fixtures.py

Each model is saved as a ``.keras`` archive (``model.save``). The archives of the larger models are written
without their weights (``config.json`` and ``metadata.json`` only: shapecalc never reads the weights, and
the fixtures stay small); the small ``mobile`` model is kept whole, and also saved as a legacy ``.h5``
(Keras' own HDF5 writer) and as ``model.to_json()``. The Keras 2 (``tf.keras``) files are the same models'
configs written in Keras 2's format (nested-list ``inbound_nodes``, ``batch_input_shape``, ``TFOpLambda``
for the arithmetic on tensors, ``keras_version`` 2.15.0), as a ``.json`` and as an ``.h5`` whose root holds
the ``model_config`` attribute: TensorFlow is not needed to write them.

expected.json holds, per fixture file: the model's ``count_params()``, trainable and non-trainable counts
(summed over ``trainable_weights`` and ``non_trainable_weights``), the input and output shapes, and each
layer's output shape and ``count_params()`` — Keras' figures, which the tests compare shapecalc's to.

Keras is imported inside the functions only (pytest imports this module for its doctests).
"""

import json
import math
import os
import sys
import zipfile

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "keras")


# ---------------------------------------------------------------------------------------------------------
# the models


def inception_naive(keras):
    """The course's naive Inception module: 1×1, 3×3 and 5×5 convolutions and a 3×3 max-pool, all on the
    28×28×192 input, concatenated (64 + 128 + 32 + 192 = 416 channels)."""
    L = keras.layers
    x = keras.Input((28, 28, 192), name="input")
    conv1 = L.Conv2D(64, (1, 1), padding="same", activation="relu", name="conv1")(x)
    conv3 = L.Conv2D(128, (3, 3), padding="same", activation="relu", name="conv3")(x)
    conv5 = L.Conv2D(32, (5, 5), padding="same", activation="relu", name="conv5")(x)
    pool = L.MaxPooling2D((3, 3), strides=(1, 1), padding="same", name="pool")(x)
    out = L.concatenate([conv1, conv3, conv5, pool], axis=-1, name="concat")
    return keras.Model(x, out, name="inception_naive")


def inception_naive_blog(keras):
    """The blog's version of the same function: each convolution reads the previous one (conv1 → conv3 →
    conv5) instead of the module's input, so the 3×3 sees 64 channels and the 5×5 128."""
    L = keras.layers
    x = keras.Input((28, 28, 192), name="input")
    conv1 = L.Conv2D(64, (1, 1), padding="same", activation="relu", name="conv1")(x)
    conv3 = L.Conv2D(128, (3, 3), padding="same", activation="relu", name="conv3")(conv1)
    conv5 = L.Conv2D(32, (5, 5), padding="same", activation="relu", name="conv5")(conv3)
    pool = L.MaxPooling2D((3, 3), strides=(1, 1), padding="same", name="pool")(x)
    out = L.concatenate([conv1, conv3, conv5, pool], axis=-1, name="concat")
    return keras.Model(x, out, name="inception_naive_blog")


def residual_identity(keras):
    """The course's residual module with batch normalisation: conv-BN-ReLU-conv-BN, plus the identity,
    then ReLU (56×56×64 in and out)."""
    L = keras.layers
    x = keras.Input((56, 56, 64), name="input")
    y = L.Conv2D(64, 3, padding="same", name="conv1")(x)
    y = L.BatchNormalization(name="bn1")(y)
    y = L.Activation("relu", name="relu1")(y)
    y = L.Conv2D(64, 3, padding="same", name="conv2")(y)
    y = L.BatchNormalization(name="bn2")(y)
    y = L.add([y, x], name="add")
    y = L.Activation("relu", name="relu")(y)
    return keras.Model(x, y, name="residual_identity")


def residual_projection(keras):
    """The residual module of shapecalc's zoo (``residual-module``): two 3×3 convolutions of 64 filters on a
    256×256×3 input, a 1×1 projection shortcut to 64 channels, the sum, ReLU."""
    L = keras.layers
    x = keras.Input((256, 256, 3), name="input")
    y = L.Conv2D(64, 3, padding="same", activation="relu", name="conv1")(x)
    y = L.Conv2D(64, 3, padding="same", name="conv2")(y)
    shortcut = L.Conv2D(64, 1, name="proj")(x)
    y = L.add([y, shortcut], name="add")
    y = L.Activation("relu", name="relu")(y)
    return keras.Model(x, y, name="residual_projection")


def lenet(keras):
    """A LeNet-5-like Sequential model on 32×32×1 (61,706 parameters, as Keras tutorials count them)."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((32, 32, 1), name="image"),
        L.Conv2D(6, 5, activation="tanh", name="c1"),
        L.AveragePooling2D(2, name="s2"),
        L.Conv2D(16, 5, activation="tanh", name="c3"),
        L.AveragePooling2D(2, name="s4"),
        L.Flatten(name="flatten"),
        L.Dense(120, activation="tanh", name="c5"),
        L.Dense(84, activation="tanh", name="f6"),
        L.Dense(10, activation="softmax", name="output"),
    ], name="lenet")


def mobile(keras):
    """A small model with the layers of the mobile networks: Rescaling, an adaptable Normalization, an
    asymmetric ZeroPadding2D, a frozen stem without bias, BatchNormalization without γ, ReLU(6), a strided
    DepthwiseConv2D ×2, swish, a squeeze-excitation gate with a hard sigmoid written as arithmetic on tensors
    (Keras 3 operations), SeparableConv2D, a grouped convolution, a residual sum, a dilated convolution
    concatenated to its input, a 1×1 convolution head, Reshape, Softmax."""
    L = keras.layers
    x = keras.Input((32, 32, 3), name="image")
    y = L.Rescaling(1 / 127.5, offset=-1.0, name="rescale")(x)
    y = L.Normalization(name="norm")(y)
    y = L.ZeroPadding2D(((1, 2), (3, 4)), name="pad")(y)
    stem = L.Conv2D(16, 3, strides=2, padding="same", use_bias=False, name="stem")
    stem.trainable = False
    y = stem(y)
    y = L.BatchNormalization(scale=False, name="stem_bn")(y)
    y = L.ReLU(6.0, name="stem_relu6")(y)
    y = L.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2, name="dw")(y)
    y = L.BatchNormalization(name="dw_bn")(y)
    y = L.Activation("swish", name="dw_swish")(y)
    s = L.GlobalAveragePooling2D(keepdims=True, name="se_pool")(y)
    s = L.Conv2D(8, 1, activation="relu", name="se_reduce")(s)
    s = L.Conv2D(32, 1, name="se_expand")(s)
    s = L.ReLU(6.0, name="se_relu6")(s + 3.0) * (1.0 / 6.0)  # MobileNetV3's hard sigmoid
    y = L.Multiply(name="se_mul")([y, s])
    z = L.SeparableConv2D(32, 3, padding="same", activation="relu", name="sep")(y)
    z = L.Conv2D(32, 3, padding="same", groups=4, name="grouped")(z)
    y = L.Add(name="res_add")([y, z])
    side = L.Conv2D(8, 3, padding="same", dilation_rate=2, name="side")(y)
    y = L.Concatenate(name="cat")([y, side])
    y = L.GlobalAveragePooling2D(keepdims=True, name="head_pool")(y)
    y = L.Dropout(0.2, name="drop")(y)
    y = L.Conv2D(10, 1, name="logits_conv")(y)
    y = L.Reshape((10,), name="logits")(y)
    y = L.Softmax(name="probs")(y)
    return keras.Model(x, y, name="mobile")


def transfer(keras):
    """A frozen base model nested in a transfer-learning model, after a nested Sequential augmentation."""
    L = keras.layers
    base_in = keras.Input((24, 24, 3), name="base_input")
    b = L.Conv2D(8, 3, strides=2, padding="same", name="base_conv")(base_in)
    b = L.BatchNormalization(name="base_bn")(b)
    b = L.Activation("relu", name="base_relu")(b)
    base = keras.Model(base_in, b, name="base")
    base.trainable = False
    augment = keras.Sequential([L.RandomFlip("horizontal", name="flip"), L.Rescaling(1 / 255, name="scale")],
                               name="augment")
    x = keras.Input((24, 24, 3), name="image")
    y = augment(x)
    y = base(y, training=False)
    y = L.GlobalAveragePooling2D(name="pool")(y)
    y = L.Dense(5, name="head")(y)
    return keras.Model(x, y, name="transfer")


#: fixture file stem → (model function, the archive keeps its weights)
MODELS = {
    "inception_naive": (inception_naive, False),
    "inception_naive_blog": (inception_naive_blog, False),
    "residual_identity": (residual_identity, False),
    "residual_projection": (residual_projection, False),
    "lenet": (lenet, False),
    "mobile": (mobile, True),
    "transfer": (transfer, False),
}


# ---------------------------------------------------------------------------------------------------------
# what Keras reports


def _numel(weights):
    return sum(math.prod(int(d) for d in w.shape) for w in weights)


def _shape(tensor):
    return [None if d is None else int(d) for d in tensor.shape[1:]]


def figures(model):
    """Keras' own figures for ``model``: totals, input and output shapes, per layer output and params."""
    layers = {}
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        layers[layer.name] = {"output": _shape(layer.output), "params": int(layer.count_params())}
    return {
        "params": int(model.count_params()),
        "trainable": _numel(model.trainable_weights),
        "non_trainable": _numel(model.non_trainable_weights),
        "input": _shape(model.inputs[0]),
        "output": _shape(model.outputs[0]),
        "layers": layers,
    }


# ---------------------------------------------------------------------------------------------------------
# Keras 2's format


def _dtype(config):
    out = {}
    for key, value in config.items():
        if key == "dtype" and isinstance(value, dict):
            value = (value.get("config") or {}).get("name", "float32")
        out[key] = value
    return out


def _k2_ref(tensor):
    history = tensor["config"]["keras_history"]
    return [history[0], history[1], history[2]]


def _k2_tensors(value, out):
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        out.append(value)
    elif isinstance(value, list):
        for v in value:
            _k2_tensors(v, out)
    return out


_K2_OPS = {"Add": "__operators__.add", "Multiply": "math.multiply", "Subtract": "math.subtract",
           "Divide": "math.truediv"}


def keras2_layer(entry):
    """One Keras 3 layer entry of a functional config in Keras 2's form."""
    cls = entry["class_name"]
    config = _dtype(dict(entry["config"]))
    name = entry.get("name") or config.get("name")
    if cls in ("Functional", "Sequential"):
        inner = keras2_model(entry)
        out = {"class_name": inner["class_name"], "config": inner["config"], "name": name}
    elif (entry.get("module") or "").startswith("keras.src.ops"):
        # Keras 2 wraps a TensorFlow function applied to a Keras tensor in a TFOpLambda layer
        function = _K2_OPS[cls]
        out = {"class_name": "TFOpLambda", "name": f"tf.{function}",
               "config": {"name": f"tf.{function}", "trainable": True, "dtype": "float32", "function": function}}
    else:
        if cls == "InputLayer":
            config["batch_input_shape"] = config.pop("batch_shape")
            config.pop("optional", None)
        out = {"class_name": cls, "config": config, "name": name}
    nodes = []
    for node in entry.get("inbound_nodes", []):
        args = node["args"]
        tensors = _k2_tensors(args, [])
        if out["class_name"] == "TFOpLambda":
            constant = [a for a in args if not isinstance(a, dict)][0]
            # a TFOpLambda's node: one reference, the constant among its call's keyword arguments
            nodes.append(_k2_ref(tensors[0]) + [{"y": constant, "name": None}])
        else:
            nodes.append([_k2_ref(t) + [{}] for t in tensors])
    out["inbound_nodes"] = nodes
    return out


def keras2_model(data, sequential_input=True):
    """A Keras 3 model config (``json.loads(model.to_json())``) in Keras 2's format."""
    config = data["config"]
    if data["class_name"] == "Sequential":
        layers = []
        for entry in config["layers"]:
            c = _dtype(dict(entry["config"]))
            if entry["class_name"] == "InputLayer":
                if not sequential_input:
                    continue
                c["batch_input_shape"] = c.pop("batch_shape")
                c.pop("optional", None)
            layers.append({"class_name": entry["class_name"], "config": c})
        if not sequential_input:
            first = next(e for e in config["layers"] if e["class_name"] == "InputLayer")
            layers[0]["config"]["batch_input_shape"] = first["config"]["batch_shape"]
        return {"class_name": "Sequential", "config": {"name": config["name"], "layers": layers},
                "keras_version": "2.15.0", "backend": "tensorflow"}
    layers = [keras2_layer(e) for e in config["layers"]]
    # the TFOpLambda layers are named after their function: the layers that read them follow the new names
    renamed, counts = {}, {}
    for entry, old in zip(layers, config["layers"]):
        if entry["class_name"] == "TFOpLambda":
            n = counts.get(entry["name"], 0)
            counts[entry["name"]] = n + 1
            new = entry["name"] + (f"_{n}" if n else "")
            renamed[old["name"]] = entry["name"] = entry["config"]["name"] = new
    for entry in layers:
        for node in entry["inbound_nodes"]:
            refs = [node] if node and isinstance(node[0], str) else node
            for ref in refs:
                ref[0] = renamed.get(ref[0], ref[0])

    def refs(value):
        value = value if value and isinstance(value[0], list) else [value]
        return [[renamed.get(v[0], v[0]), v[1], v[2]] for v in value]

    return {"class_name": "Functional",
            "config": {"name": config["name"], "trainable": config.get("trainable", True), "layers": layers,
                       "input_layers": refs(config["input_layers"]), "output_layers": refs(config["output_layers"])},
            "keras_version": "2.15.0", "backend": "tensorflow"}


# ---------------------------------------------------------------------------------------------------------
# writing


def strip_weights(path):
    """Rewrite a .keras archive with its config.json and metadata.json only."""
    with zipfile.ZipFile(path) as archive:
        kept = {n: archive.read(n) for n in ("config.json", "metadata.json") if n in archive.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in kept.items():
            archive.writestr(name, data)


def write_h5_config(path, config):
    """An HDF5 file whose root holds ``model_config`` (what Keras 2's ``model.save("m.h5")`` writes there;
    the weights are left out)."""
    import h5py

    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = config.get("keras_version", "2.15.0")
        f.attrs["backend"] = config.get("backend", "tensorflow")


def main(out=HERE):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    os.makedirs(out, exist_ok=True)
    expected = {"keras_version": keras.__version__, "files": {}}
    for stem, (build, keep_weights) in MODELS.items():
        keras.utils.clear_session()
        model = build(keras)
        facts = figures(model)
        path = os.path.join(out, f"{stem}.keras")
        model.save(path)
        if not keep_weights:
            strip_weights(path)
        expected["files"][f"{stem}.keras"] = facts
        if stem == "mobile":
            model.save(os.path.join(out, "mobile.h5"))  # Keras' legacy HDF5 writer, weights included
            expected["files"]["mobile.h5"] = facts
            with open(os.path.join(out, "mobile.json"), "w") as f:
                f.write(model.to_json())
            expected["files"]["mobile.json"] = facts
            with open(os.path.join(out, "mobile_keras2.json"), "w") as f:
                json.dump(keras2_model(json.loads(model.to_json())), f)
            expected["files"]["mobile_keras2.json"] = facts
        if stem == "lenet":
            with open(os.path.join(out, "lenet_keras2.json"), "w") as f:
                json.dump(keras2_model(json.loads(model.to_json()), sequential_input=False), f)
            expected["files"]["lenet_keras2.json"] = facts
        if stem == "residual_identity":
            write_h5_config(os.path.join(out, "residual_identity_keras2.h5"),
                            keras2_model(json.loads(model.to_json())))
            expected["files"]["residual_identity_keras2.h5"] = facts
        if stem == "transfer":
            with open(os.path.join(out, "transfer_keras2.json"), "w") as f:
                json.dump(keras2_model(json.loads(model.to_json())), f)
            expected["files"]["transfer_keras2.json"] = facts
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(out, n)) for n in os.listdir(out))
    print(f"wrote {len(os.listdir(out))} files, {total:,} bytes, to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else HERE)
