"""``shapecalc exercise``: variants drawn from a template, their keys checked by ``shapecalc check``, every
figure against a hand walk of the variant's spec (the course formulas, written out below), the Moodle XML
parsed, and bad rosters and templates refused in one line with nothing written."""

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from shapecalc.cli import main


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def exercise(*argv):
    return run("exercise", *argv)


def tree(folder):
    """{relative path: bytes} of every file under ``folder``."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def key(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def variants(folder):
    return sorted(p for p in Path(folder).iterdir() if p.is_dir())


# -- an independent oracle: the course's formulas on the spec's own numbers ----------------------------------


def hand_walk(spec_text):
    """Every layer of a plain conv / maxpool / flatten / dense / softmax spec, walked with the textbook
    formulas: output = ⌊(H − F + 2P)/S⌋ + 1, conv params = F·F·C_in·N + N, dense params = N_in·N + N; and the
    axes where (H − F + 2P) % S != 0. Returns [(name, output shape, params, [axes not dividing])]."""
    rows, shape = [], None
    for line in spec_text.splitlines():
        words = line.split()
        if not words or words[0] == "network":
            continue
        if words[0] == "input":
            shape = tuple(int(v) for v in words[1].split("x"))
            rows.append(("input", shape, 0, []))
            continue
        name, kind, args = words[0].rstrip(":"), words[1], words[2:]
        flags = {a[0]: int(a[1:]) for a in args if a[0] in "ksp" and a[1:].isdigit()}
        bare = [int(a) for a in args if a.isdigit()]
        odd = []
        if kind in ("conv", "maxpool"):
            h, w, c = shape
            f = flags["k"] if kind == "conv" else bare[0]
            s = flags.get("s", 1 if kind == "conv" else f)
            p = flags.get("p", 0)
            odd = [axis for axis, size in (("H", h), ("W", w)) if (size - f + 2 * p) % s != 0]
            out_h, out_w = (h - f + 2 * p) // s + 1, (w - f + 2 * p) // s + 1
            if kind == "conv":
                n = bare[0]
                params, shape = f * f * c * n + n, (out_h, out_w, n)
            else:
                params, shape = 0, (out_h, out_w, c)
        elif kind == "flatten":
            size = 1
            for d in shape:
                size *= d
            params, shape = 0, (size,)
        elif kind == "dense":
            n = bare[0]
            params, shape = shape[0] * n + n, (n,)
        elif kind in ("softmax", "relu", "tanh"):
            params = 0
        else:
            raise AssertionError(f"the hand walk does not know {kind!r}")
        rows.append((name, shape, params, odd))
    return rows


def key_axes(divides):
    """The axes a key's divides cell names: "no: H (…) -> 18; W (…) -> 14" → ["H", "W"]."""
    return re.findall(r"(?:^no: |; )([HW]) ", divides)


def assert_key_matches_hand_walk(folder):
    rows = hand_walk((folder / "network.spec").read_text(encoding="utf-8"))
    table = key(folder / "key.csv")
    assert [r["layer"] for r in table] == [name for name, _, _, _ in rows]
    for row, (name, shape, params, odd) in zip(table, rows):
        assert row["output"] == "x".join(map(str, shape)), (folder.name, name)
        assert int(row["params"]) == params, (folder.name, name)
        if row["divides"]:
            assert row["divides"].startswith("yes" if not odd else "no"), (folder.name, name)
            assert key_axes(row["divides"]) == odd, (folder.name, name)
        else:
            assert not odd
    return rows


# -- the course's worked example, by hand ---------------------------------------------------------------------

COURSE = """\
network course "the course's worked example, every size fixed"
input {39}x{31}x1
conv1: conv 20 k4
pool1: maxpool 2
conv2: conv 40 k3
pool2: maxpool 2
conv3: conv 60 k3
pool3: maxpool 2
conv4: conv 80 k2
flatten: flatten
dense: dense 100
softmax: softmax
"""

