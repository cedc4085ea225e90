"""Bounded work: inputs read with a size cap, nesting capped with a user error, messages clipped — each one
line on stderr and exit 2, never a hang, a memory run-away or an internal error."""

import os

import pytest

import shapecalc
from shapecalc.cli import main
from shapecalc.layers import Network, ReLU, Sequential


def _run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("argv, fragment", [
    (["--spec-file", "/dev/zero"], "the spec file is larger than 16,777,216 characters"),
    (["check", "/dev/zero", "--model", "alexnet"], "the submission is larger than 16,777,216 bytes"),
])
def test_endless_files_are_refused_by_size(argv, fragment, capsys):
    status, out, err = _run(argv, capsys)
    assert status == 2 and fragment in err and err.count("\n") == 1


@pytest.mark.parametrize("depth", [17, 500, 5000])
def test_deeply_nested_lists_are_a_spec_error(depth, tmp_path, capsys):
    spec = tmp_path / "deep.spec"
    spec.write_text("input 8x8x3 | sparseconv table=" + "[" * depth + "0" + "]" * depth + " k3\n")
    status, out, err = _run(["--spec-file", str(spec)], capsys)
    assert status == 2 and "internal error" not in err
    assert "nested more than 16 levels" in err or "cannot read the list" in err
    # the excerpt is a window around the caret, not the whole line
    assert max(len(line) for line in err.splitlines()[1:]) < 130


def test_a_huge_unknown_word_gives_a_short_message(tmp_path, capsys):
    spec = tmp_path / "long.spec"
    spec.write_text("input 8x8x3 | conv 4 k3 | " + "x" * 2_000_000 + "\n")
    status, out, err = _run(["--spec-file", str(spec)], capsys)
    assert status == 2 and "unknown layer kind" in err
    assert len(err) < 2500  # (was 6 MB: the word, the line and a caret line as long)


def test_blocks_nested_beyond_the_recursion_limit_are_a_user_error():
    net = ReLU()
    for _ in range(3000):
        net = Sequential(net)
    with pytest.raises(shapecalc.ConfigError, match="nests blocks inside blocks more deeply"):
        shapecalc.summary(Network("deep", [net], (8, 8, 3)))


def test_deep_nesting_from_python_code_is_exit_2(tmp_path, capsys):
    (tmp_path / "deepnet.py").write_text("from shapecalc.layers import ReLU, Sequential\nnet = ReLU()\n"
                                         "for _ in range(3000):\n    net = Sequential(net)\n")
    status, out, err = _run(["--python", f"{tmp_path / 'deepnet.py'}:net", "--input", "8x8x3"], capsys)
    assert status == 2 and "nests blocks inside blocks" in err and err.count("\n") == 1
