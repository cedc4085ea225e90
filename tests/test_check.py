"""Homework checking: forgiving cell parsing, matching, formulas, diagnoses, scores, JSON and folders."""

import csv
import io
import json
import os
import shutil

import pytest

from shapecalc.check import check, parse_count, parse_shape_cell, read_submission
from shapecalc.cli import main
from shapecalc.errors import SubmissionError

DATA = os.path.join(os.path.dirname(__file__), "data", "submissions")
SPEC = os.path.join(DATA, "small-cnn.spec")


def sub(*parts):
    return os.path.join(DATA, *parts)


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", *argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def wrong(report):
    """{(layer path, column): cell} for every wrong cell."""
    return {(r.row.path, c.column): c for r, c in report.wrong()}


def small_cnn():
    from shapecalc.spec import load_spec_file

    return load_spec_file(SPEC)


# -- reading cells ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("16100", (16100, 0)), ("16,100", (16100, 0)), ("16 100", (16100, 0)), ("16'100", (16100, 0)),
    ("16.100", (16100, 0)), ("160K", (160000, 500)), ("160k", (160000, 500)), ("1.2M", (1200000, 50000)),
    ("1.5 million", (1500000, 50000)), ("4*4*1*20 = 320", (320, 0)), ("4 × 4 × 1 × 20", (320, 0)),
    ("(5*5+1)*6", None), ("≈ 60K", (60000, 500)), ("**156**", (156, 0)), ("0", (0, 0)),
])
def test_parse_count(text, value):
    """Counts as students write them: separators, K/M suffixes (with the slack they imply), products."""
    if value is None:
        assert parse_count(text)[0] in (5, 26 * 6)  # a first number is read; the cell is then judged
    else:
        assert parse_count(text) == value


@pytest.mark.parametrize("text", ["", " ", "-", "–", "?", "n/a"])
def test_blank_cells(text):
    """Blank cells (and dashes) are not checked."""
    assert parse_count(text) is None and parse_shape_cell(text) is None


@pytest.mark.parametrize("text, shape", [
    ("36x28x20", (36, 28, 20)), ("(36, 28, 20)", (36, 28, 20)), ("36 × 28 × 20", (36, 28, 20)),
    ("36,28,20", (36, 28, 20)), ("[36, 28, 20]", (36, 28, 20)), ("(None, 36, 28, 20)", (36, 28, 20)),
    ("1x36x28x20", (36, 28, 20)), ("160", (160,)), ("(None, 160)", (160,)), ("2×1×80 = 160", (160,)),
    ("20,160", (20160,)), ("36X28X20", (36, 28, 20)),
])
def test_parse_shape_cell(text, shape):
    """Shapes as students write them."""
    assert parse_shape_cell(text) == shape


def test_vector_written_as_map_and_channels_first(tmp_path):
    """1×1×160 for a vector is right; C×H×W is right with a note."""
    path = tmp_path / "t.csv"
    path.write_text("layer,output\nconv1,20x36x28\nflatten,1x1x160\n", encoding="utf-8")
    report = check("cnn-39x31", str(path))
    assert report.right == report.checked == 2
    assert report.rows[0].cells[0].note == "written channels first (C×H×W)"


# -- the course table -------------------------------------------------------------------------------------


def test_course_table_no_bias_factor_of_ten():
    """The course's table is right without biases except its dense/softmax row: 160,000 for 160·100."""
    report = check("cnn-39x31", sub("cnn-39x31", "course-table.md"), no_bias=True)
    bad = wrong(report)
    assert list(bad) == [("dense", "params")]
    cell = bad["dense", "params"]
    assert cell.claimed == 160000 and cell.expected == 160 * 100
    assert cell.formula == f"params = weights = 160 × 100 = {160 * 100:,} (+ 100 biases = {160 * 100 + 100:,} with biases)"
    assert cell.diagnoses == ["factor of 10 slip: 160,000 is 10 × 16,000"]
    assert (report.right, report.checked) == (19, 20)
    assert report.rows[-1].label == "softmax" and report.rows[-1].row.path == "dense"