# (docs/checking.md has the same figures: 340, 7,240, 21,660, 19,280, 16,100 with biases)
COURSE_KEY = [
    ("input", "39x31x1", 0),
    ("conv1", f"{(39 - 4) // 1 + 1}x{(31 - 4) // 1 + 1}x20", 4 * 4 * 1 * 20 + 20),  # 36x28x20, 340
    ("pool1", f"{(36 - 2) // 2 + 1}x{(28 - 2) // 2 + 1}x20", 0),  # 18x14x20
    ("conv2", f"{18 - 3 + 1}x{14 - 3 + 1}x40", 3 * 3 * 20 * 40 + 40),  # 16x12x40, 7,240
    ("pool2", f"{(16 - 2) // 2 + 1}x{(12 - 2) // 2 + 1}x40", 0),  # 8x6x40
    ("conv3", f"{8 - 3 + 1}x{6 - 3 + 1}x60", 3 * 3 * 40 * 60 + 60),  # 6x4x60, 21,660
    ("pool3", f"{(6 - 2) // 2 + 1}x{(4 - 2) // 2 + 1}x60", 0),  # 3x2x60
    ("conv4", f"{3 - 2 + 1}x{2 - 2 + 1}x80", 2 * 2 * 60 * 80 + 80),  # 2x1x80, 19,280
    ("flatten", f"{2 * 1 * 80}", 0),  # 160
    ("dense", "100", 160 * 100 + 100),  # 16,100
    ("softmax", "100", 0),
]


def test_the_course_example_by_hand(tmp_path):
    """A template whose ranges hold one value each is the course's network: its key is the worked example's
    table, every window divides, and the question gives the input and asks for the rest."""
    (tmp_path / "course.spec").write_text(COURSE, encoding="utf-8")
    code, out, err = exercise("--template", str(tmp_path / "course.spec"), "--seed", "1", "--count", "1",
                              "--non-dividing", "0", "--out", str(tmp_path / "ex"))
    assert (code, err) == (0, ""), err
    assert out.splitlines()[0] == "v01: input 39×31×1, 64,620 params; every window tiles its input"
    assert 340 + 7240 + 21660 + 19280 + 16100 == 64620
    rows = key(tmp_path / "ex" / "v01" / "key.csv")
    assert [(r["layer"], r["output"], int(r["params"])) for r in rows] == COURSE_KEY
    assert [r["divides"] for r in rows] == ["", "yes", "yes", "yes", "yes", "yes", "yes", "yes", "", "", ""]
    question = (tmp_path / "ex" / "v01" / "exercise.md").read_text(encoding="utf-8")
    assert "a 39×31×1 input" in question
    assert "1. `conv1`: convolution, 20 filters of 4×4, stride 1, no padding" in question
    assert "| input | input | 39×31×1 | 0 | n/a |" in question
    assert "| conv1 | conv 4×4, 20 |  |  |  |" in question
    assert "36x28x20" not in question and "340" not in question  # no answer in the question


def test_a_non_dividing_window_by_hand(tmp_path):
    """40 rows, a 4×4 conv: 37 rows; a 2×2/2 pool on 37: (37 − 2)/2 + 1 = 18.5 is not whole (H); W: 31 → 28
    → (28 − 2)/2 + 1 = 14 is. The key names pool1's H and its arithmetic; PyTorch's floor gives 18."""
    (tmp_path / "odd.spec").write_text("input {40}x{31}x1\nconv1: conv 20 k4\npool1: maxpool 2\n"
                                       "flatten: flatten\ndense: dense 10\n", encoding="utf-8")
    code, out, err = exercise("--template", str(tmp_path / "odd.spec"), "--seed", "1", "--count", "1",
                              "--non-dividing", "1", "--out", str(tmp_path / "ex"))
    assert code == 0, err
    assert "does not divide: pool1 (H)" in out
    rows = {r["layer"]: r for r in key(tmp_path / "ex" / "v01" / "key.csv")}
    assert rows["conv1"]["output"] == f"{40 - 4 + 1}x{31 - 4 + 1}x20" and rows["conv1"]["divides"] == "yes"
    assert rows["pool1"]["output"] == f"{(37 - 2) // 2 + 1}x{(28 - 2) // 2 + 1}x20"  # 18x14x20
    assert rows["pool1"]["divides"] == f"no: H (37 - 2)/2 + 1 = {(37 - 2) / 2 + 1} -> 18"  # 18.5
    assert rows["flatten"]["output"] == str(18 * 14 * 20)
    assert int(rows["dense"]["params"]) == 18 * 14 * 20 * 10 + 10


