"""docs/zoo.md is generated from the code and current; the plain zoo table path stays light and fast."""

import importlib.util
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("gen_zoo", ROOT / "docs" / "gen_zoo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_zoo_md_is_current():
    """docs/zoo.md equals what `python docs/gen_zoo.py` writes now (regenerate it when this fails)."""
    text = (ROOT / "docs" / "zoo.md").read_text(encoding="utf-8")
    assert text == _generator().render(), "docs/zoo.md is stale: run python docs/gen_zoo.py"


def test_zoo_md_documents_every_zoo_network():
    """Every classic-zoo network of the registry has its section in docs/zoo.md."""
    from shapecalc import zoo

    text = (ROOT / "docs" / "zoo.md").read_text(encoding="utf-8")
    for name, (module, *_) in zoo.ENTRIES.items():
        if module in ("lenet", "alexnet", "vgg", "googlenet", "resnet", "tv"):
            assert f"### `{name}`" in text, name


def test_resnet152_table_imports_no_numpy_or_sympy():
    """`shapecalc resnet152 --table` imports neither numpy nor sympy."""
    code = ("import io, sys; from shapecalc.cli import main; out = io.StringIO(); "
            "assert main(['resnet152', '--table'], out=out) == 0; "
            "assert 'params: 60,192,808' in out.getvalue(); "  # torchvision ResNet152 num_params = paper layout
            "print(sorted(m for m in ('numpy', 'sympy', 'torch') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