def test_course_table_with_bias():
    """With biases counted, every conv row of the course table forgot its biases."""
    report = check("cnn-39x31", sub("cnn-39x31", "course-table.md"))
    bad = wrong(report)
    assert bad["conv1", "params"].expected == 4 * 4 * 1 * 20 + 20
    assert bad["conv1", "params"].diagnoses == ["bias forgotten: 320 is the weights alone; the 20 filters add 20 "
                                                "biases (320 + 20 = 340)"]
    assert bad["conv2", "params"].formula == (f"params = weights + biases = 3 × 3 × 20 × 40 + 40 = "
                                              f"{3 * 3 * 20 * 40:,} + 40 = {3 * 3 * 20 * 40 + 40:,}")
    assert bad["dense", "params"].diagnoses == ["factor of 10 slip: 160,000 is 10 × 16,000 (and the biases forgotten)"]


def test_course_table_cli():
    """The CLI prints the table, the ✗ with its formula and diagnosis, the score, and exits 1. The score is
    over the 9 layers with parameters or a new shape, 2 columns each: the input row is checked, not scored."""
    code, out, err = run(sub("cnn-39x31", "course-table.md"), "--model", "cnn-39x31", "--no-bias")
    assert code == 1 and err == ""
    assert "✗ 160,000 → 16,000" in out
    assert "    diagnosis: factor of 10 slip: 160,000 is 10 × 16,000" in out
    assert out.rstrip().endswith(f"score: {9 * 2 - 1}/{9 * 2} cells right (94.4%)")


# -- one realistic submission per diagnosis ---------------------------------------------------------------


def test_bias_added():
    """--no-bias: a table that counts biases gets 'bias added' on every layer with a bias."""
    report = check("cnn-39x31", sub("cnn-39x31", "bias-added.csv"), no_bias=True)
    bad = wrong(report)
    assert set(bad) == {(n, "params") for n in ("conv1", "conv2", "conv3", "conv4", "dense")}
    assert bad["conv4", "params"].expected == 2 * 2 * 60 * 80
    assert bad["conv4", "params"].diagnoses[0].startswith("bias added: 19,280 = 19,200 weights + 80 biases")


def test_channels_confused_params():
    """conv2 counted with 40 input channels (3·3·40·40 = 14,400) instead of 20."""
    report = check("cnn-39x31", sub("cnn-39x31", "channels-confused.csv"), no_bias=True)
    bad = wrong(report)
    assert bad["conv2", "params"].claimed == 3 * 3 * 40 * 40
    assert bad["conv2", "params"].diagnoses[0].startswith("input and output channels confused")
    assert bad["conv3", "params"].claimed == 3 * 3 * 60 * 60


def test_channels_confused_output():
    """LeNet-5's C1 written 28×28×1: the output has one map per filter (6)."""
    report = check("lenet5", sub("lenet5", "channels-confused.csv"))
    bad = wrong(report)
    assert bad["c1", "output"].diagnoses == ["input and output channels confused: the output has one map per "
                                             "filter (6), not the input's 1 channels"]
    assert bad["c5", "params"].claimed == 5 * 5 * 120 * 120 + 120


def test_flatten_size_wrong():
    """flatten 80 instead of 2·1·80 = 160; the dense row's 80·100 follows from it: it is carried over from row 8
    (the flatten), the step itself right."""
    report = check("cnn-39x31", sub("cnn-39x31", "flatten-wrong.md"), no_bias=True)
    bad = wrong(report)
    assert bad["flatten", "output"].expected == (2 * 1 * 80,)
    assert bad["flatten", "output"].formula == "N = 2 × 1 × 80 = 160"
    assert bad["flatten", "output"].diagnoses[0].startswith("flatten size wrong")
    assert bad["dense", "params"].diagnoses == [
        "carried over: follows from row 8's wrong output; with your input 80 (row 8) this layer has 80 × 100 = "
        "8,000 parameters, as you wrote, so the step itself is right"]
    assert bad["dense", "params"].carried_from == 8


