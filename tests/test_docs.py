"""Every example in docs/*.md and README.md runs, and prints what the page shows.

The convention (documented in docs/README.md, "How the examples are tested"):

* a ```` ```console ```` block is a transcript: each line starting with ``$ shapecalc`` is a command, the lines
  after it (up to the next ``$``) are its expected output (stdout, then stderr). A line ``...`` alone matches
  any number of lines. Trailing spaces and trailing blank lines are ignored.
* a ```` ```python ```` (or ```` ```pycon ````) block with ``>>>`` prompts is a doctest (ELLIPSIS and
  NORMALIZE_WHITESPACE on); one without prompts is executed and must not raise. All Python blocks of one page
  share one namespace, top to bottom.
* an HTML comment right before a block changes what happens to it:
  ``<!-- docs-test: file NAME -->`` writes the block to NAME (in the page's scratch directory) instead of
  running it; ``<!-- docs-test: needs MODULE -->`` runs it only when MODULE imports (in CI, where
  ``SHAPECALC_REQUIRE_TORCH`` is set, a missing module fails instead); ``<!-- docs-test: skip REASON -->``
  does not run it (only for what cannot run in CI, such as CUDA).
* other blocks (```` ```bash ````, ```` ```text ````, ```` ```toml ```` …) are shown, not run.

Commands run in-process (``shapecalc.cli.main``) in a fresh scratch directory per page, in which ``docs`` and
``tests`` link to the repository's folders.
"""

import contextlib
import doctest
import importlib
import io
import os
import re
import shlex
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").glob("*.md")) + ([ROOT / "README.md"] if (ROOT / "README.md").exists() else [])

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")
MARKER = re.compile(r"<!--\s*docs-test:\s*(\w+)\s*(.*?)\s*-->")
CONSOLE = {"console", "shell-session"}
PYTHON = {"python", "py", "pycon", "python3"}


class Block:
    """One fenced code block: its language, text, first line number and docs-test marker."""

    def __init__(self, lang, lines, lineno, marker):
        self.lang = lang
        self.text = "\n".join(lines) + ("\n" if lines else "")
        self.lines = lines
        self.lineno = lineno
        self.marker = marker  # (action, argument) or None


def parse_blocks(text):
    """The fenced blocks of a Markdown text, each with the marker comment that precedes it (if any)."""
    blocks = []
    lines = text.splitlines()
    marker = None
    i = 0
    while i < len(lines):
        line = lines[i]
        m = FENCE.match(line)
        if m:
            indent, fence, lang = m.group(1), m.group(2), m.group(3).lower()
            body = []
            start = i + 1
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence):
                body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
                i += 1
            blocks.append(Block(lang, body, start, marker))
            marker = None
        else:
            found = MARKER.search(line)
            if found:
                marker = (found.group(1), found.group(2))
            elif line.strip():
                marker = None  # a marker applies to the block right after it (blank lines allowed)
        i += 1
    return blocks


def _lines(text):
    out = [line.rstrip() for line in text.splitlines()]
    while out and not out[-1]:
        out.pop()
    return out


def output_matches(expected, actual):
    """Line-by-line comparison in which a line ``...`` matches any number of lines."""
    expected, actual = _lines("\n".join(expected)), _lines(actual)

    def match(i, j):
        if i == len(expected):
            return j == len(actual)
        if expected[i].strip() == "...":
            return any(match(i + 1, k) for k in range(j, len(actual) + 1))
        return j < len(actual) and expected[i] == actual[j] and match(i + 1, j + 1)

    return match(0, 0)


def run_command(command):
    """Run ``shapecalc ARGS`` in-process; its stdout followed by its stderr."""
    from shapecalc.cli import main

    argv = shlex.split(command)
    if argv[:1] == ["shapecalc"]:
        argv = argv[1:]
    elif argv[:3] == ["python", "-m", "shapecalc"]:
        argv = argv[3:]
    else:
        raise ValueError(f"only shapecalc commands run in a console block, received {command!r}")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv, out=out, err=err)
        except SystemExit:  # --help
            pass
    return out.getvalue() + err.getvalue()


def console_failures(block, where):
    """Run a console transcript; a message for every command whose output differs."""
    failures = []
    commands = []
    for line in block.lines:
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
        elif line.strip():
            failures.append(f"{where}: output before any `$ shapecalc` command: {line!r}")
    for command, expected in commands:
        try:
            actual = run_command(command)
        except ValueError as exc:
            failures.append(f"{where}: {exc}")
            continue
        if not output_matches(expected, actual):
            failures.append(
                f"{where}: $ {command}\n--- the page shows:\n" + "\n".join(_lines("\n".join(expected)))
                + "\n--- the command prints:\n" + "\n".join(_lines(actual))
            )
    return failures


def python_failures(block, where, globs):
    """Run a Python block as a doctest (with ``>>>``) or as a script (without)."""
    if ">>>" in block.text:
        test = doctest.DocTestParser().get_doctest(block.text, globs, where, where, block.lineno)
        report = io.StringIO()
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        runner.run(test, out=report.write, clear_globs=False)
        globs.update(test.globs)  # DocTest works on a copy: later blocks of the page see these names
        return [f"{where}:\n{report.getvalue()}"] if runner.failures else []
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(block.text, where, "exec"), globs)
    except Exception as exc:  # noqa: BLE001 - reported as a failure of the page
        return [f"{where}: {type(exc).__name__}: {exc}"]
    return []


