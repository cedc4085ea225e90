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


# ---------------------------------------------------------------------------------------------------------
# what was silently accepted


@pytest.mark.parametrize("subs, fragment", [
    ("H=٣٩,W=31", "H must be a whole number, received '٣٩'"),          # Arabic-Indic digits
    ("H=３９,W=31", "H must be a whole number"),                         # full-width digits
    ("H=39,H=40,W=31", "H is given twice"),
    ("W=100000000000000000000000000,H=39", "is larger than the limit 1,000,000,000,000"),
    ("W=10^26,H=39", "W must be a whole number"),
])
def test_subs_has_the_typo_guards_of_input(subs, fragment, capsys):
    status, out, err = _run(["cnn-39x31", "--input", "HxWx1", "--subs", subs], capsys)
    assert status == 2 and fragment in err and err.count("\n") == 1


@pytest.mark.parametrize("argv, fragment", [
    (["alexnet", "--freeze", ""], "--freeze needs a layer name"),
    (["alexnet", "--plot", ""], "--plot needs a file name"),
    (["alexnet", "--plot", "."], "(a folder)"),
    (["alexnet", "--plot", ".png"], "(an extension alone: a hidden file)"),
    (["compare", "alexnet", "vgg16", "--plot", "."], "(a folder)"),
])
def test_empty_or_folder_options_are_refused(argv, fragment, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = _run(argv, capsys)
    assert status == 2 and fragment in err
    assert not list(tmp_path.iterdir())  # nothing written, no hidden ./.png


@pytest.mark.parametrize("value", ["[true, 31, 1]", "[39.5, 31, 1]", "[null, 31, 1]", "17"])
def test_json_input_sizes_are_numbers_or_names(value, tmp_path, capsys):
    spec = tmp_path / "net.json"
    spec.write_text('{"input": %s, "layers": [{"kind": "conv", "filters": 4, "kernel": 3}]}' % value)
    status, out, err = _run(["--spec-file", str(spec)], capsys)
    assert status == 2 and "input" in err and "True" not in out


def test_a_utf16_submission_is_read(tmp_path, capsys):
    # Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated
    sub = tmp_path / "s.txt"
    sub.write_bytes("layer\toutput\tparams\r\nconv1\t36x28x20\t340\r\n".encode("utf-16"))
    status, out, err = _run(["check", str(sub), "--model", "cnn-39x31"], capsys)
    # conv1's two cells right, of cnn-39x31's 9 scored layers × 2 columns (the table is incomplete)
    assert f"score: 2/{9 * 2} cells right" in out, err


def test_verify_refuses_a_run_that_cannot_fit_before_allocating(capsys):
    pytest.importorskip("torch")
    # AlexNet at 20000×20000: fc6 alone is a 4,096 × 99,361,024 matrix, 407 G parameters, 1.6 TB of float32
    status, out, err = _run(["alexnet", "--verify", "--input", "20000x20000x3", "--device", "cpu"], capsys)
    assert status == 2 and "would need at least" in err and "--device meta" in err


def test_verify_memory_bound_is_exact_arithmetic(monkeypatch):
    pytest.importorskip("torch")
    import shapecalc.verify as T

    monkeypatch.setattr(T, "available_memory", lambda device: 1000)
    # cnn-39x31: 64,620 params; the largest input + output, pool1's 36·28·20 + 18·14·20 (conv1's is
    # 39·31·1 + 36·28·20); 4 bytes each
    need = 4 * (64_620 + 36 * 28 * 20 + 18 * 14 * 20)
    with pytest.raises(shapecalc.ConfigError, match=f"at least {need:,} B"):
        T.verify("cnn-39x31", device="cpu")


def test_a_csv_cell_beyond_the_csv_limit(tmp_path, capsys):
    # the csv module refuses fields over 131,072 characters: a submission error, not an internal one
    sub = tmp_path / "s.csv"
    sub.write_text("layer,output,params\nconv1," + "x" * 200_000 + ",340\n")
    status, out, err = _run(["check", str(sub), "--model", "cnn-39x31"], capsys)
    assert status == 2 and "field larger than field limit (131072)" in err and err.count("\n") == 1


def test_a_json_list_nested_500_deep(tmp_path, capsys):
    spec = tmp_path / "deep.json"
    spec.write_text('{"input": [8, 8, 3], "layers": [{"kind": "sparseconv", "kernel": 3, "table": '
                    + "[" * 500 + "0" + "]" * 500 + "}]}")
    status, out, err = _run(["--spec-file", str(spec)], capsys)
    assert status == 2 and "nested more than 16 levels" in err and err.count("\n") == 1