def test_the_same_course_template_refuses_a_share_it_cannot_give(tmp_path):
    """Every size fixed and every division whole: a non-dividing variant cannot be drawn. One line, and no
    files."""
    (tmp_path / "course.spec").write_text(COURSE, encoding="utf-8")
    code, out, err = exercise("--template", str(tmp_path / "course.spec"), "--seed", "1", "--count", "4",
                              "--out", str(tmp_path / "ex"))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "--non-dividing 0" in err
    assert sorted(os.listdir(tmp_path)) == ["course.spec"]


# -- the default template: seeds, keys, shares ----------------------------------------------------------------


@pytest.fixture(scope="module")
def eight(tmp_path_factory):
    """Eight variants of the default template, a quarter of them non-dividing."""
    folder = tmp_path_factory.mktemp("eight") / "week3"
    code, out, err = exercise("--seed", "2024", "--count", "8", "--out", str(folder))
    assert code == 0, err
    return folder, out


def test_the_same_seed_gives_the_same_bytes(eight, tmp_path):
    folder, out = eight
    code, again, _ = exercise("--seed", "2024", "--count", "8", "--out", str(tmp_path / "again"))
    assert code == 0 and again.replace(str(tmp_path / "again"), str(folder)) == out
    assert tree(tmp_path / "again") == tree(folder)
    exercise("--seed", "2025", "--count", "8", "--out", str(tmp_path / "other"))
    first, other = tree(folder), tree(tmp_path / "other")
    assert first.keys() == other.keys()
    assert sum(first[k] != other[k] for k in first if k.endswith("network.spec")) >= 6


