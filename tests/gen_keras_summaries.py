"""Write the pasted-``model.summary()`` fixtures of tests/test_submission.py: real Keras models, their
``model.summary()`` text at several terminal widths, and each model's ``model.to_json()`` beside it (the
tests check a summary against its own model through shapecalc's Keras importer; Keras is not needed to run
them).

    KERAS_BACKEND=torch python tests/gen_keras_summaries.py

Keras 3 draws its summary with box-drawing characters (``┏━┃┡│└``) and wraps what does not fit a cell: a
long layer name over two lines, a shape's last size on the next line, the inputs of an ``Add`` one per line.
A name longer than its cell is cut with ``…``. The width is the one a terminal of that many columns gives:
``line_length`` and the console width are both set to it (``COLUMNS``); ``default`` is Keras' own choice in
an 80-column terminal (76 characters).

Keras 2 (``tf.keras``) printed the same table in plain text (``___``, ``===``, columns aligned with spaces,
a cell cut at its column's width and continued on the next line, ``Connected to`` as a Python list). There
is no TensorFlow here, so :func:`keras2_summary` lays the same model's figures out that way: the columns at
30/60/70 % of 98 characters (65 and 45/85 % for a Sequential model), each cell's text cut at the column's
width less two spaces, a break after ``"),"`` or ``"',"`` where one falls inside.

Keras is imported inside the functions only (pytest imports this module for its doctests).
"""

import os
import sys

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "submissions", "keras")

#: the widths each model's summary is written at (``None``: Keras' default in an 80-column terminal)
WIDTHS = {"residual_module": (None, 80, 120, 250), "resnet50": (80, 120, 250), "small_cnn": (None, 120)}


# ---------------------------------------------------------------------------------------------------------
# the models, as a course writes them (Keras names the layers)


def residual_module(keras):
    """The course's residual module: conv–BN–ReLU–conv–BN, plus the identity, then ReLU (56×56×64)."""
    L = keras.layers
    x = keras.Input(shape=(56, 56, 64))
    y = L.Conv2D(64, (3, 3), padding="same")(x)
    y = L.BatchNormalization()(y)
    y = L.Activation("relu")(y)
    y = L.Conv2D(64, (3, 3), padding="same")(y)
    y = L.BatchNormalization()(y)
    y = L.Add()([y, x])
    y = L.Activation("relu")(y)
    return keras.Model(inputs=x, outputs=y, name="residual_module")


def resnet50(keras):
    """keras.applications.ResNet50 without weights (224×224×3, 25,636,712 parameters)."""
    return keras.applications.ResNet50(weights=None)


def small_cnn(keras):
    """A Sequential CNN for 28×28 digits, as a first course writes it."""
    L = keras.layers
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        L.Conv2D(32, (3, 3), activation="relu"),
        L.MaxPooling2D((2, 2)),
        L.Conv2D(64, (3, 3), activation="relu"),
        L.BatchNormalization(),
        L.MaxPooling2D((2, 2)),
        L.Flatten(),
        L.Dropout(0.5),
        L.Dense(10, activation="softmax"),
    ], name="small_cnn")


MODELS = {"residual_module": residual_module, "resnet50": resnet50, "small_cnn": small_cnn}


# ---------------------------------------------------------------------------------------------------------
# the summaries


def keras3_summary(model, width):
    """``model.summary()`` as a terminal of ``width`` columns shows it (``None``: 80 columns, Keras' default
    line length)."""
    lines = []
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width or 80)
    try:
        model.summary(line_length=width, print_fn=lambda text, line_break=True: lines.append(text))
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _keras2_row(fields, ends):
    """One layer's lines in Keras 2's plain layout: each field cut at its column's width, the rest carried
    to the next line, until every field is printed."""
    left = [str(f) for f in fields]
    out = []
    while any(left):
        line = ""
        for col, end in enumerate(ends):
            start = ends[col - 1] if col else 0
            last = col == len(ends) - 1
            width = end - start - (0 if last else 3)
            piece = left[col][:width]
            breaks = [piece.find(b) + len(b) for b in ("),", "},", "],", "',") if piece.find(b) >= 0]
            if breaks:
                width = min(breaks)
                piece = piece[:width]
            line += (" " if col == 0 else "") + piece + ("" if last else "  ")
            left[col] = left[col][width:]
            line += " " * (end - len(line))
        out.append(line)
    return out


def keras2_summary(model):
    """The summary of ``model`` laid out as Keras 2 (``tf.keras``) printed it (see the module's text)."""
    sequential = type(model).__name__ == "Sequential"
    length = 65 if sequential else 98
    ends = [int(length * p) for p in ((0.45, 0.85, 1.0) if sequential else (0.3, 0.6, 0.7, 1.0))]
    header = ["Layer (type)", "Output Shape", "Param #"] + ([] if sequential else ["Connected to"])
    lines = [f'Model: "{model.name}"', "_" * length, *_keras2_row(header, ends), "=" * length]
    names = {id(layer): layer.name for layer in model.layers}
    for k, layer in enumerate(model.layers):
        if sequential and type(layer).__name__ == "InputLayer":
            continue
        shape = str(tuple(layer.output.shape))
        if type(layer).__name__ == "InputLayer":
            shape = f"[{shape}]"  # (Keras 2's input layer had a list of shapes)
        fields = [f"{layer.name} ({type(layer).__name__})", shape, layer.count_params()]
        if not sequential:
            inputs = []
            for node in layer._inbound_nodes:
                for tensor in node.input_tensors:
                    source = tensor._keras_history.operation
                    inputs.append(f"{names.get(id(source), source.name)}[0][0]")
            fields.append(inputs)
        lines += _keras2_row(fields, ends)
        if k < len(model.layers) - 1:
            lines.append(" " * length)
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    fixed = sum(int(w.numpy().size) for w in model.non_trainable_weights)
    lines += ["=" * length, f"Total params: {trainable + fixed:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {fixed:,}", "_" * length]
    return "\n".join(lines) + "\n"


def write(name, build):
    import keras

    keras.utils.clear_session()  # (a fresh session: Keras numbers its layer names from conv2d again)
    model = build(keras)
    with open(os.path.join(HERE, f"{name}.json"), "w", encoding="utf-8") as f:
        f.write(model.to_json())
    written = [f"{name}.json"]
    for width in WIDTHS[name]:
        path = f"{name}-{width or 'default'}.txt"
        with open(os.path.join(HERE, path), "w", encoding="utf-8") as f:
            f.write(keras3_summary(model, width))
        written.append(path)
    if name != "resnet50":
        path = f"{name}-keras2.txt"
        with open(os.path.join(HERE, path), "w", encoding="utf-8") as f:
            f.write(keras2_summary(model))
        written.append(path)
    return written


def main(names=None):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    os.makedirs(HERE, exist_ok=True)
    for name in names or MODELS:
        for path in write(name, MODELS[name]):
            print(os.path.join(HERE, path))


if __name__ == "__main__":
    main(sys.argv[1:])
