"""Grading homework tables as students write them: a score over every expected cell (the same denominator
for every student), carried-over errors traced to their root, duplicate rows, the new diagnoses, the
graded columns, and a folder graded alike (summary CSV, class view).

The networks: ``cnn-39x31`` (the course's worked example: conv 4×4×20, pool 2, conv 3×3×40, pool 2, conv
3×3×60, pool 2, conv 2×2×80, flatten, dense 100, softmax) and ``small-cnn.spec`` (64×64×3: conv 3×3/2 ×32,
conv 3×3 pad 1 ×64, ceil-mode pool 2, conv 3×3/2 pad 1 ×64, flatten, dense 10). Every expected figure below
is hand arithmetic on those layers."""

import csv
import io
import json
import os
import shutil
import subprocess
import sys

import pytest

from shapecalc.check import check
from shapecalc.cli import main
from shapecalc.grading import grade_folder

DATA = os.path.join(os.path.dirname(__file__), "data", "submissions")
SPEC = os.path.join(DATA, "small-cnn.spec")
CLASS = os.path.join(DATA, "class-small-cnn")

#: cnn-39x31's layers that the score counts: 4 convs, 3 pools, the flatten (2×1×80 → 160), the dense layer
#: (the input and the softmax change nothing)
CNN_SCORED = 4 + 3 + 1 + 1
#: small-cnn's: 3 convs, the pool, the flatten (8×8×64 → 4,096), the dense layer (not the input, the ReLUs,
#: the softmax)
SMALL_SCORED = 3 + 1 + 1 + 1


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", *argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def small_cnn():
    from shapecalc.spec import load_spec_file

    return load_spec_file(SPEC)


def diagnoses(report):
    """{(layer path, column): [diagnoses]} of every wrong cell."""
    return {(r.row.path, c.column): c.diagnoses for r, c in report.wrong()}


def tally(report):
    """{mistake: number of places} of one table: its row of the class view."""
    counts = {}
    for mistake, _ in report.mistakes():
        counts[mistake] = counts.get(mistake, 0) + 1
    return counts


# -- the denominator ------------------------------------------------------------------------------------------


def test_three_of_nine_layers_is_not_full_marks(tmp_path):
    """A table listing 3 layers, all right, scored 6/6 (100%): now 6 of the 9 scored layers' 18 cells."""
    path = write(tmp_path, "three.md", "| Layer | Output shape | Parameters |\n|---|---|---|\n"
                                       "| conv1 | 36x28x20 | 340 |\n| pool1 | 18x14x20 | 0 |\n"
                                       "| conv2 | 16x12x40 | 7,240 |\n")
    report = check("cnn-39x31", path)
    assert (report.points, report.out_of) == (3 * 2, CNN_SCORED * 2)
    assert report.score_line() == "score: 6/18 cells right (33.3%; 12 in layers not listed)"
    assert [r.path for r in report.missing_layers] == ["pool2", "conv3", "pool3", "conv4", "flatten", "dense"]
    assert tally(report) == {"layer not listed": 6}
    assert not report.ok
    code, out, _ = run(path, "--model", "cnn-39x31")
    assert code == 1 and out.rstrip().endswith("score: 6/18 cells right (33.3%; 12 in layers not listed)")


def test_every_student_has_the_same_denominator():
    """Seven tables of one class, some listing the ReLUs and the softmax, one 3 layers: one denominator, the
    6 scored layers × 3 columns."""
    grading = grade_folder(small_cnn(), CLASS)
    assert grading.columns == ["output", "params", "macs"]
    assert {report.out_of for _, report in grading.reports} == {SMALL_SCORED * 3}
    # Ada lists the ReLUs and the softmax (checked, not scored) and Gus three layers: both over 18
    scores = {name: (report.points, report.out_of) for name, report in grading.reports}
    assert scores["ada.md"] == (18, 18) and scores["gus.md"] == (3 * 3, 18)


