"""What a model argument names — the one place that decides, for the main command, ``compare``, ``check``
and :func:`shapecalc.summary`:

- a path to a file that exists: by its extension, an ONNX model (``.onnx``), a Keras model (``.keras``, a
  legacy ``.h5``/``.hdf5``), a JSON file (a Keras ``model.to_json()`` or a shapecalc spec, told apart by
  their contents), or a shapecalc spec (``.toml``, ``.spec``, ``.txt`` and anything else);
- a spec written out, as ``--spec`` takes it: text that starts with ``input`` or holds a ``|``
  (``"input 32x32x3 | conv 8 k3"``; a zoo name has neither);
- otherwise a zoo name (``alexnet``, ``torchvision.resnet50``).

Every file is read as data: nothing in it is executed (Keras and ONNX models are never loaded by their
frameworks).
"""

import os

from .errors import ConfigError

__all__ = ["load", "is_path", "network", "parse_input"]

#: the extensions read as models of another framework, and the reader of each
MODEL_FILES = {".onnx": "onnx", ".keras": "keras", ".h5": "keras", ".hdf5": "keras"}


def is_path(name):
    """True where ``name`` is meant as a file: it exists, or it has a path separator or a model file's
    extension (a missing file is then reported as such, not as an unknown zoo name)."""
    if not isinstance(name, (str, os.PathLike)):
        return False
    name = os.fspath(name)
    ext = os.path.splitext(name)[1].lower()
    return os.path.isfile(name) or os.sep in name or ext in MODEL_FILES or ext in (".json", ".toml", ".spec")


def is_spec_text(name):
    """True where ``name`` is a spec written out: ``"input 32x32x3 | conv 8 k3"`` (and not a file)."""
    if not isinstance(name, str) or is_path(name):
        return False
    words = name.split(None, 1)
    return "|" in name or bool(words) and words[0].lower() == "input" and len(words) > 1


def load(name, **options):
    """The network ``name`` stands for: a file, a spec written out (see the module's text) or a zoo name."""
    if is_spec_text(name):
        if options:
            raise ConfigError(f"options {sorted(options)} apply to zoo names only, not to a spec", "spec")
        from .spec import parse_spec

        return parse_spec(name, origin="spec")
    if not is_path(name):
        from . import zoo

        return zoo.get(name, **options)
    path = os.fspath(name)
    if options:
        raise ConfigError(f"options {sorted(options)} apply to zoo names only, not to the file {path}", path)
    if not os.path.exists(path):
        raise ConfigError(f"no such file {path!r}", path)
    if os.path.isdir(path):
        raise ConfigError(f"{path!r} is a folder, not a model file", path)
    ext = os.path.splitext(path)[1].lower()
    kind = MODEL_FILES.get(ext)
    if kind is None and ext == ".json" and _is_keras_json(path):
        kind = "keras"
    if kind == "onnx":
        from .from_onnx import read_onnx

        return read_onnx(path)
    if kind == "keras":
        from .from_keras import read_keras

        return read_keras(path)
    from .specfiles import load_spec_file

    return load_spec_file(path)


def parse_input(text, channels_first=False):
    """An ``--input`` option's shape (``224x224x3``; letters such as ``HxWx3`` for symbolic sizes), or None
    for None. ``channels_first``: the text is C×H×W (PyTorch's order), returned as H×W×C."""
    if text is None:
        return None
    from .shapes import parse_shape

    shape = parse_shape(text, allow_symbols=True, what="--input")
    if channels_first and len(shape) == 3:
        shape = (shape[1], shape[2], shape[0])
    return shape


def network(name=None, spec=None, spec_file=None, python=None, shortcut=None, input=None):
    """The network that exactly one source names: ``name`` (a zoo name or a model file, see :func:`load`),
    ``spec`` (a spec's text), ``spec_file``, or ``python`` (``MODULE:ATTR``: the one source that IMPORTS AND
    RUNS user code). ``shortcut``: a zoo ResNet's shortcut option; ``input``: the size a PyTorch module is
    traced at (default 224×224×3)."""
    sources = [s for s in (name, spec, spec_file, python) if s is not None]
    if len(sources) != 1:
        raise ConfigError(
            "name exactly one network: NAME, --spec, --spec-file or --python"
            + (f" (received {len(sources)})" if sources else " (see `shapecalc list`)"),
            "shapecalc",
        )
    if name is not None:
        return load(name, **({"shortcut": shortcut} if shortcut is not None else {}))
    if shortcut:
        raise ConfigError("--shortcut applies to zoo ResNets only", "--shortcut")
    if spec is not None:
        from .spec import parse_spec

        return parse_spec(spec)
    if spec_file is not None:
        from .specfiles import load_spec_file

        return load_spec_file(spec_file)
    from .specfiles import load_python

    model = load_python(python)
    from .report import _is_torch_module

    if _is_torch_module(model):
        from .from_torch import module_network

        # (--input is in shapecalc's order: 16x112x112x3 is a volume)
        numeric = input if input is not None and all(isinstance(d, int) for d in input) else (224, 224, 3)
        return module_network(model, numeric, title=python.rpartition(":")[2])
    return model


def _is_keras_json(path):
    """A Keras ``model.to_json()`` file starts with its model's ``class_name`` (a shapecalc JSON spec has
    ``layers`` and ``input`` at the top level)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return b'"class_name"' in head and b'"keras_version"' in head or b'"class_name": "Sequential"' in head \
        or b'"class_name": "Functional"' in head or b'"module": "keras' in head
