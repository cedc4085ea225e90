"""What a model argument names — the one place that decides, for the main command, ``compare``, ``check``
and :func:`shapecalc.summary`:

- a path to a file that exists: by its extension, an ONNX model (``.onnx``), a Keras model (``.keras``, a
  legacy ``.h5``/``.hdf5``), a JSON file (a Keras ``model.to_json()`` or a shapecalc spec, told apart by
  their contents), or a shapecalc spec (``.toml``, ``.spec``, ``.txt`` and anything else);
- otherwise a zoo name (``alexnet``, ``torchvision.resnet50``).

Every file is read as data: nothing in it is executed (Keras and ONNX models are never loaded by their
frameworks).
"""

import os

from .errors import ConfigError

__all__ = ["load", "is_path"]

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


def load(name, **options):
    """The network ``name`` stands for: a file (see the module's text) or a zoo name."""
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
    from .spec import load_spec_file

    return load_spec_file(path)


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
