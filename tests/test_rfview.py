"""--rf: receptive field, jump and input region per layer (shapecalc.rfview)."""

import csv
import io
import json

from shapecalc import summary
from shapecalc.cli import main
from shapecalc.rfview import rf_rows, rf_table


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def rows(name, **kw):
    return {r["name"]: r for r in rf_rows(summary(name, **kw))}


def test_three_3x3_convs_see_7x7():
    """stack-3x3: 3, then 3 + 2, then 3 + 2 + 2 = 7; 'same' padding 1 puts unit 0's window at −3…3."""
    r = rows("stack-3x3")
    assert r["conv3"]["receptive_field"] == [3 + 2 + 2, 3 + 2 + 2]
    assert r["conv3"]["jump"] == [1, 1]
    assert r["conv3"]["unit0"] == [[-3, 3], [-3, 3]]
    assert r["conv3"]["unit_ij"] == "rows i-3…i+3, cols j-3…j+3"


def test_alexnet_regions_by_hand():
    """AlexNet conv1 11×11/4: unit (i, j) sees rows 4i … 4i + 10; pool1 3×3/2 widens to 11 + 2·4 = 19, jump 8."""
    r = rows("alexnet")
    assert r["conv1"]["unit_ij"] == "rows 4i…4i+10, cols 4j…4j+10"
    assert r["pool1"]["receptive_field"] == [11 + (3 - 1) * 4] * 2
    assert r["pool1"]["jump"] == [4 * 2, 4 * 2]
    assert r["pool1"]["unit0"] == [[0, 18], [0, 18]]


def test_symbolic_rf_is_a_formula():
    """Symbolic mode: after ResNet-18's global pool the field spans the whole map, a formula in H."""
    s = summary("resnet18", input=("H", "W", 3))
    text = rf_table(s)
    assert "(symbolic)" in text
    fc = {r["name"]: r for r in rf_rows(s)}["fc"]
    assert not isinstance(fc["receptive_field"][0], int)
    assert "H" in str(fc["receptive_field"][0])


def test_formats():
    """--rf --format json parses; csv has the header; text has the explanation."""
    code, out, _ = run("stack-3x3", "--rf", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["layers"][1]["receptive_field"] == [3, 3]
    code, out, _ = run("stack-3x3", "--rf", "--format", "csv")
    header = next(csv.reader(io.StringIO(out)))
    assert header == ["layer", "type", "output", "RF", "jump", "unit (0,0) sees", "unit (i,j) sees"]
    code, out, _ = run("inception-3a", "--rf", "--depth", "1")
    assert "RF: the input pixels one output unit depends on" in out
    assert "inception3a" in out