def test_bias_forgotten_lenet5():
    """LeNet-5 without biases: C1 150 = 5·5·6 instead of (5·5+1)·6 = 156 (the paper's figure)."""
    report = check("lenet5", sub("lenet5", "bias-forgotten.md"))
    bad = wrong(report)
    assert bad["c1", "params"].expected == (5 * 5 + 1) * 6  # LeCun et al. 1998, II.B: 156 parameters
    assert bad["c1", "params"].diagnoses[0].startswith("bias forgotten")
    assert bad["s2", "params"].expected == 12  # LeCun et al. 1998, II.B: S2 has 12 trainable parameters
    assert bad["c1", "connections"].expected == 122304  # LeCun et al. 1998, II.B
    assert bad["c1", "connections"].diagnoses[0].startswith("bias forgotten: connections count")
    assert ("output", "params") not in {(p, c) for p, c in bad}


def test_floor_vs_ceil():
    """pool1 (ceil mode) on 31×31: ⌈29/2⌉ + 1 = 16, written 15 (rounded down)."""
    report = check(small_cnn(), sub("spec", "floor-ceil.md"))
    bad = wrong(report)
    assert list(bad) == [("pool1", "output")]
    cell = bad["pool1", "output"]
    assert cell.expected == (-(-(31 - 2) // 2) + 1,) * 2 + (64,)
    assert cell.diagnoses == ["floor vs ceil: 15×15 is what rounding down gives; this layer rounds up"]
    assert cell.formula.startswith("output = H × W × C: H = ⌈(31 − 2) / 2⌉ + 1 = 16")


def test_padding_ignored_and_carried():
    """conv2 written 29×29 ((31 − 3) + 1, padding left out); pool1's 15 then follows from it."""
    report = check(small_cnn(), sub("spec", "padding-ignored.csv"))
    bad = wrong(report)
    assert bad["conv2", "output"].expected == (31 + 2 * 1 - 3 + 1, 31 + 2 * 1 - 3 + 1, 64)
    assert bad["conv2", "output"].diagnoses == ["padding ignored: 29×29 is the size without the padding of 1"]
    assert bad["pool1", "output"].diagnoses[0].startswith("carried over: follows from row 2's wrong output; from "
                                                          "your 29×29×64 this layer gives 15×15×64")


def test_stride_ignored():
    """conv3 (stride 2, pad 1) on 16×16: ⌊(16 + 2 − 3)/2⌋ + 1 = 8, written 16."""
    report = check(small_cnn(), sub("spec", "stride-ignored.tsv"))
    bad = wrong(report)
    assert bad["conv3", "output"].expected == ((16 + 2 - 3) // 2 + 1,) * 2 + (64,)
    assert bad["conv3", "output"].diagnoses == ["stride ignored: 16×16 is the size with stride 1; the stride is 2"]
    assert bad["fc", "params"].expected == 8 * 8 * 64 * 10 + 10
    # the flatten (row 5) and the dense layer's parameters (row 6) are right from the student's 16×16×64:
    # both follow from row 4, not from a flatten mistake
    assert bad["flatten1", "output"].diagnoses[0].startswith("carried over: follows from row 4's wrong output")
    assert bad["fc", "params"].diagnoses[0].startswith("carried over: follows from row 4's wrong output; with "
                                                       "your input 16384 (row 5)")


# -- right submissions, forgiving formats ----------------------------------------------------------------


@pytest.mark.parametrize("model, path, no_bias", [
    ("cnn-39x31", ("cnn-39x31", "all-right.csv"), True),
    ("cnn-39x31", ("cnn-39x31", "unquoted-commas.csv"), True),
    ("lenet5", ("lenet5", "all-right.md"), False),
])
def test_right_submissions_exit_zero(model, path, no_bias):
    """Semicolon CSV with (H, W, C) and 19.2K, unquoted commas, Markdown with 151.6K: all right, exit 0."""
    report = check(model, sub(*path), no_bias=no_bias)
    assert report.ok and report.right == report.checked > 10
    code, out, _ = run(sub(*path), "--model", model, *(["--no-bias"] if no_bias else []))
    assert code == 0


def test_tolerance(tmp_path):
    """--tolerance 0.01 accepts 16,050 for 16,100; exact checking does not."""
    path = tmp_path / "t.csv"
    text = open(sub("cnn-39x31", "bias-added.csv"), encoding="utf-8").read()
    path.write_text(text.replace('"16,100"', '"16,050"'), encoding="utf-8")
    assert run(str(path), "--model", "cnn-39x31")[0] == 1
    assert run(str(path), "--model", "cnn-39x31", "--tolerance", "0.01")[0] == 0


def test_extra_and_missing_rows(tmp_path):
    """An extra row and a missing conv are reported, not fatal; activations left out do not count."""
    path = tmp_path / "t.md"
    path.write_text("| layer | output |\n|---|---|\n| conv1 | 36x28x20 |\n| batchnorm | 36x28x20 |\n"
                    "| pool1 | 18x14x20 |\n| pool2 | 8x6x40 |\n", encoding="utf-8")
    report = check("cnn-39x31", str(path))
    assert [r.label for r in report.extra] == ["batchnorm"]
    assert "conv2" in [r.path for r in report.missing_layers]
    assert report.right == report.checked == 3 and not report.ok
    code, out, _ = run(str(path), "--model", "cnn-39x31")
    assert code == 1 and "extra row" in out and "missing layers: conv2" in out


def test_rows_matched_by_name_in_any_order(tmp_path):
    """Rows naming layers of inception-3a match by name, whatever their order; a block row checks the block."""
    path = tmp_path / "t.csv"
    path.write_text("layer,output,params\nconv3x3,28x28x128,110720\nconv1x1,28x28x64,12352\n"
                    "inception3a,28x28x256,\n", encoding="utf-8")
    report = check("inception-3a", str(path))
    assert [r.row.path for r in report.rows] == ["inception3a.branch2.conv3x3", "inception3a.branch1.conv1x1",
                                                 "inception3a"]
    assert report.rows[0].cells[1].expected == 3 * 3 * 96 * 128 + 128
    assert report.rows[2].cells[0].expected == (28, 28, 64 + 128 + 32 + 32)
    # the block's row stands for the layers inside it that no row names (the two reductions, conv5x5, the
    # pool's projection, the concat; the 3×3 pool changes nothing and is not scored): none is missing, their
    # outputs are the block's right one, their parameters the block's blank cell
    assert not report.missing_layers and all(c.ok for c in report.cells if not c.blank)
    assert (report.points, report.out_of, report.count("blank")) == (2 * 2 + 5, 7 * 2, 5)


def test_json_output():
    """--format json: every cell with its value, expected value, formula, diagnoses and mistake names."""
    code, out, _ = run(sub("cnn-39x31", "course-table.md"), "--model", "cnn-39x31", "--no-bias", "--format", "json")
    data = json.loads(out)
    assert code == 1 and (data["right"], data["checked"], data["ok"]) == (19, 20, False)
    cell = [c for r in data["rows"] for c in r["cells"] if not c["ok"]][0]
    assert cell["value"] == 160000 and cell["expected"] == 16000 and cell["mistakes"] == ["factor of 10 slip"]


def test_csv_output():
    """--format csv: one line per checked cell."""
    code, out, _ = run(sub("lenet5", "channels-confused.csv"), "--model", "lenet5", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 14 and sum(r["result"] == "wrong" for r in rows) == 2


# -- folders ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("folder, options, files", [
    ("cnn-39x31", ["--model", "cnn-39x31", "--no-bias"], 6),
    ("lenet5", ["--model", "lenet5"], 3),
    ("spec", ["--spec-file", SPEC], 3),
])
def test_grade_folder(tmp_path, folder, options, files):
    """One command grades a folder of mixed CSV/TSV/Markdown files and writes a summary CSV."""
    summary = tmp_path / "summary.csv"
    code, out, _ = run(sub(folder), *options, "--summary", str(summary))
    assert code == 1
    rows = list(csv.DictReader(summary.open(encoding="utf-8")))
    assert len(rows) == files
    assert all(r["error"] == "" and float(r["points"]) <= int(r["out_of"]) for r in rows)
    assert len({r["out_of"] for r in rows}) == 1  # one denominator for the whole folder
    assert f"summary: {summary} ({files} files)" in out


def test_grade_folder_summary_contents(tmp_path):
    """The summary names each wrong cell and its mistake; a perfect file has none."""
    summary = tmp_path / "s.csv"
    run(sub("cnn-39x31"), "--model", "cnn-39x31", "--no-bias", "--summary", str(summary))
    rows = {r["file"]: r for r in csv.DictReader(summary.open(encoding="utf-8"))}
    assert rows["course-table.md"]["wrong_cells"] == "row 10 params (factor of 10 slip)"
    # 9 scored layers (the input and the softmax change nothing) × 2 columns; one cell wrong
    assert (rows["course-table.md"]["points"], rows["course-table.md"]["out_of"]) == (str(9 * 2 - 1), str(9 * 2))
    assert rows["course-table.md"]["percent"] == "94.4"
    assert rows["all-right.csv"]["wrong_cells"] == ""


def test_folder_default_summary_and_unreadable_file(tmp_path):
    """Without --summary the CSV goes in the folder (and is not graded next time); a bad file is listed."""
    folder = tmp_path / "subs"
    folder.mkdir()
    shutil.copy(sub("cnn-39x31", "all-right.csv"), folder / "a.csv")
    (folder / "b.csv").write_text("name,comment\nx,y\n", encoding="utf-8")
    code, out, _ = run(str(folder), "--model", "cnn-39x31", "--no-bias")
    assert code == 1 and "unreadable: no column to check" in out
    code2, out2, _ = run(str(folder), "--model", "cnn-39x31", "--no-bias")
    assert "(2 files)" in out2
    rows = list(csv.DictReader((folder / "summary.csv").open(encoding="utf-8")))
    assert [r["file"] for r in rows] == ["a.csv", "b.csv"]


# -- malformed input --------------------------------------------------------------------------------------


@pytest.mark.parametrize("content, message", [
    ("", "the submission is empty"),
    ("name,comment\nconv1,fine\n", "no column to check"),
    ("layer,output\n", "the table has a header but no rows"),
])
def test_malformed_submissions(tmp_path, content, message):
    """Unreadable submissions: one line on stderr, exit 2."""
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    code, out, err = run(str(path), "--model", "cnn-39x31")
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and message in err


def test_missing_file_and_model():
    """A missing file, or no network named, exit 2 with a one-line error."""
    code, _, err = run("/no/such/file.csv", "--model", "cnn-39x31")
    assert code == 2 and "cannot read the submission" in err
    code, _, err = run(sub("cnn-39x31", "all-right.csv"))
    assert code == 2 and "--model NAME" in err


def test_unreadable_cell_is_wrong(tmp_path):
    """A cell with no number in it is a wrong cell, not a crash."""
    path = tmp_path / "t.csv"
    path.write_text("layer,params\nconv1,lots\n", encoding="utf-8")
    report = check("cnn-39x31", str(path))
    assert report.checked == 1 and report.right == 0
    assert report.rows[0].cells[0].diagnoses == ["cannot read a number here"]


def test_read_submission_markdown_prose():
    """A Markdown file's prose around the table is ignored."""
    table = read_submission(sub("cnn-39x31", "flatten-wrong.md"))
    assert table.format == "markdown" and len(table.rows) == 9


def test_submission_error_type(tmp_path):
    """read_submission raises SubmissionError for a table without checkable columns."""
    path = tmp_path / "x.md"
    path.write_text("| a | b |\n|---|---|\n| 1 | 2 |\n", encoding="utf-8")
    with pytest.raises(SubmissionError):
        read_submission(str(path))


# -- properties -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", __import__("shapecalc.zoo", fromlist=["names"]).names())
def test_own_table_checks_right(name):
    """Every zoo network's own CSV table (shapes, params, MACs, RF), read back as a submission, is all right."""
    from shapecalc.report import summary

    s = summary(name)
    report = check(name, read_submission(f"{name}.csv", s.table(format="csv")))
    assert report.ok and report.checked >= 4 * len(s.rows) - len(s.rows)


@pytest.mark.parametrize("name", ["cnn-39x31", "lenet5", "inception-3a", "residual-module"])
def test_own_markdown_table_checks_right(name):
    """The github-format table (Markdown pipes, thousands separators) is read and checked all right."""
    from shapecalc.report import summary

    s = summary(name, no_bias=True)
    assert check(name, read_submission(f"{name}.md", s.table(format="github")), no_bias=True).ok


def test_check_with_spec_text(tmp_path):
    """--spec TEXT names the network on the command line."""
    path = tmp_path / "t.csv"
    path.write_text("layer,output,params\nconv,36x28x20,340\npool,18x14x20,0\n", encoding="utf-8")
    code, out, _ = run(str(path), "--spec", "input 39x31x1 | conv 20 k4 | maxpool 2")
    assert code == 0 and "score: 4/4 cells right (100%)" in out


def test_check_other_input(tmp_path):
    """--input checks the table on another input: conv1 on 40×32 gives 37×29×20."""
    path = tmp_path / "t.csv"
    path.write_text("layer,output\nconv1,37x29x20\n", encoding="utf-8")
    report = check("cnn-39x31", str(path), input=(40, 32, 1))
    assert report.rows[0].cells[0].ok and report.rows[0].cells[0].expected == (40 - 4 + 1, 32 - 4 + 1, 20)


def test_folder_json(tmp_path):
    """--format json on a folder: one report per file, with the summary's path."""
    summary = tmp_path / "s.csv"
    code, out, _ = run(sub("lenet5"), "--model", "lenet5", "--format", "json", "--summary", str(summary))
    data = json.loads(out)
    assert code == 1 and data["summary"] == str(summary)
    assert sorted(os.path.basename(f["file"]) for f in data["files"]) == [
        "all-right.md", "bias-forgotten.md", "channels-confused.csv"]


def test_symbolic_spec_needs_input(tmp_path):
    """A spec with a symbolic input is checked only with --input."""
    path = tmp_path / "t.csv"
    path.write_text("layer,output\nconv1,36x28x20\n", encoding="utf-8")
    code, _, err = run(str(path), "--spec", "input HxWx1 | conv 20 k4")
    assert code == 2 and "--input" in err
    code, out, _ = run(str(path), "--spec", "input HxWx1 | conv 20 k4", "--input", "39x31x1")
    assert code == 0


def test_keras_summary_text():
    """A pasted Keras model.summary() (space-aligned, wrapped type names) checks all right with biases."""
    report = check("cnn-39x31", sub("keras", "cnn-39x31-summary.txt"))
    assert report.submission.format == "keras2" and len(report.rows) == 9  # (Keras 2's layout, read as such)
    assert report.ok and report.right == report.checked == 18
    assert [r.row.path for r in report.rows][:2] == ["conv1", "pool1"]


def test_own_text_table_checks_right():
    """shapecalc's own text table, read back as a submission, is all right."""
    from shapecalc.report import summary

    report = check("lenet5", read_submission("t.txt", summary("lenet5").table()))
    assert report.ok and report.checked > 40