def test_the_same_seed_in_other_processes(eight, tmp_path):
    """Byte for byte in a new process too, whatever its string hashing (PYTHONHASHSEED)."""
    folder, _ = eight
    for hashseed in ("1", "2"):
        target = tmp_path / f"h{hashseed}"
        proc = subprocess.run([sys.executable, "-m", "shapecalc", "exercise", "--seed", "2024", "--count", "8",
                               "--out", str(target)], capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": hashseed})
        assert proc.returncode == 0, proc.stderr
        assert tree(target) == tree(folder)


def test_every_file_is_written(eight):
    folder, out = eight
    assert sorted(os.listdir(folder)) == ["quiz.xml"] + [f"v0{k}" for k in range(1, 9)]
    for v in variants(folder):
        assert sorted(os.listdir(v)) == ["exercise.md", "exercise.tex", "key.csv", "network.spec"]
    assert len(out.splitlines()) == 9 and out.splitlines()[-1].startswith("wrote 8 variants of cnn-39x31 (2 not")


def test_every_key_passes_shapecalc_check(eight):
    """`shapecalc check key.csv --spec-file network.spec`: status 0, every cell right."""
    folder, _ = eight
    for v in variants(folder):
        code, out, err = run("check", str(v / "key.csv"), "--spec-file", str(v / "network.spec"))
        assert code == 0, out + err
        right, checked = map(int, re.search(r"score: (\d+)/(\d+) cells right", out).groups())
        # (every layer that has parameters or changes the shape is scored: 2 cells each)
        assert right == checked >= 2 * sum(r["layer"] not in ("input", "softmax") for r in key(v / "key.csv"))


def test_every_key_agrees_with_the_hand_walk(eight):
    """Shapes, parameters and the layers that do not divide, of every variant, against the formulas applied
    by hand to the numbers in its network.spec; and a quarter of the variants (2 of 8) do not divide."""
    folder, _ = eight
    odd = 0
    for v in variants(folder):
        rows = assert_key_matches_hand_walk(v)
        layers = [name for name, _, _, axes in rows if axes]
        assert len(layers) <= 1  # one layer to spot, where the template allows it
        odd += bool(layers)
    assert odd == 2


@pytest.mark.parametrize("share, expected", [("0", 0), ("50%", 5), ("1", 10)])
def test_the_share_of_non_dividing_variants(tmp_path, share, expected):
    code, _, err = exercise("--seed", "s", "--count", "10", "--non-dividing", share, "--out", str(tmp_path / "x"))
    assert code == 0, err
    assert sum(any(axes for _, _, _, axes in assert_key_matches_hand_walk(v)) for v in variants(tmp_path / "x")) \
        == expected


def test_strides_and_padding_against_the_hand_walk(tmp_path):
    """A teacher's template where strides and padding decide what divides: every key against the hand walk."""
    (tmp_path / "t.spec").write_text("input {30..40}x{30..40}x3\nconv1: conv {8,12} k{3,4} s{2,3} p{0,1,2}\n"
                                     "pool1: maxpool {2,3} s2 p{0,1}\nflatten: flatten\nfc: dense 10\n",
                                     encoding="utf-8")
    code, _, err = exercise("--template", str(tmp_path / "t.spec"), "--seed", "1", "--count", "12",
                            "--non-dividing", "0.5", "--out", str(tmp_path / "ex"))
    assert code == 0, err
    found = {"padded": 0, "odd": 0}
    for v in variants(tmp_path / "ex"):
        rows = assert_key_matches_hand_walk(v)
        found["odd"] += any(axes for _, _, _, axes in rows)
        found["padded"] += " p" in (v / "network.spec").read_text(encoding="utf-8")
        assert run("check", str(v / "key.csv"), "--spec-file", str(v / "network.spec"))[0] == 0
    assert found["odd"] == 6 and found["padded"] >= 6


def test_the_variants_vary(eight):
    """Input sizes, filters and kernels change from variant to variant; no two variants are the same network."""
    folder, _ = eight
    specs = [(v / "network.spec").read_text(encoding="utf-8").split("\n", 1)[1] for v in variants(folder)]
    assert len(set(specs)) == 8
    inputs = {re.search(r"input (\S+)", s).group(1) for s in specs}
    kernels = {re.search(r"conv1: conv \d+ k(\d)", s).group(1) for s in specs}
    assert len(inputs) >= 5 and len(kernels) >= 2


def test_the_flags_agree_with_the_tables_warnings_and_notes():
    """A layer the key says does not divide is one the table marks (its ⚠ warning or its note, whatever their
    wording); the layers that divide have neither, in the default template (no stride exceeds its window)."""
    from shapecalc.exercise import load_template, make_variants, untiled

    for v in make_variants(load_template("cnn-39x31"), "2024", count=8, share=0.5):
        for r in v.summary.rows:
            assert bool(untiled(r)) == bool(r.warnings or r.notes), (v.name, r.path)


def test_the_question_table_is_a_submission_check_reads(eight):
    """exercise.md's table has the key's columns and layers; a student's filled-in copy is a submission."""
    from shapecalc.check import read_submission

    folder, _ = eight
    v = variants(folder)[0]
    table = read_submission(str(v / "exercise.md"))
    assert table.header == list(key(v / "key.csv")[0].keys())
    assert [cells[0] for _, cells in table.rows] == [r["layer"] for r in key(v / "key.csv")]
    filled = (v / "exercise.md").read_text(encoding="utf-8").split("| layer |")[0] + "| layer | type | output | " \
        "params | divides |\n|---|---|---|---|---|\n" + "".join(
            f"| {r['layer']} | {r['type']} | {r['output']} | {r['params']} | {r['divides']} |\n"
            for r in key(v / "key.csv"))
    (v.parent / "filled.md").write_text(filled, encoding="utf-8")
    code, out, _ = run("check", str(v.parent / "filled.md"), "--spec-file", str(v / "network.spec"))
    (v.parent / "filled.md").unlink()
    assert code == 0 and "cells right (100%)" in out


# -- Moodle XML ----------------------------------------------------------------------------------------------


def cloze_answers(question):
    """[(shape answers, params)] of a cloze question's rows, read from its HTML."""
    html = question.find("questiontext/text").text
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        shape = re.search(r"\{1:SHORTANSWER:(.*?)\}", row)
        params = re.search(r"\{1:NUMERICAL:=(\d+):0\}", row)
        if shape and params:
            rows.append(([a.lstrip("=") for a in shape.group(1).split("~")], int(params.group(1))))
    return rows


def test_the_moodle_xml_parses_and_holds_the_keys(eight):
    folder, _ = eight
    root = ET.parse(folder / "quiz.xml").getroot()
    assert root.tag == "quiz"
    questions = root.findall("question")
    assert [q.get("type") for q in questions] == ["category"] + ["cloze"] * 8
    assert questions[0].find("category/text").text.startswith("$course$/")
    for q, v in zip(questions[1:], variants(folder)):
        assert q.find("name/text").text == f"cnn-39x31 {v.name}" and q.find("questiontext").get("format") == "html"
        rows = hand_walk((v / "network.spec").read_text(encoding="utf-8"))[1:]  # the input row is given
        answers = cloze_answers(q)
        assert [params for _, params in answers] == [p for _, _, p, _ in rows]
        assert [forms[0] for forms, _ in answers] == ["x".join(map(str, shape)) for _, shape, _, _ in rows]
        for forms, _ in answers:
            assert len(forms) in (1, 4)  # a vector's length, or a shape as 36x28x20, 36×28×20, with spaces
        html = q.find("questiontext/text").text
        odd = [name for name, _, _, axes in rows if axes]
        assert len(re.findall(r"\{1:MULTICHOICE:yes~=no\}", html)) == len(odd)
        assert len(re.findall(r"\{1:MULTICHOICE:=yes~no\}", html)) == 7 - len(odd)  # 4 convs and 3 pools


def test_the_moodle_xml_of_the_course_example(tmp_path):
    (tmp_path / "course.spec").write_text(COURSE, encoding="utf-8")
    exercise("--template", str(tmp_path / "course.spec"), "--seed", "1", "--count", "1", "--non-dividing", "0",
             "--out", str(tmp_path / "ex"))
    (question,) = ET.parse(tmp_path / "ex" / "quiz.xml").getroot().findall("question[@type='cloze']")
    answers = cloze_answers(question)
    assert [params for _, params in answers] == [p for _, _, p in COURSE_KEY[1:]]
    assert [forms[0] for forms, _ in answers] == [shape for _, shape, _ in COURSE_KEY[1:]]
    assert answers[0][0] == ["36x28x20", "36×28×20", "36 x 28 x 20", "36 × 28 × 20"]


# -- LaTeX ---------------------------------------------------------------------------------------------------


def test_latex_escapes_and_balances(tmp_path):
    """No raw ×, − or dashes (pdflatex's tabular would choke on them), special characters escaped, braces
    and environments balanced, every table row with its five cells."""
    (tmp_path / "t.spec").write_text('input {30..34}x{30..34}x3\n"conv_1&50%": conv {8,16} k3\npool: maxpool 2\n'
                                     'flatten | fc: dense 10\n', encoding="utf-8")
    code, _, err = exercise("--template", str(tmp_path / "t.spec"), "--seed", "1", "--count", "2",
                            "--non-dividing", "0.5", "--out", str(tmp_path / "ex"))
    assert code == 0, err
    for v in variants(tmp_path / "ex"):
        tex = (v / "exercise.tex").read_text(encoding="utf-8")
        assert tex.isascii()
        assert r"conv\_1\&50\%" in tex
        bare = re.sub(r"\\[{}&%$#_]", "", tex)
        assert bare.count("{") == bare.count("}")
        assert bare.count("$") % 2 == 0
        for env in ("document", "enumerate", "itemize", "tabular"):
            assert tex.count(rf"\begin{{{env}}}") == tex.count(rf"\end{{{env}}}") == 1
        table = tex.split(r"\begin{tabular}")[1].split(r"\end{tabular}")[0]
        rows = [line for line in table.splitlines() if line.endswith(r"\\") or line.endswith(r"\hline") and "&" in line]
        assert len(rows) == 1 + 5  # the header, input, conv, pool, flatten, fc
        for row in rows:
            assert len(re.findall(r"(?<!\\)&", row)) == 4, row


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_pdflatex_compiles_the_questions(tmp_path):
    """Where pdflatex is installed: a question with LaTeX's special characters in a layer name, and AlexNet's
    long one, compile without an error."""
    (tmp_path / "t.spec").write_text('input {30..34}x{30..34}x3\n"conv_1&50%#~^": conv {8,16} k3\n'
                                     "pool: maxpool 2\nflatten | fc: dense 10\n", encoding="utf-8")
    assert exercise("--template", str(tmp_path / "t.spec"), "--seed", "1", "--count", "1", "--non-dividing", "1",
                    "--out", str(tmp_path / "a"))[0] == 0
    assert exercise("--template", "alexnet-1gpu", "--seed", "1", "--count", "1", "--out", str(tmp_path / "b"))[0] == 0
    for folder in ("a", "b"):
        proc = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", "-no-shell-escape",
                               "exercise.tex"], cwd=tmp_path / folder / "v01", capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stdout[-2000:]
        assert (tmp_path / folder / "v01" / "exercise.pdf").stat().st_size > 0


