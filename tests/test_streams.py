"""The command line's promise when its streams or its environment fail: one line on stderr and exit 2 for
what is the user's or the environment's (stdout closed or full, stderr closed, an optional dependency
missing), 0 when the reader of a pipe goes away; never a traceback, never exit 3."""

import os
import subprocess
import sys

import pytest

from shapecalc.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _shell(command):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env, timeout=120)


PY = f"'{sys.executable}' -m shapecalc"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_one_line_and_exit_2():
    r = _shell(f"{PY} alexnet > /dev/full; echo status=$?")
    assert "status=2" in r.stdout
    assert r.stderr == "shapecalc: error: cannot write the output: No space left on device\n"


def test_a_closed_stdout_is_one_line_and_exit_2():
    r = _shell(f"{PY} alexnet >&-; echo status=$? >&2")
    assert r.stderr.splitlines() == ["shapecalc: error: shapecalc: cannot write the output: standard output is closed",
                                     "status=2"]


@pytest.mark.parametrize("args, status", [("alexnet --no-such-option", 2), ("alexnet", 0)])
def test_a_closed_stderr_keeps_the_status(args, status):
    r = _shell(f"{PY} {args} 2>&- >/dev/null; echo status=$?")
    assert r.stdout.strip() == f"status={status}"


def test_a_reader_that_goes_away_is_not_an_error():
    r = _shell(f"{PY} torchvision.resnet152 | head -1; echo status=${{PIPESTATUS[0]}}")
    assert r.stdout.splitlines()[0].startswith("torchvision.resnet152")
    assert "status=0" in r.stdout and r.stderr == ""


def test_verify_without_torch_names_the_install(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    assert main(["alexnet", "--verify"]) == 2
    err = capsys.readouterr().err
    assert err == "shapecalc: error: --verify: --verify runs the network in PyTorch, which is not installed: " \
                  "pip install torch\n"