def test_blank_cells_count_unless_the_figure_is_zero(tmp_path):
    """A dash for a pool's parameters is right (there are none); a conv's parameters left blank are not."""
    path = write(tmp_path, "blank.csv", "layer,output,params\nconv1,36x28x20,\npool1,18x14x20,-\n")
    report = check("cnn-39x31", path)
    cells = {(r.row.path, c.column): c for r in report.rows for c in r.cells}
    assert cells["pool1", "params"].ok and cells["conv1", "params"].blank
    assert report.score_line() == "score: 3/18 cells right (16.7%; 14 in layers not listed; 1 left blank)"
    assert tally(report)["left blank"] == 1


# -- carried over -------------------------------------------------------------------------------------------


def test_flatten_right_from_a_wrong_shape_is_carried_not_blamed():
    """conv3 ignores its stride (16×16×64, not 8×8×64); the flatten's 16,384 = 16·16·64 and the dense
    layer's 16,384·10 + 10 = 163,850 are right from it: wrong, but traced to row 4."""
    report = check(small_cnn(), os.path.join(DATA, "spec", "stride-ignored.tsv"))
    found = diagnoses(report)
    assert found["conv3", "output"] == ["stride ignored: 16×16 is the size with stride 1; the stride is 2"]
    assert found["flatten1", "output"] == [
        "carried over: follows from row 4's wrong output; from your 16×16×64 this layer gives "
        f"N = 16 × 16 × 64 = {16 * 16 * 64:,}, so the step itself is right"]
    assert found["fc", "params"] == [
        "carried over: follows from row 4's wrong output; with your input 16384 (row 5) this layer has "
        f"16,384 × 10 + 10 = {16 * 16 * 64 * 10 + 10:,} parameters, as you wrote, so the step itself is right"]
    assert [c.carried_from for _, c in report.wrong()] == [None, 4, 4]
    assert report.score_line() == "score: 9/12 cells right (75%; 2 carried over, not credited)"
    assert tally(report) == {"stride ignored": 1, "carried over": 2}


def test_partial_credit_for_carried_cells():
    """--partial-credit: half a point (alone) or the fraction given, for each carried cell; strict otherwise."""
    path = os.path.join(DATA, "spec", "stride-ignored.tsv")
    half = check(small_cnn(), path, partial_credit=0.5)
    assert half.score_line() == "score: 10/12 points (83.3%; 9 cells right, 2 carried over at 0.5)"
    code, out, _ = run(path, "--spec-file", SPEC, "--partial-credit")
    assert code == 1 and out.rstrip().endswith("score: 10/12 points (83.3%; 9 cells right, 2 carried over at 0.5)")
    code, out, _ = run(path, "--spec-file", SPEC, "--partial-credit", "25%")
    assert out.rstrip().endswith("score: 9.5/12 points (79.2%; 9 cells right, 2 carried over at 0.25)")
    code, _, err = run(path, "--spec-file", SPEC, "--partial-credit", "2")
    assert code == 2 and err == "shapecalc: error: --partial-credit: the partial credit must be from 0 to 1, received '2'\n"


def test_plus_one_forgotten_and_macs_from_own_shape():
    """Ben forgets the + 1 of conv1: ⌊(64 − 3)/2⌋ = 30. conv2 (pad 1) keeps his 30, the ceil-mode pool gives
    ⌈(30 − 2)/2⌉ + 1 = 15, and conv3 lands on the right 8 again; his MACs are right for his shapes."""
    report = check(small_cnn(), os.path.join(CLASS, "ben.csv"))
    found = diagnoses(report)
    assert found["conv1", "output"] == [
        f"+1 forgotten: 30×30 is ⌊(64 − 3) / 2⌋ = {(64 - 3) // 2}, without the + 1 that counts the first "
        "window's position"]
    assert found["conv1", "macs"] == [
        "MACs from your own shape: follows from row 1's wrong output; with your output 30×30×32 (row 1) this "
        f"layer has 30 × 30 × 32 × 3 × 3 × 3 = {30 * 30 * 32 * 3 * 3 * 3:,} MACs, as you wrote, so the step itself is right"]
    assert found["conv2", "output"][0].startswith("carried over: follows from row 1's wrong output; from your "
                                                  "30×30×32 this layer gives 30×30×64")
    assert found["conv2", "macs"] == [
        "MACs from your own shape: follows from row 1's wrong output; with your output 30×30×64 (row 2) this "
        f"layer has 30 × 30 × 64 × 3 × 3 × 32 = {30 * 30 * 64 * 3 * 3 * 32:,} MACs, as you wrote, so the step "
        "itself is right"]
    assert found["pool1", "output"][0].startswith("carried over: follows from row 1's wrong output (through row 2)")
    assert report.score_line() == "score: 13/18 cells right (72.2%; 4 carried over, not credited)"
    assert check(small_cnn(), os.path.join(CLASS, "ben.csv"), partial_credit=1).points == 13 + 4


