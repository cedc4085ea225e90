"""The plain command-line path stays light: no numpy, sympy, torch, pandas, matplotlib or tabulate.

Each check runs in a fresh interpreter (this test process has imported everything already) and
inspects ``sys.modules`` after ``shapecalc.cli.main()``.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("numpy", "sympy", "torch", "pandas", "matplotlib", "tabulate")
# standard-library modules the plain path used to import and no longer needs (each a few ms of start-up;
# see benchmarks/README.md)
SLOW_STDLIB = ("inspect", "fractions", "shutil", "argparse", "gettext", "locale", "math")

_PROBE = """
import io, json, sys
from shapecalc.cli import main
status = main(json.loads(sys.argv[1]), out=io.StringIO(), err=io.StringIO())
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""


def _modules_after(argv):
    proc = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(argv)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["status"] == 0, argv
    return set(result["modules"])


def _loaded(modules, names):
    return sorted(m for m in modules if m.split(".")[0] in names)


@pytest.mark.parametrize("argv", [
    ["cnn-39x31", "--table"],
    ["torchvision.resnet50", "--table"],
    ["resnet152", "--table", "--depth", "2"],
    ["list"],
])
def test_plain_cli_imports_no_heavy_library(argv):
    """`shapecalc NAME --table` (and `shapecalc list`) import none of numpy, sympy, torch, pandas, matplotlib, tabulate."""
    assert _loaded(_modules_after(argv), HEAVY) == []


@pytest.mark.parametrize("argv", [["cnn-39x31", "--table"], ["torchvision.resnet50", "--table"]])
def test_plain_cli_skips_slow_stdlib_modules(argv):
    """The plain table path imports neither inspect, fractions, shutil, math nor argparse (and its gettext, locale)."""
    assert _loaded(_modules_after(argv), SLOW_STDLIB) == []


def test_import_shapecalc_is_light():
    """`import shapecalc` alone imports no heavy library."""
    code = "import json, sys, shapecalc; print(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert _loaded(set(json.loads(proc.stdout)), HEAVY) == []


# modules a bare interpreter without site has not loaded, which the plain path used to import: re (with
# enum, functools and collections, a third of a bare start-up), importlib (and warnings), and the comparison
# and sweep modules (the package imported them to keep the names compare and sweep)
UNNEEDED = ("re", "enum", "functools", "collections", "importlib", "warnings", "shapecalc.comparison",
            "shapecalc.sweeps")


@pytest.mark.parametrize("argv", [["cnn-39x31", "--table"], ["torchvision.resnet50", "--table"]])
def test_plain_cli_from_a_bare_interpreter(argv):
    """From `python -S` (site imports nothing), the plain table path imports neither re, enum, functools, collections nor importlib."""
    code = ("import io, sys\n"
            "from shapecalc.cli import main\n"
            f"status = main({argv!r}, out=io.StringIO(), err=io.StringIO())\n"
            "print(status, *sorted(sys.modules))\n")
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": root}
    proc = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    status, *modules = proc.stdout.split()
    assert status == "0"
    assert "shapecalc.report" in modules  # (the probe ran the analysis)
    assert sorted(set(UNNEEDED) & set(modules)) == []