def _available(module):
    try:
        importlib.import_module(module)
        return True
    except ImportError:
        return False


def check_page(text, name, workdir):
    """Every failure of the page ``text`` (run in ``workdir``), as messages; the skipped blocks' reasons."""
    failures, skipped = [], []
    globs = {"__name__": "__docs__"}
    for block in parse_blocks(text):
        where = f"{name}:{block.lineno}"
        action, argument = block.marker or (None, None)
        if action == "file":
            (workdir / argument).parent.mkdir(parents=True, exist_ok=True)
            (workdir / argument).write_text(block.text, encoding="utf-8")
            continue
        if action == "skip":
            if not argument:
                failures.append(f"{where}: `docs-test: skip` needs a reason")
            skipped.append(f"{where}: {argument}")
            continue
        if action == "needs" and not _available(argument):
            if os.environ.get("SHAPECALC_REQUIRE_TORCH"):
                failures.append(f"{where}: needs {argument}, which does not import (SHAPECALC_REQUIRE_TORCH is set)")
            else:
                skipped.append(f"{where}: needs {argument}")
            continue
        if action not in (None, "needs"):
            failures.append(f"{where}: unknown docs-test marker {action!r} (file, needs, skip)")
            continue
        if block.lang in CONSOLE:
            failures += console_failures(block, where)
        elif block.lang in PYTHON:
            failures += python_failures(block, where, globs)
    return failures, skipped


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_page_examples(page, tmp_path, monkeypatch):
    """Every console transcript and Python example of the page prints what the page shows."""
    for folder in ("docs", "tests"):
        (tmp_path / folder).symlink_to(ROOT / folder, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")
    failures, _ = check_page(page.read_text(encoding="utf-8"), str(page.relative_to(ROOT)), tmp_path)
    assert not failures, "\n\n".join(failures)


def test_checker_catches_a_wrong_number(tmp_path, monkeypatch):
    """The checker fails a page whose shown output differs, and passes it once corrected."""
    monkeypatch.chdir(tmp_path)
    # conv1 of cnn-39x31: 4 * 4 * 1 * 20 weights + 20 biases = 340
    good = "```python\n>>> import shapecalc\n>>> shapecalc.summary('cnn-39x31')['conv1'].params\n340\n```\n"
    bad = good.replace("340", "341")
    assert check_page(good, "good.md", tmp_path) == ([], [])
    assert len(check_page(bad, "bad.md", tmp_path)[0]) == 1
    shown = "```console\n$ shapecalc list --format csv\nname,input,description\n...\n```\n"
    assert check_page(shown, "list.md", tmp_path)[0] == []
    wrong = shown.replace("name,input", "name,output")
    assert len(check_page(wrong, "list.md", tmp_path)[0]) == 1


def test_markers(tmp_path, monkeypatch):
    """`file` writes a block for later commands, `skip` needs a reason, `needs` skips on a missing module."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHAPECALC_REQUIRE_TORCH", raising=False)
    page = (
        "<!-- docs-test: file notes/hello.txt -->\n```text\nhello\n```\n"
        "```python\n>>> open('notes/hello.txt').read()\n'hello\\n'\n```\n"
        "<!-- docs-test: skip needs a CUDA device -->\n```console\n$ shapecalc alexnet --verify --device cuda\nok\n```\n"
        "<!-- docs-test: needs no_such_module_here -->\n```python\n>>> 1 + 1\n3\n```\n"
    )
    failures, skipped = check_page(page, "markers.md", tmp_path)
    assert failures == []
    assert len(skipped) == 2
    assert check_page("<!-- docs-test: skip -->\n```python\n>>> 1\n1\n```\n", "x.md", tmp_path)[0]


def test_every_doc_is_linked_from_the_index():
    """docs/README.md links every page in docs/."""
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in (ROOT / "docs").glob("*.md") if p.name != "README.md" and f"({p.name}" not in index]
    assert not missing, f"docs/README.md does not link: {', '.join(missing)}"


def test_cli_reference_is_current():
    """docs/cli.md is what docs/gen_cli.py generates from the parsers now (run it after changing an option)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_cli", ROOT / "docs" / "gen_cli.py")
    gen_cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_cli)
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == gen_cli.render(), "docs/cli.md is stale: run python docs/gen_cli.py"


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _anchors(path):
    """GitHub's heading anchors of a Markdown file: lower case, punctuation dropped, spaces to hyphens."""
    anchors = set()
    in_code = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))
    return anchors


def test_links_resolve():
    """Every relative link in docs/*.md and README.md names an existing file (and heading, for #anchors)."""
    broken = []
    for page in PAGES:
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue  # http:, https:, mailto:
            file_part, _, anchor = target.partition("#")
            path = (page.parent / file_part).resolve() if file_part else page
            if not path.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)
