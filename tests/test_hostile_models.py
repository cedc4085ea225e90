"""Bad models, as users bring them: corrupt or mistaken model files, and PyTorch modules that cannot be read.
Each is one line on stderr and exit 2 — the class of the error, the status and a fragment of the message —
never a traceback, never exit 3."""

import os
import zipfile

import pytest

from shapecalc.cli import main


def _run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


FILES = [
    # (file name, contents: bytes, or a function of the path that writes it, message fragment)
    ("empty.onnx", b"", "holds no graph"),
    ("garbage.onnx", bytes(range(256)) * 4, "is not a readable ONNX model"),
    ("text.onnx", b"input 8x8x3 | conv 4 k3\n", "is not a readable ONNX model"),
    ("empty.keras", b"", "not a Keras file"),
    ("garbage.keras", bytes(range(256)) * 4, "not a Keras file"),
    ("truncated.keras", b"PK\x03\x04garbage", "corrupt .keras archive"),
    ("noconfig.keras", lambda p: _zip(p, {"metadata.json": "{}"}), "config.json"),
    ("badconfig.keras", lambda p: _zip(p, {"config.json": "{not json"}), "JSON"),
    ("listconfig.keras", lambda p: _zip(p, {"config.json": "[1, 2]"}), "not a Keras model's config"),
    ("empty.h5", b"", "HDF5"),
    ("garbage.h5", bytes(range(256)) * 4, "HDF5"),
    # (no class_name: not a Keras model's JSON, so read as a shapecalc JSON spec, whose keys it names)
    ("noclass.json", b'{"config": {"layers": []}}', "unknown key 'config'"),
    ("nolayers.json", b'{"class_name": "Sequential", "config": {"layers": 5}}', "no list of layers"),
    ("unknownmodel.json", b'{"class_name": "Frobnicator", "config": {}, "keras_version": "3.15.1"}', "Frobnicator"),
    ("notjson.json", b"not json at all", "JSON"),
    ("nested.json", b"[" * 5000 + b"]" * 5000, ""),
    ("spec.spec", b"input 8x8x3 | frobnicate 3\n", "unknown layer kind"),
    ("utf16.spec", "input 8x8x3 | conv 4 k3\n".encode("utf-16"), "UTF-8"),
]


@pytest.mark.parametrize("name, contents, fragment", FILES, ids=[f[0] for f in FILES])
def test_a_bad_model_file_is_one_line_and_exit_2(name, contents, fragment, tmp_path, capsys):
    if name.endswith(".onnx"):
        pytest.importorskip("onnx")
    if name.endswith(".h5"):
        pytest.importorskip("h5py")
    path = tmp_path / name
    if callable(contents):
        contents(path)
    else:
        path.write_bytes(contents)
    status, out, err = _run([str(path)], capsys)
    assert status == 2, err
    assert err.startswith("shapecalc: error: ") and "internal error" not in err and "Traceback" not in err
    assert fragment in err
    assert len(err.splitlines()) <= 3  # one line (and a spec's excerpt with its caret)


@pytest.mark.parametrize("argv, fragment", [
    (["missing.onnx"], "no such file"),
    (["missing.keras"], "no such file"),
    (["folder.onnx"], "is a folder"),
    (["compare", "missing.onnx", "alexnet"], "no such file"),
    (["check", "sub.csv", "--model", "missing.keras"], "no such file"),
])
def test_a_missing_or_mistaken_path(argv, fragment, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder.onnx").mkdir()
    (tmp_path / "sub.csv").write_text("layer,output\nconv1,36x28x20\n")
    status, out, err = _run(argv, capsys)
    assert status == 2 and fragment in err and err.count("\n") == 1


MODULES = """
import torch
from torch import nn


class TwoInputs(nn.Module):
    def forward(self, x, y):
        return x + y


class ReturnsInt(nn.Module):
    def forward(self, x):
        return 3


class Raises(nn.Module):
    def forward(self, x):
        raise RuntimeError("boom in forward")


class WrongChannels(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(5, 4, 3)

    def forward(self, x):
        return self.c(x)


class ValueBranch(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x
        return -x


class NeedsArgs(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.c = nn.Conv2d(3, width, 3)

    def forward(self, x):
        return self.c(x)


def returns_none():
    return None


def recurses():
    return recurses()


number = 42
"""


@pytest.mark.parametrize("attr, fragment", [
    ("TwoInputs", "takes 2 inputs (x, y): shapecalc analyses a network of one input"),
    ("ReturnsInt", "returns no tensor computed from its input"),
    ("Raises", "RuntimeError: boom in forward"),
    ("WrongChannels", "to have 5 channels, but got 3 channels"),
    ("ValueBranch", "torch.fx cannot trace ValueBranch"),
    ("NeedsArgs", "NeedsArgs() needs arguments"),
    ("returns_none", "is a NoneType, not a Network"),
    ("recurses", "raised RecursionError"),
    ("number", "is a int, not a Network"),
    ("missing", "has no attribute 'missing'"),
])
def test_a_module_that_cannot_be_read_is_one_line_and_exit_2(attr, fragment, tmp_path, capsys):
    pytest.importorskip("torch")
    (tmp_path / "hostile.py").write_text(MODULES)
    status, out, err = _run(["--python", f"{tmp_path / 'hostile.py'}:{attr}", "--input", "8x8x3"], capsys)
    assert status == 2, err
    assert err.count("\n") == 1 and "internal error" not in err and fragment in err, err


def test_the_os_error_of_an_unreadable_file(tmp_path, capsys):
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = tmp_path / "locked.keras"
    path.write_bytes(b"PK")
    path.chmod(0)
    status, out, err = _run([str(path)], capsys)
    assert status == 2 and err.count("\n") == 1