def test_carried_through_an_input_column(tmp_path):
    """A table with an input column: the student's own (wrong) input is what the step is judged on."""
    path = write(tmp_path, "inputs.csv", "layer,input,output\nconv1,39x31x1,36x28x20\npool1,36x28x20,17x13x20\n"
                                         "conv2,17x13x20,15x11x40\n")
    report = check("cnn-39x31", path, columns="input,output")
    found = diagnoses(report)
    assert found["pool1", "output"] == ["+1 forgotten: 17×13 is (36 − 2)/2 = 17 and (28 − 2)/2 = 13, without the + "
                                        "1 that counts the first window's position"]
    # conv2's input is row 2's wrong output; its output (17 − 3 + 1 = 15, 13 − 3 + 1 = 11) is right from it
    assert found["conv2", "input"] == ["carried over: your input is row 2's wrong output"]
    assert found["conv2", "output"][0].startswith("carried over: follows from row 2's wrong output; from your "
                                                  "17×13×20 this layer gives 15×11×40")


# -- duplicate and extra rows ----------------------------------------------------------------------------------


def test_duplicate_row_is_reported_not_matched_to_another_layer():
    """Eve copies conv2's row where conv3 belongs and leaves out the flatten: the copy was checked as conv3
    (two wrong cells); it is a duplicate of row 2, and conv3 is missing."""
    report = check(small_cnn(), os.path.join(CLASS, "eve.md"))
    assert [(r.number, r.duplicate_of) for r in report.duplicates] == [(4, 2)]
    assert [r.path for r in report.missing_layers] == ["conv3", "flatten1"]
    assert report.wrong() == [] and not report.extra
    assert report.score_line() == "score: 12/18 cells right (66.7%; 6 in layers not listed)"
    assert tally(report) == {"duplicate row": 1, "layer not listed": 2}
    assert "? row 4 'conv 3×3, 64 filters': a duplicate of row 2 (conv2)" in report.text()


def test_named_duplicate_and_extra_row(tmp_path):
    """conv2 named twice is a duplicate; a row naming no layer is extra."""
    path = write(tmp_path, "t.md", "| layer | output |\n|---|---|\n| conv1 | 36x28x20 |\n| conv2 | 16x12x40 |\n"
                                   "| conv2 | 16x12x40 |\n| dropout | 16x12x40 |\n")
    report = check("cnn-39x31", path)
    assert [(r.label, r.duplicate_of) for r in report.duplicates] == [("conv2", 2)]
    assert [r.label for r in report.extra] == ["dropout"]
    assert tally(report) == {"duplicate row": 1, "extra row": 1, "layer not listed": CNN_SCORED - 2}


def test_a_name_written_for_two_layers_is_not_a_duplicate(tmp_path):
    """A student writes "dense" for both dense layers, of which the first is named so: the second row is the
    second layer (its figures fit it), not a repeat of the first."""
    path = write(tmp_path, "t.csv", "layer,output,params\ndense,8,136\ndense,2,18\n")
    report = check(_spec("input 4x4x1 | flatten | dense: dense 8 | dense_1: dense 2"), path)
    assert [r.row.path for r in report.rows] == ["dense", "dense_1"] and not report.duplicates
    # 16 inputs: 16 × 8 + 8 = 136 parameters, then 8 × 2 + 2 = 18
    assert report.score_line() == "score: 4/6 cells right (66.7%; 2 in layers not listed)"


