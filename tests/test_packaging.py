"""The distribution's name is free on the package index, and every install hint names what really installs
the missing piece (issue: `pip install -U 'shapecalc[plot]'` would install an unrelated geometry package)."""

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11 and later

ROOT = Path(__file__).resolve().parent.parent


def test_distribution_name_and_command():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    # https://pypi.org/project/shapecalc/ is "shapecalc 1.0.2", a geometry package; shapecalc-nn was free
    # (https://pypi.org/simple/shapecalc-nn/ answered 404 on 2026-12-02)
    assert project["name"] == "shapecalc-nn"
    assert project["scripts"]["shapecalc"].startswith("shapecalc.")


def test_no_hint_installs_the_other_package():
    """No message, doc or README tells anyone to `pip install shapecalc` or `shapecalc[extra]`."""
    wrong = re.compile(r"pip install (-U |--upgrade )?['\"]?shapecalc(\[|['\"\s]|$)")
    files = [*ROOT.glob("shapecalc/**/*.py"), *ROOT.glob("docs/*.md"), ROOT / "README.md"]
    found = [f"{f.relative_to(ROOT)}:{n}" for f in files for n, line in enumerate(f.read_text().splitlines(), 1)
             if wrong.search(line)]
    assert found == []