# -- rosters -------------------------------------------------------------------------------------------------


def test_one_variant_per_student(tmp_path):
    """Folders named by the ids (spaces become _); adding a student changes nobody else's files."""
    (tmp_path / "a.csv").write_text("id,name\nann,Ann Lee\nbo li,Bo Li\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("name,id\nCid,cid\nAnn Lee,ann\nBo Li,bo li\n", encoding="utf-8")
    assert exercise("--roster", str(tmp_path / "a.csv"), "--seed", "7", "--out", str(tmp_path / "a"))[0] == 0
    assert exercise("--roster", str(tmp_path / "b.csv"), "--seed", "7", "--out", str(tmp_path / "b"))[0] == 0
    assert sorted(os.listdir(tmp_path / "a")) == ["ann", "bo_li", "quiz.xml"]
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert {k: v for k, v in b.items() if not k.startswith(("cid", "quiz"))} == \
        {k: v for k, v in a.items() if not k.startswith("quiz")}
    assert "Student: bo li" in (tmp_path / "a" / "bo_li" / "exercise.md").read_text(encoding="utf-8")
    for v in variants(tmp_path / "b"):
        assert_key_matches_hand_walk(v)


ROSTERS = [
    ("id,name\nann,A\n,B\n", "row 3: the id is empty"),
    ("id,name\nann,A\nAnn,B\n", "row 3: the id 'Ann' repeats row 2's"),
    ("id,name\nann,A\na/b,B\n", "row 3: the id 'a/b' has characters that are not safe"),
    ("id,name\n..,A\n", "row 2: the id '..' cannot name a folder"),
    ("id,name\nquiz.xml,A\n", "row 2: the id 'quiz.xml' cannot name a folder"),
    ("x,y\n1,2\n", "the roster's header ('x', 'y') has no id, student or name column"),
    ("", "the roster is empty"),
    ("id,name\n", "the roster lists no students"),
    ('id;name\nann;A\n"bo;B\n', "row 3: cannot read the roster as CSV"),
]


@pytest.mark.parametrize("text, message", ROSTERS)
def test_a_bad_roster_is_one_line_and_writes_nothing(tmp_path, text, message):
    (tmp_path / "r.csv").write_text(text, encoding="utf-8")
    code, out, err = exercise("--roster", str(tmp_path / "r.csv"), "--seed", "1", "--out", str(tmp_path / "ex"))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("shapecalc: error: ") and message in err, err
    assert sorted(os.listdir(tmp_path)) == ["r.csv"]


# -- templates -----------------------------------------------------------------------------------------------


TEMPLATES = [
    ("input {36..48}x31x1\nconv {16..} k3\n", "line 2, column 6: '{16..}' is not a range"),
    ("input {48..36}x31x1\n", "line 1, column 7: '{48..36}': the range runs from 48 down to 36"),
    ("input {36..48x31x1\n", "line 1, column 7: '{' without its '}'"),
    ("input {s}x31x1\n", "'{s}' refers to no earlier range named 's'"),
    ("input {36..48}x{28..40}x1\nconv 8 k{3,5}\nmaxpol 2\n", "line 3, column 1: unknown layer kind 'maxpol'"),
    ("input {36..48}x31x1 | conv {8,16} k3 | maxpol 2\n", "line 1, column 40: unknown layer kind 'maxpol'"),
    ("input {36..48}x31x1\nbranches( conv 4 k1 ; conv 4 k1 ) concat\n", "the template has a branches"),
    ("input 3x3x1\nconv 8 k{5,7}\n", "every draw makes a layer's output smaller than 1"),
    ("input 32x32x3\nconv 8 k3 p1\n", "no draw in 5,000 gives a window that does not tile its input"),
    ("input HxWx3\nconv 8 k3\n", "an exercise needs a numeric input"),
]


@pytest.mark.parametrize("text, message", TEMPLATES)
def test_a_bad_template_is_one_line_and_writes_nothing(tmp_path, text, message):
    """Errors in a template name its line and column (in the template, ranges and all)."""
    (tmp_path / "t.spec").write_text(text, encoding="utf-8")
    code, out, err = exercise("--template", str(tmp_path / "t.spec"), "--seed", "1", "--count", "4",
                              "--out", str(tmp_path / "ex"))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("shapecalc: error: ") and message in err, err
    assert sorted(os.listdir(tmp_path)) == ["t.spec"]


def test_zoo_networks_vary_their_input(tmp_path):
    """A network without ranges (here LeNet-5 of the zoo) varies its input size; branches are refused."""
    code, out, err = exercise("--template", "lenet5", "--seed", "1", "--count", "3", "--non-dividing", "0",
                              "--out", str(tmp_path / "ex"))
    assert code == 0, err
    for v in variants(tmp_path / "ex"):
        assert run("check", str(v / "key.csv"), "--spec-file", str(v / "network.spec"))[0] == 0
    code, _, err = exercise("--template", "resnet18", "--seed", "1", "--count", "1", "--out", str(tmp_path / "r"))
    assert code == 2 and "a plain sequence of layers" in err and not (tmp_path / "r").exists()


@pytest.mark.parametrize("name", ["lenet5-full", "alexnet-1gpu"])
def test_the_other_course_templates(tmp_path, name):
    code, _, err = exercise("--template", name, "--seed", "1", "--count", "4", "--non-dividing", "0.5",
                            "--out", str(tmp_path / "ex"))
    assert code == 0, err
    odd = 0
    for v in variants(tmp_path / "ex"):
        code, out, _ = run("check", str(v / "key.csv"), "--spec-file", str(v / "network.spec"))
        assert code == 0, out
        odd += any(r["divides"].startswith("no") for r in key(v / "key.csv"))
    assert odd == 2


def test_a_printed_template_is_a_template(tmp_path):
    """--print-template shows the ranges; the printed file as --template gives the very same files."""
    code, text, _ = exercise("--print-template")
    assert code == 0 and "input {36..48}x{28..40}x{1,3}" in text
    (tmp_path / "mine.spec").write_text(text, encoding="utf-8")
    exercise("--seed", "3", "--count", "3", "--out", str(tmp_path / "a"))
    exercise("--template", str(tmp_path / "mine.spec"), "--seed", "3", "--count", "3", "--out", str(tmp_path / "b"))
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_no_bias_templates_count_weights_only(tmp_path):
    (tmp_path / "course.spec").write_text(COURSE, encoding="utf-8")
    exercise("--template", str(tmp_path / "course.spec"), "--seed", "1", "--count", "1", "--non-dividing", "0",
             "--no-bias", "--out", str(tmp_path / "ex"))
    rows = {r["layer"]: int(r["params"]) for r in key(tmp_path / "ex" / "v01" / "key.csv")}
    assert (rows["conv1"], rows["dense"]) == (4 * 4 * 1 * 20, 160 * 100)
    assert run("check", str(tmp_path / "ex" / "v01" / "key.csv"), "--spec-file",
               str(tmp_path / "ex" / "v01" / "network.spec"))[0] == 0


# -- the output folder ---------------------------------------------------------------------------------------


def test_a_folder_that_is_not_empty_needs_force(tmp_path):
    folder = tmp_path / "ex"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    code, out, err = exercise("--seed", "1", "--count", "2", "--out", str(folder))
    assert (code, out) == (2, "") and "--force" in err and os.listdir(folder) == ["notes.txt"]
    assert exercise("--seed", "1", "--count", "2", "--out", str(folder), "--force")[0] == 0
    assert sorted(os.listdir(folder)) == ["notes.txt", "quiz.xml", "v01", "v02"]
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert [p for p in os.listdir(tmp_path) if p.startswith(".")] == []  # no staging folder left


@pytest.mark.parametrize("argv, message", [
    (["--count", "2", "--out", "x"], "give a seed"),
    (["--seed", "1", "--out", "x"], "give either --count N"),
    (["--seed", "1", "--count", "2", "--roster", "r.csv", "--out", "x"], "give either --count N"),
    (["--seed", "1", "--count", "0", "--out", "x"], "the count is from 1"),
    (["--seed", "1", "--count", "2"], "--out DIR"),
    (["--seed", "1", "--count", "2", "--out", "x", "--non-dividing", "2"], "from 0 to 1"),
    (["--seed", "1", "--count", "2", "--out", "x", "--template", "cnn-39x3"], "did you mean cnn-39x31"),
])
def test_bad_options_are_one_line(tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = exercise(*argv)
    assert (code, out) == (2, "") and err.count("\n") == 1 and message in err, err
    assert os.listdir(tmp_path) == []