def _spec(text):
    from shapecalc.spec import parse_spec

    return parse_spec(text)


# -- the new diagnoses ----------------------------------------------------------------------------------------


def test_batchnorm_buffers_counted_as_parameters(tmp_path):
    """BatchNorm over 32 channels learns γ and β (2 × 32 = 64); its running mean and variance (2 × 32) are
    buffers. Keras' summary counts all four: 128."""
    path = write(tmp_path, "bn.csv", "layer,output,params\nconv1,31x31x32,896\nbn1,31x31x32,128\n")
    report = check(_spec("input 64x64x3 | conv1: conv 32 k3 s2 | bn1: batchnorm"), path)
    assert diagnoses(report) == {("bn1", "params"): [
        f"buffers counted: {4 * 32} = {2 * 32} parameters + {2 * 32} BatchNorm running statistics, which are kept, "
        "not learned (Keras lists them as non-trainable parameters)"]}
    assert report.score_line() == "score: 3/4 cells right (75%)"


def test_wrong_pooling_window(tmp_path):
    """pool1 with a 3×3 window and stride 3: (36 − 3)/3 + 1 = 12, ⌊(28 − 3)/3⌋ + 1 = 9."""
    path = write(tmp_path, "window.csv", "layer,output,params\nconv1,36x28x20,340\npool1,12x9x20,0\n")
    report = check("cnn-39x31", path)
    assert diagnoses(report)["pool1", "output"] == [
        f"wrong pooling window: {(36 - 3) // 3 + 1}×{(28 - 3) // 3 + 1} is what a 3×3 window with stride 3 gives; "
        "this pool is 2×2 with stride 2"]


def test_flops_for_macs_and_macs_for_flops(tmp_path):
    """Dev's MACs column holds FLOPs (2 × MACs); a FLOPs column holding MACs is the reverse."""
    report = check(small_cnn(), os.path.join(CLASS, "dev.csv"))
    found = diagnoses(report)
    assert found["conv1", "macs"] == [f"FLOPs counted instead of MACs: {2 * 31 * 31 * 32 * 27:,} = 2 × "
                                      f"{31 * 31 * 32 * 27:,}; a MAC is one multiply and one add, counted once"]
    assert tally(report) == {"FLOPs counted instead of MACs": 4}
    assert report.score_line() == "score: 14/18 cells right (77.8%)"
    path = write(tmp_path, "flops.csv", f"layer,output,FLOPs\nconv1,36x28x20,{36 * 28 * 20 * 4 * 4:,}\n")
    found = diagnoses(check("cnn-39x31", path))
    assert found["conv1", "flops"] == [f"MACs counted instead of FLOPs: {36 * 28 * 20 * 16:,} is the MACs; FLOPs = "
                                       f"2 × MACs = {2 * 36 * 28 * 20 * 16:,}"]


def test_thousand_vs_1024():
    """Finn writes counts in K and M of 1,024: 18.1K for 18,496 (18,496 / 1,024 = 18.06), 2.25M for
    2,359,296 = 2.25 × 1,024²."""
    report = check(small_cnn(), os.path.join(CLASS, "finn.md"))
    found = diagnoses(report)
    assert found["conv2", "params"] == [
        "1,024 vs 1,000: 18.1K takes K as 1,024 (18.1 × 1,024 ≈ 18,534); a count's K is 1,000: 18,496 is 18.496K"]
    assert found["conv3", "macs"] == [
        f"1,024 vs 1,000: 2.25M takes M as 1,048,576 (2.25 × 1,048,576 = {8 * 8 * 64 * 3 * 3 * 64:,}); a count's M "
        "is 1,000,000: 2,359,296 is 2.359M"]
    assert tally(report) == {"1,024 vs 1,000": 7}


