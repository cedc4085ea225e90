"""Spreadsheet formula injection: every CSV and TSV shapecalc writes shows a cell that a spreadsheet would
evaluate (a leading =, +, -, @, tab or carriage return) as text, with a ' before it — one test per writer."""

import csv
import io

import pytest

import shapecalc
from shapecalc.cli import main
from shapecalc.layers import Conv2d, Flatten, Input, Linear, Network
from shapecalc.report import spreadsheet_safe

HOSTILE = ["=HYPERLINK(1+1)", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_starts_are_quoted(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["conv1", "36×28×20", "", 7, -3, 2.5, None])
def test_other_cells_are_unchanged(value):
    assert spreadsheet_safe(value) == value


def _hostile_network():
    # layer names are the user's text: a name may start with "=" (no dots, no surrounding spaces)
    return Network("=cmd|' /C calc'!A0", [Conv2d(4, 3, name="=HYPERLINK(1+1)"), Flatten(name="@SUM(A1)"),
                                          Linear(2, name="+1+1")], (8, 8, 1))


def _cells(text, delimiter=","):
    return [c for row in csv.reader(io.StringIO(text), delimiter=delimiter) for c in row]


def test_table_csv():
    cells = _cells(shapecalc.summary(_hostile_network()).table(format="csv"))
    assert "'=HYPERLINK(1+1)" in cells and "'@SUM(A1)" in cells and "'+1+1" in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]


def test_table_tsv():
    text = shapecalc.summary(_hostile_network()).table(format="tsv")
    cells = [c.strip() for line in text.splitlines() for c in line.split("\t")]
    assert "'=HYPERLINK(1+1)" in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]


def test_rf_csv():
    from shapecalc.rfview import rf_table

    cells = _cells(rf_table(shapecalc.summary(_hostile_network()), format="csv"))
    assert "'=HYPERLINK(1+1)" in cells


def test_list_csv(capsys):
    assert main(["list", "--format", "csv"]) == 0
    cells = _cells(capsys.readouterr().out)
    assert not [c for c in cells if c.startswith(("=", "+", "@", "-"))]


def test_check_csv_echoes_submitted_labels_quoted(tmp_path, capsys):
    sub = tmp_path / "s.csv"
    sub.write_text("layer,output,params\n=HYPERLINK(1+1),36x28x20,340\n@SUM(A1),18x14x20,0\n")
    main(["check", str(sub), "--model", "cnn-39x31", "--format", "csv"])
    cells = _cells(capsys.readouterr().out)
    assert "'=HYPERLINK(1+1)" in cells or "'@SUM(A1)" in cells
    assert not [c for c in cells if c.startswith(("=", "@"))]


def test_folder_summary_quotes_file_names(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "=HYPERLINK(1+1).csv").write_text("layer,output,params\nconv1,36x28x20,340\n")
    (folder / "@SUM(A1).csv").write_text("layer,output,params\nconv1,36x28x20,340\n")
    main(["check", str(folder), "--model", "cnn-39x31"])
    capsys.readouterr()
    cells = _cells((folder / "summary.csv").read_text())
    assert "'=HYPERLINK(1+1).csv" in cells and "'@SUM(A1).csv" in cells
    assert not [c for c in cells if c.startswith(("=", "@"))]


def test_verify_csv():
    pytest.importorskip("torch")
    from shapecalc.torch import verify

    net = Network("n", [Input(8, 8, 1), Conv2d(4, 3, name="=HYPERLINK(1+1)")], (8, 8, 1))
    cells = _cells(verify(net, device="cpu").table(format="csv"))
    assert "'=HYPERLINK(1+1)" in cells
