"""shapecalc.sources: one place decides what a model argument is, for the main command, compare, check and
summary(): a file by its extension (and a .json by its contents), else a zoo name."""

import json
import os

import pytest

import shapecalc
from shapecalc.cli import main
from shapecalc.errors import ConfigError, UnknownModelError

KERAS = os.path.join(os.path.dirname(__file__), "data", "keras")


def _run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_a_zoo_name_and_a_spec_file(tmp_path):
    assert shapecalc.summary("cnn-39x31").totals["params"] == 64_320 + 20 + 40 + 60 + 80 + 100
    spec = tmp_path / "net.spec"
    spec.write_text("input 39x31x1 | conv 20 k4\n")
    # 4·4·1·20 weights + 20 biases
    assert shapecalc.summary(str(spec)).totals["params"] == 4 * 4 * 1 * 20 + 20


def test_json_is_told_apart_by_its_contents(tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"input": [8, 8, 3], "layers": [{"kind": "conv", "filters": 4, "kernel": 3}]}))
    assert shapecalc.summary(str(spec)).totals["params"] == 3 * 3 * 3 * 4 + 4
    keras_json = tmp_path / "model.json"
    keras_json.write_text(json.dumps({"class_name": "Sequential", "config": {"name": "k", "layers": [
        {"class_name": "InputLayer", "config": {"name": "x", "batch_shape": [None, 8, 8, 3]}},
        {"class_name": "Conv2D", "config": {"name": "c", "filters": 4, "kernel_size": [3, 3]}}]},
        "keras_version": "3.15.1"}))
    s = shapecalc.summary(str(keras_json))
    assert [r.path for r in s.rows] == ["input", "c"] and s.totals["params"] == 3 * 3 * 3 * 4 + 4


@pytest.mark.parametrize("name, match", [
    ("missing.onnx", "no such file 'missing.onnx'"),
    ("missing.keras", "no such file"),
    ("nowhere/net.spec", "no such file"),
])
def test_a_missing_file_is_named_as_a_file(name, match):
    with pytest.raises(ConfigError, match=match):
        shapecalc.summary(name)


def test_a_folder_and_an_unknown_name(tmp_path):
    with pytest.raises(ConfigError, match="is a folder"):
        shapecalc.summary(str(tmp_path) + os.sep)
    with pytest.raises(UnknownModelError):
        shapecalc.summary("resnet-5O")


def test_the_commands_take_files(tmp_path, capsys):
    lenet = os.path.join(KERAS, "lenet.keras")
    status, out, err = _run([lenet, "--format", "csv"], capsys)
    assert status == 0, err
    key = tmp_path / "key.csv"
    key.write_text(out)
    status, out, err = _run(["check", str(key), "--model", lenet], capsys)
    assert status == 0 and "(100%)" in out, err
    status, out, err = _run(["compare", os.path.join(KERAS, "residual_projection.keras"), "residual-module"],
                            capsys)
    assert status == 0, err
    assert "1.00×" in out
    status, out, err = _run(["no-such.onnx"], capsys)
    assert status == 2 and err.count("\n") == 1 and "no such file" in err