def test_params_per_batch(tmp_path):
    """A batch of 32: the dense layer's parameters multiplied by it (32 × 16,100 = 515,200) are wrong; its
    MACs per batch are right with --batch 32, and diagnosed without."""
    rows = [("conv1", "36x28x20", 340, 36 * 28 * 20 * 16), ("pool1", "18x14x20", 0, 0),
            ("conv2", "16x12x40", 7240, 16 * 12 * 40 * 9 * 20), ("pool2", "8x6x40", 0, 0),
            ("conv3", "6x4x60", 21660, 6 * 4 * 60 * 9 * 40), ("pool3", "3x2x60", 0, 0),
            ("conv4", "2x1x80", 19280, 2 * 1 * 80 * 4 * 60), ("flatten", "160", 0, 0),
            ("dense", "100", 32 * 16100, 160 * 100)]
    text = "| Layer | Output shape | Parameters | MACs |\n|---|---|---:|---:|\n" + "".join(
        f"| {name} | {shape} | {params:,} | {32 * macs:,} |\n" for name, shape, params, macs in rows)
    path = write(tmp_path, "batch.md", text)
    report = check("cnn-39x31", path, batch=32)
    assert diagnoses(report) == {("dense", "params"): [
        "params per batch: 515,200 is 32 × 16,100; the parameters are shared by every sample: their count does not "
        "grow with the batch"]}
    assert report.score_line() == f"score: {CNN_SCORED * 3 - 1}/{CNN_SCORED * 3} cells right (96.3%)"
    per_sample = diagnoses(check("cnn-39x31", path))
    assert per_sample["dense", "macs"] == [
        "per batch, not per sample: 512,000 is 32 × 16,000; the check counts one sample (--batch 32 where the "
        "homework asks per batch)"]
    code, out, _ = run(path, "--model", "cnn-39x31", "--batch", "32")
    assert code == 1 and "(input 39×31×1, batch 32)" in out


# -- graded columns -------------------------------------------------------------------------------------------


def test_columns_option(tmp_path):
    """--columns: the teacher's choice of graded columns; a column the table lacks counts as unanswered; an
    unknown name is one line on stderr naming the valid ones, status 2."""
    course = os.path.join(DATA, "cnn-39x31", "course-table.md")
    report = check("cnn-39x31", course, no_bias=True, columns="output")
    assert report.score_line() == f"score: {CNN_SCORED}/{CNN_SCORED} cells right (100%)"
    report = check("cnn-39x31", course, no_bias=True, columns=["output", "MACs"])
    assert report.score_line() == "score: 9/18 cells right (50%; 9 in columns the table lacks)"
    assert "no MACs column: its 9 cells count as not answered" in report.text()
    code, out, err = run(course, "--model", "cnn-39x31", "--columns", "output,weight")
    assert code == 2 and out == ""
    assert err == ("shapecalc: error: --columns: unknown column 'weight': the columns are input, output, params, "
                   "weights, biases, macs, flops, connections, rf\n")


# -- a folder -------------------------------------------------------------------------------------------------


def test_class_view():
    """For each mistake: how many tables make it, and where."""
    view = {m: (files, dict(where)) for m, files, where in grade_folder(small_cnn(), CLASS).class_view()}
    assert view["layer not listed"] == (["eve.md", "gus.md"], {"conv3": 2, "flatten1": 2, "fc": 1})
    assert view["bias forgotten"] == (["cleo.md"], {"conv1 params": 1, "conv2 params": 1, "conv3 params": 1,
                                                    "fc params": 1})
    assert view["floor vs ceil"] == (["cleo.md"], {"pool1 output": 1})
    assert view["+1 forgotten"] == (["ben.csv"], {"conv1 output": 1})
    assert view["carried over"] == (["ben.csv"], {"conv2 output": 1, "pool1 output": 1})
    assert view["MACs from your own shape"] == (["ben.csv"], {"conv1 MACs": 1, "conv2 MACs": 1})
    assert view["duplicate row"] == (["eve.md"], {"row 4": 1})
    assert len(view["1,024 vs 1,000"][1]) == 7 and len(view["FLOPs counted instead of MACs"][1]) == 4


def test_folder_summary_is_sortable_and_never_graded(tmp_path):
    """The summary CSV has a numeric percent over one denominator; the summary of an earlier run in the
    folder (this one's, or an older format's under another name) is not graded as a submission."""
    folder = tmp_path / "class"
    shutil.copytree(CLASS, folder)
    (folder / "grades-2023.csv").write_text(
        "file,right,checked,score,wrong_cells,extra_rows,missing_layers,error\na.md,1,2,0.500,,,,\n", encoding="utf-8")
    code, out, _ = run(str(folder), "--spec-file", SPEC)
    assert code == 1 and f"summary: {folder / 'summary.csv'} (7 files)" in out
    code, out, _ = run(str(folder), "--spec-file", SPEC)
    assert "(7 files)" in out  # not 9: neither summary was graded
    rows = list(csv.DictReader((folder / "summary.csv").open(encoding="utf-8")))
    ranked = sorted(rows, key=lambda r: -float(r["percent"]))
    assert [(r["file"], r["percent"]) for r in ranked][:3] == [("ada.md", "100.0"), ("dev.csv", "77.8"),
                                                               ("ben.csv", "72.2")]
    assert {r["out_of"] for r in rows} == {str(SMALL_SCORED * 3)}
    assert next(r for r in rows if r["file"] == "eve.md")["duplicate_rows"] == "row 4 (of row 2)"


def test_folder_formats(tmp_path):
    """--format is respected for a folder: csv prints the summary, json adds the class view, a tabulate
    format draws the tables."""
    summary = str(tmp_path / "s.csv")
    code, out, _ = run(CLASS, "--spec-file", SPEC, "--format", "csv", "--summary", summary)
    assert out == open(summary, encoding="utf-8").read()
    code, out, _ = run(CLASS, "--spec-file", SPEC, "--format", "json", "--summary", summary)
    data = json.loads(out)
    assert data["out_of"] == SMALL_SCORED * 3 and len(data["files"]) == 7
    assert {c["mistake"]: c["tables"] for c in data["class"]}["layer not listed"] == 2
    code, out, _ = run(CLASS, "--spec-file", SPEC, "--format", "github", "--summary", summary)
    assert "| ada.md  | 18/18   | 100  |" in out


def test_folder_with_an_unreadable_file(tmp_path):
    """An unreadable table scores 0 of the same denominator, with its error."""
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(os.path.join(CLASS, "ada.md"), folder / "ada.md")
    (folder / "notes.csv").write_text("name,comment\nx,y\n", encoding="utf-8")
    code, out, _ = run(str(folder), "--spec-file", SPEC)
    rows = {r["file"]: r for r in csv.DictReader((folder / "summary.csv").open(encoding="utf-8"))}
    assert code == 1 and (rows["notes.csv"]["percent"], rows["notes.csv"]["out_of"]) == ("0.0", "18")
    assert rows["notes.csv"]["error"].startswith("no column to check")


# -- structure ------------------------------------------------------------------------------------------------


def test_library_does_not_import_the_command_line():
    """shapecalc.check, shapecalc.grading and their modules work without shapecalc.cli."""
    code = ("import sys, shapecalc.check, shapecalc.grading, shapecalc.diagnose, shapecalc.matching; "
            "assert 'shapecalc.cli' not in sys.modules, 'cli imported'")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


@pytest.mark.parametrize("name", ["check", "Report", "read_submission", "parse_count", "parse_shape_cell",
                                  "check_command", "_align", "_pair_score", "_trivial"])
def test_old_imports_still_work(name):
    import shapecalc.check

    assert getattr(shapecalc.check, name) is not None
