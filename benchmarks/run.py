"""shapecalc's performance, measured in one run: ``python benchmarks/run.py`` prints a table, ``--json`` a
JSON object for tools.

What it measures (see benchmarks/README.md):

- start-up: whole-process wall time of ``shapecalc NAME --table`` (the console script and
  ``python -m shapecalc``) against a bare ``python -c pass``, as a ratio (target ≤ 1.3×);
- memory: peak resident memory of the CLI on ResNet-152 against the bare interpreter (target ≤ +10 MiB);
- in-process analysis (``summary(network).totals``) of every zoo network, and of synthetic plain chains
  and residual stacks of 1,000, 10,000 and 100,000 layers (targets: 100k/10k time ratio ≤ 11,
  ≥ 200,000 layers per second);
- symbolic mode on ResNet-50, GoogLeNet's symbolic receptive fields (target < 1 s in process), the folded
  table of a 100,000-layer residual stack against the full one (target ≤ 2×), every torchvision network's
  table (target < 50 ms in process), and the valid-inputs scan (``benchmarks/scan_bench.py``);
- torchinfo, fvcore and ptflops on the same ResNet-50 where they and torch are installed.

Timings take the minimum (and median) of many repetitions: the minimum is the least disturbed by the
other processes of a shared machine.
"""

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

MiB = 1024 * 1024
TARGETS = {"startup_ratio": 1.3, "deep_ratio": 11.0, "layers_per_second": 200_000, "rss_extra_mib": 10.0,
           "folded_ratio": 2.0, "symbolic_rf_seconds": 1.0, "zoo_table_seconds": 0.050}
#: pace_workload() calls in one sample (0.26–0.30 s in the development machine's full runs)
PACE_CALLS = 10


# ---------------------------------------------------------------------------------------------------------
# helpers


def _env():
    """The environment of the measured processes: as a user's, with byte-code caching on (an installed
    package has its .pyc files; PYTHONDONTWRITEBYTECODE would recompile shapecalc in every run)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    # this checkout's shapecalc, installed or not (every measured command gets the same sys.path)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def _spawn(argv, env=None):
    """Run ``argv`` once, from a neutral folder (as a user would, not from the checkout); (wall seconds,
    CPU seconds of the child or None). stdout is discarded."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env or _env(),
                            cwd=tempfile.gettempdir())
    err = proc.stderr.read()
    if hasattr(os, "wait4"):
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime
    else:
        proc.wait()
        cpu = None
    wall = time.perf_counter() - start
    proc.stderr.close()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(argv)} exited with {proc.returncode}: {err.decode(errors='replace')[-500:]}")
    return wall, cpu


def _stats(samples):
    return {"min": min(samples), "median": statistics.median(samples), "runs": len(samples)}


def _best(fn, repeat, budget=None):
    """CPU time of ``fn()`` (min and median over ``repeat`` calls, fewer once ``budget`` seconds pass), and
    the minimum wall time. CPU time is what the targets use: on a shared machine, wall time also counts
    the time the process waited for a core."""
    cpu, wall = [], []
    started = time.perf_counter()
    for _ in range(repeat):
        # start each run without the previous runs' garbage-collector debt (timeit goes further: it turns
        # the collector off; here it stays on, so whatever collecting the analysis causes is counted)
        gc.collect()
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
        if budget is not None and time.perf_counter() - started > budget:
            break
    out = _stats(cpu)
    out["wall_min"] = min(wall)
    return out


def _zoo_names():
    from shapecalc import zoo

    return list(zoo.ENTRIES)


def _has(name):
    return name in _zoo_names()


# ---------------------------------------------------------------------------------------------------------
# start-up and memory


def _paired(samples, base):
    """The median over rounds of ``samples[i] / base[i]``: each sample against the one taken beside it in
    the same round. A shared machine's pace drifts by a third for minutes at a time; a pair shares its
    moment, where the ratio of two minima can set one command's luckiest moment against another's
    ordinary one."""
    return statistics.median(a / b for a, b in zip(samples, base))


def _interleaved(commands, repeat, env=None):
    """Wall and CPU time of each command, run in turn ``repeat`` times; ratios to the first command."""
    for argv in commands.values():
        _spawn(argv, env)  # warm-up: byte-code caches and the file-system cache
    walls, cpus = {k: [] for k in commands}, {k: [] for k in commands}
    for _ in range(repeat):
        for key, argv in commands.items():
            wall, cpu = _spawn(argv, env)
            walls[key].append(wall)
            if cpu is not None:
                cpus[key].append(cpu)
    base = next(iter(commands))
    out = {}
    for key in commands:
        s = _stats(walls[key])
        s["ratio_min"] = s["min"] / min(walls[base])
        s["ratio_median"] = s["median"] / statistics.median(walls[base])
        s["ratio_paired"] = _paired(walls[key], walls[base])
        if cpus[key]:
            s["cpu_min"] = min(cpus[key])
            s["cpu_ratio_min"] = s["cpu_min"] / min(cpus[base])
        out[key] = s
    return out


def startup(repeat):
    """Whole-process wall time of the CLI against ``python -c pass``, interleaved run by run."""
    script = Path(sys.executable).with_name("shapecalc" + (".exe" if os.name == "nt" else ""))
    commands = {"python -c pass": [sys.executable, "-c", "pass"]}
    for name in ("cnn-39x31", "torchvision.resnet50"):
        if not _has(name):
            continue
        if script.exists():
            commands[f"shapecalc {name} --table"] = [str(script), name, "--table"]
        commands[f"python -m shapecalc {name} --table"] = [sys.executable, "-m", "shapecalc", name, "--table"]
    return _interleaved(commands, repeat)


def bare_interpreter():
    """What ``python -c pass`` has loaded before any user code, in the measured environment: the start-up
    ratio depends on it (modules that site and .pth files import, an editable install's finder among them,
    cost shapecalc nothing when they are already there)."""
    code = "import sys; print(len(sys.modules), *sorted({'re', 'enum', 'functools', 'pathlib'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(),
                          cwd=tempfile.gettempdir())
    if done.returncode:
        raise RuntimeError(f"python -c (module count): exit {done.returncode}, {done.stderr.strip()[-300:]}")
    count, *preloaded = done.stdout.split()
    return {"modules": int(count), "preloaded": preloaded}


#: what each way of starting a command costs before any shapecalc code, and the shutdown that cli.end() skips
_PARTS_NETWORK = "torchvision.resnet50"


def startup_parts(repeat):
    """Informative: the parts of a start-up that are not shapecalc's. ``python -m`` imports runpy and its
    dependencies before shapecalc's first line, and the console script that pip writes imports ``re``; the
    last two lines run the same command in process with ``sys.exit(main())`` (Python's full shutdown at the
    end) and with ``main_entry()`` (the CLI's end, which skips the shutdown where nothing needs it)."""
    name = _PARTS_NETWORK if _has(_PARTS_NETWORK) else "cnn-39x31"
    py = sys.executable
    commands = {"python -c pass": [py, "-c", "pass"],
                "python -c 'import runpy' (what python -m loads)": [py, "-c", "import runpy"],
                "python -c 'import re' (pip's console script loads it)": [py, "-c", "import re"],
                f"{name}: main(), then Python's shutdown": [
                    py, "-c", "import sys; from shapecalc.cli import main; sys.exit(main())", name, "--table"],
                f"{name}: main(), then the CLI's end": [
                    py, "-c", "from shapecalc.cli import main_entry; main_entry()", name, "--table"]}
    return _interleaved(commands, repeat)


def startup_without_site(repeat):
    """The same without the site module (python -S, shapecalc on PYTHONPATH): the interpreter alone, with
    none of the modules that site and an editable install's finder import (re, enum, pathlib …), so that
    what shapecalc imports is all on its side of the ratio."""
    commands = {"python -S -c pass": [sys.executable, "-S", "-c", "pass"],
                "python -S -m shapecalc cnn-39x31 --table": [sys.executable, "-S", "-m", "shapecalc", "cnn-39x31",
                                                             "--table"]}
    return _interleaved(commands, repeat)


_PEAK = """
import atexit, sys
def _peak():
    with open("/proc/self/status") as f:
        sys.stderr.write("".join(line for line in f if line.startswith("VmHWM")))
atexit.register(_peak)
if len(sys.argv) > 1:
    import runpy
    runpy.run_module("shapecalc", run_name="__main__", alter_sys=True)
"""


def _peak_rss(args):
    """Peak resident memory (VmHWM, bytes) of a Python process running ``python -m shapecalc ARGS``, or the
    bare interpreter when ``args`` is empty. VmHWM belongs to the process's own address space: unlike
    ``ru_maxrss`` it does not inherit the parent's size across fork and exec."""
    proc = subprocess.run([sys.executable, "-c", _PEAK, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, env=_env(), cwd=tempfile.gettempdir())
    line = [entry for entry in proc.stderr.splitlines() if entry.startswith("VmHWM")]
    if proc.returncode or not line:
        raise RuntimeError(f"peak memory of {args}: exit {proc.returncode}, {proc.stderr.strip()[-300:]}")
    return int(line[-1].split()[1]) * 1024


def memory(repeat=5):
    """Peak resident memory of the CLI on the biggest zoo ResNet against the bare interpreter."""
    if not os.path.exists("/proc/self/status"):
        return {"skipped": "needs /proc/self/status (Linux)"}
    name = next((n for n in ("torchvision.resnet152", "torchvision.resnet50", "cnn-39x31") if _has(n)), None)
    bare = min(_peak_rss([]) for _ in range(repeat))
    cli = min(_peak_rss([name, "--table"]) for _ in range(repeat))
    return {"network": name, "bare_bytes": bare, "cli_bytes": cli, "extra_mib": (cli - bare) / MiB}


# ---------------------------------------------------------------------------------------------------------
# in-process analysis


def _analyse(network):
    """``summary(network).totals``; returns the summary (its rows), for a caller that keeps it."""
    from shapecalc import summary

    s = summary(network)
    s.totals
    return s


def zoo_networks(repeat):
    from shapecalc import summary, zoo

    out = {}
    for name in _zoo_names():
        build = _best(lambda: zoo.get(name), repeat)
        network = zoo.get(name)
        layers = len(summary(network).rows)
        analysis = _best(lambda: _analyse(network), repeat, budget=2.0)
        table = _best(lambda: summary(network).table(), repeat, budget=2.0)
        out[name] = {"layers": layers, "build": build["min"], "analysis": analysis["min"],
                     "analysis_median": analysis["median"], "table": table["min"]}
    return out


def chain(n):
    """A plain chain of ``n`` layers: 3×3 convolutions and ReLUs on an 8×8×8 map."""
    from shapecalc.layers import Conv2d, Network, ReLU

    layers = [Conv2d(8, 3, padding=1) if i % 2 == 0 else ReLU() for i in range(n)]
    return Network(f"chain-{n}", layers, (8, 8, 8))


def residual_stack(n):
    """About ``n`` layers as ResNet basic blocks: conv, BN, ReLU, conv, BN, add, ReLU (7 rows each)."""
    from shapecalc.layers import BatchNorm, Conv2d, Network, ReLU, Residual

    def block():
        return Residual([Conv2d(8, 3, padding=1), BatchNorm(), ReLU(), Conv2d(8, 3, padding=1), BatchNorm()],
                        post=[ReLU()])

    return Network(f"residual-{n}", [block() for _ in range(max(1, n // 7))], (8, 8, 8))


class _Item:
    __slots__ = ("path", "shape", "size", "parent")

    def __init__(self, path, shape, size, parent):
        self.path, self.shape, self.size, self.parent = path, shape, size, parent


def pace_workload(n=10_000):
    """A fixed pure-Python workload with no shapecalc code in it (objects with slots, tuples, strings, calls
    and int arithmetic, as a walk has them). Timed in the same rounds as the deep networks, its time follows
    the machine's pace, not shapecalc's code: compared between full runs, it tells a slower machine from
    slower code. It also depends on what the process did before (10–15 ms a call after a ``--quick`` run's
    smaller networks, 26–30 ms after a full run's on the same machine): compare like runs only."""
    items = []
    parent = None
    for i in range(n):
        shape = (i % 7 + 1, i % 5 + 1, 8)
        item = _Item(f"block{i // 7}.layer{i % 7}", shape, shape[0] * shape[1] * shape[2], parent)
        items.append(item)
        if i % 7 == 0:
            parent = item
    return sum(item.size for item in items)


def deep(sizes, rounds):
    """``summary(network).totals`` of chains and residual stacks of each size, in ``rounds`` interleaved
    rounds (each round takes one sample of every network): a slow spell of a shared machine then slows
    every size alike instead of one size's samples, and the minimum of each comes from the whole span of
    the measurement. A sample of a smaller network times several calls in a row, as many as make the
    largest network's layer count (10 × 10k, 100 × 1k), so that every sample lasts about as long: the
    minimum of short samples would otherwise catch quieter moments than a long one can, and bias the
    100k/10k ratio upwards. A sample keeps its calls' results until its end, then drops them (inside the
    timing): every sample then maps as much fresh memory as one 100k call and frees it, where ten 10k calls
    in a row would each reuse the memory the call before freed (no page faults) while a 100k call gets its
    pages from the system again."""
    from shapecalc import summary

    largest = max(sizes)
    networks = {(kind, n): make(n) for kind, make in (("chain", chain), ("residual", residual_stack)) for n in sizes}
    layers = {key: len(summary(network).rows) for key, network in networks.items()}
    cpu = {key: [] for key in networks}
    wall = {key: [] for key in networks}
    pace = []
    for _ in range(rounds):
        gc.collect()
        c = time.process_time()
        for _ in range(PACE_CALLS):
            pace_workload()
        pace.append((time.process_time() - c) / PACE_CALLS)
        for (kind, n), network in networks.items():
            calls = max(1, largest // n)
            # as _best: each sample starts without the previous samples' garbage-collector debt
            gc.collect()
            kept = []
            c, w = time.process_time(), time.perf_counter()
            for _ in range(calls):
                kept.append(_analyse(network))
            kept.clear()
            cpu[kind, n].append((time.process_time() - c) / calls)
            wall[kind, n].append((time.perf_counter() - w) / calls)
    out = {}
    for (kind, n), samples in cpu.items():
        s = _stats(samples)
        out.setdefault(kind, {})[n] = {"layers": layers[kind, n], "seconds": s["min"], "median": s["median"],
                                       "wall": min(wall[kind, n]), "runs": s["runs"],
                                       "calls_per_sample": max(1, largest // n),
                                       "layers_per_second": layers[kind, n] / s["min"]}
    for kind, runs in out.items():
        if 10_000 in runs and 100_000 in runs:
            # the 100k sample against the 10k sample of the same round (see _paired), and the ratio of minima
            runs["ratio_100k_10k"] = _paired(cpu[kind, 100_000], cpu[kind, 10_000])
            runs["ratio_100k_10k_min"] = runs[100_000]["seconds"] / runs[10_000]["seconds"]
    s = _stats(pace)
    out["pace"] = {"seconds": s["min"], "median": s["median"], "runs": s["runs"], "calls_per_sample": PACE_CALLS}
    return out


# ---------------------------------------------------------------------------------------------------------
# symbolic mode, the valid-inputs scan, the competitors


def folded(n, repeat):
    """The table of a residual stack of ``n`` layers folded to its blocks (``--depth 1``) against the full
    table, on one summary: CPU time, min of ``repeat`` (target: folded ≤ 2× unfolded; folding was
    quadratic, 130 s against 3 s at 60,000 layers)."""
    from shapecalc import summary

    s = summary(residual_stack(n))
    full = _best(lambda: s.table(), repeat, budget=20.0)
    fold = _best(lambda: s.table(depth=1), repeat, budget=20.0)
    return {"layers": len(s.rows), "table": full["min"], "folded": fold["min"], "ratio": fold["min"] / full["min"]}


def symbolic_rf(repeat):
    """GoogLeNet's receptive fields on H×W×3 (``googlenet --input HxWx3 --rf``), in process, sympy already
    imported: the symbolic summary and the --rf table (target < 1 s; about 5 s before its printing was
    remembered)."""
    try:
        import sympy  # noqa: F401

        from shapecalc.rfview import rf_table
    except ImportError as exc:
        return {"skipped": str(exc)}
    from shapecalc import summary, zoo

    network = zoo.get("googlenet")

    def run():
        from shapecalc import symbolic

        symbolic._pretty.cache_clear()
        symbolic._numer_denom.cache_clear()
        rf_table(summary(network, ("H", "W", 3)))

    t = _best(run, repeat, budget=20.0)
    return {"network": "googlenet", "input": "HxWx3", "seconds": t["min"]}


def symbolic(repeat):
    try:
        import shapecalc.symbolic  # noqa: F401
    except ImportError as exc:
        return {"skipped": f"shapecalc.symbolic is not available ({exc})"}
    if not _has("torchvision.resnet50"):
        return {"skipped": "torchvision.resnet50 is not in the zoo"}
    from shapecalc import summary, zoo

    network = zoo.get("torchvision.resnet50")
    s = _best(lambda: summary(network, ("H", "W", 3)), repeat, budget=10.0)
    cli = min(_spawn([sys.executable, "-m", "shapecalc", "torchvision.resnet50", "--input", "HxWx3"])[0]
              for _ in range(3))
    return {"network": "torchvision.resnet50", "input": "HxWx3", "in_process": s["min"], "cli": cli}


def scan():
    try:
        import scan_bench
    except ImportError as exc:
        return {"skipped": f"benchmarks/scan_bench.py is not available ({exc})"}
    try:
        return scan_bench.run()
    except Exception as exc:  # a broken scan benchmark must not hide the other figures
        return {"skipped": f"scan_bench.run() failed: {type(exc).__name__}: {exc}"}


_TOOL = r"""
import json, sys, time
t0 = time.perf_counter()
import torch
t1 = time.perf_counter()
from shapecalc import zoo
from shapecalc.torch import to_torch
model = to_torch(zoo.get(sys.argv[2])).eval()
t2 = time.perf_counter()
tool = sys.argv[1]
if tool == "torchinfo":
    import torchinfo
    run = lambda: torchinfo.summary(model, input_size=(1, 3, 224, 224), verbose=0)
elif tool == "fvcore":
    import fvcore.nn
    x = torch.zeros(1, 3, 224, 224)
    run = lambda: (fvcore.nn.FlopCountAnalysis(model, x).unsupported_ops_warnings(False)
                   .uncalled_modules_warnings(False).total())
else:
    import ptflops
    run = lambda: ptflops.get_model_complexity_info(model, (3, 224, 224), print_per_layer_stat=False,
                                                    as_strings=False)
t3 = time.perf_counter()
times = []
for _ in range(3):
    s = time.perf_counter(); run(); times.append(time.perf_counter() - s)
print(json.dumps({"import_torch": t1 - t0, "build": t2 - t1, "import_tool": t3 - t2, "analysis": min(times),
                  "first_analysis": times[0]}))
"""


_IMPORT = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import torch, torchvision, torchinfo
import shapecalc
out = {}
for name in sys.argv[1:]:
    model = torchvision.models.get_model(name).eval()  # the same CPU module for both, built once
    ours, theirs = [], []
    for _ in range(3):  # interleaved: each pair measured side by side
        s = time.perf_counter(); shapecalc.summary(model); ours.append(time.perf_counter() - s)
        s = time.perf_counter(); torchinfo.summary(model, input_size=(1, 3, 224, 224), verbose=0)
        theirs.append(time.perf_counter() - s)
    out[name] = {"shapecalc": min(ours), "torchinfo": min(theirs), "ratio": min(ours) / min(theirs)}
print(json.dumps(out))
"""

#: the networks of the import benchmark (the issue's three), and its target: shapecalc's import and analysis
#: of a torchvision module at most this fraction of torchinfo.summary's time on the same module
IMPORT_NETWORKS = ("resnet50", "vit_b_16", "efficientnet_b0")
TARGETS["import_ratio"] = 0.5


def imports():
    """``shapecalc.summary(module)`` (fx trace, meta run, analysis) against ``torchinfo.summary`` on the same
    torchvision module, in one process (wall time, min of 3 interleaved pairs)."""
    import importlib.util

    missing = [m for m in ("torch", "torchvision", "torchinfo") if importlib.util.find_spec(m) is None]
    if missing:
        return {"skipped": f"needs {', '.join(missing)}"}
    proc = subprocess.run([sys.executable, "-c", _IMPORT, *IMPORT_NETWORKS], capture_output=True, text=True,
                          env=_env(), cwd=ROOT)
    if proc.returncode:
        return {"skipped": f"failed: {proc.stderr.strip().splitlines()[-1:]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def competitors(process=None):
    name = "torchvision.resnet50"
    try:
        import importlib.util as u

        missing = [m for m in ("torch", "shapecalc.torch") if u.find_spec(m) is None]
    except (ImportError, ValueError):
        missing = ["torch"]
    if missing or not _has(name):
        return {"skipped": f"needs torch, shapecalc.torch and {name} ({', '.join(missing) or name} missing)"}
    from shapecalc import zoo

    network = zoo.get(name)
    # wall time on both sides: torch runs several threads, so its CPU time would overstate it
    ours = _best(lambda: _analyse(network), 20)["wall_min"]
    # the start-up section's figure when there is one (30 runs), else 10 runs here
    ours_process = process or min(_spawn([sys.executable, "-m", "shapecalc", name, "--table"])[0] for _ in range(10))
    out = {"network": name, "shapecalc": {"analysis": ours, "process": ours_process}}
    import importlib.util

    for tool in ("torchinfo", "fvcore", "ptflops"):
        if importlib.util.find_spec(tool) is None:
            out[tool] = {"skipped": "not installed"}
            continue
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", _TOOL, tool, name], capture_output=True, text=True, env=_env(),
                              cwd=ROOT)
        wall = time.perf_counter() - start
        if proc.returncode:
            out[tool] = {"skipped": f"failed: {proc.stderr.strip().splitlines()[-1:]}"}
            continue
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        figures["process"] = wall
        figures["analysis_ratio"] = figures["analysis"] / ours
        figures["process_ratio"] = wall / ours_process
        out[tool] = figures
    return out


# ---------------------------------------------------------------------------------------------------------
# the report


def measure(repeat=30, sizes=(1_000, 10_000, 100_000), quick=False):
    results = {"python": sys.version.split()[0], "platform": sys.platform, "cpus": os.cpu_count()}
    try:
        results["load_average"] = os.getloadavg()
    except (AttributeError, OSError):
        pass
    results["startup"] = startup(repeat)
    results["startup_without_site"] = startup_without_site(repeat)
    results["startup_parts"] = startup_parts(repeat)
    results["bare_interpreter"] = bare_interpreter()
    results["memory"] = memory()
    results["zoo"] = zoo_networks(5 if quick else 20)
    results["deep"] = deep(sizes, 3 if quick else 20)
    results["pace"] = results["deep"].pop("pace")
    results["symbolic"] = symbolic(3)
    results["symbolic_rf"] = symbolic_rf(3)
    results["folded"] = folded(10_000 if quick else 100_000, 3)
    results["scan"] = scan()
    process = results["startup"].get("python -m shapecalc torchvision.resnet50 --table", {}).get("min")
    results["competitors"] = {"skipped": "--quick"} if quick else competitors(process)
    results["imports"] = {"skipped": "--quick"} if quick else imports()
    results["targets"] = targets(results)
    return results


def targets(r):
    out = {}
    for key, s in r["startup"].items():
        if key != "python -c pass":
            out[f"start-up {key} ≤ {TARGETS['startup_ratio']}× python -c pass"] = s["ratio_paired"] <= TARGETS["startup_ratio"]
    for kind, runs in r["deep"].items():
        if "ratio_100k_10k" in runs:
            out[f"{kind}: time(100k)/time(10k) ≤ {TARGETS['deep_ratio']:g}"] = runs["ratio_100k_10k"] <= TARGETS["deep_ratio"]
        largest = max(k for k in runs if isinstance(k, int))
        out[f"{kind}: ≥ {TARGETS['layers_per_second']:,} layers/s at {largest:,}"] = (
            runs[largest]["layers_per_second"] >= TARGETS["layers_per_second"])
    f = r.get("folded")
    if f:
        out[f"folded table of {f['layers']:,} layers ≤ {TARGETS['folded_ratio']:g}× the full table"] = (
            f["ratio"] <= TARGETS["folded_ratio"])
    rf = r.get("symbolic_rf", {})
    if "seconds" in rf:
        out[f"{rf['network']} --input {rf['input']} --rf < {TARGETS['symbolic_rf_seconds']:g} s in process"] = (
            rf["seconds"] < TARGETS["symbolic_rf_seconds"])
    tv = [z["table"] for name, z in r.get("zoo", {}).items() if name.startswith("torchvision.")]
    if tv:
        out[f"every torchvision network's table < {TARGETS['zoo_table_seconds'] * 1000:g} ms in process"] = (
            max(tv) < TARGETS["zoo_table_seconds"])
    for name, i in r.get("imports", {}).items():
        if isinstance(i, dict) and "ratio" in i:
            out[f"summary(torchvision {name} module) ≤ {TARGETS['import_ratio']:g}× torchinfo.summary"] = (
                i["ratio"] <= TARGETS["import_ratio"])
    if "extra_mib" in r["memory"]:
        out[f"peak RSS ≤ bare + {TARGETS['rss_extra_mib']:g} MiB"] = r["memory"]["extra_mib"] <= TARGETS["rss_extra_mib"]
    return out


def _ms(seconds):
    return f"{seconds * 1000:,.1f} ms"


def render(r):
    lines = [f"shapecalc benchmarks — Python {r['python']} on {r['platform']}, {r['cpus']} CPUs"
             + (f", load average {r['load_average'][0]:.1f}" if "load_average" in r else ""), ""]
    lines.append(f"start-up: whole-process wall time, min / median of {next(iter(r['startup'].values()))['runs']} "
                 "interleaved rounds; ratio to the bare interpreter: median over rounds of the pair in a round "
                 "(the target's figure), then ratio of minima and of medians; CPU: the child's user+sys time, min")
    for group in ("startup", "startup_without_site"):
        for key, s in r[group].items():
            cpu = f"   CPU {_ms(s['cpu_min']):>8s} ×{s['cpu_ratio_min']:.2f}" if "cpu_min" in s else ""
            lines.append(f"  {key:50s} {_ms(s['min']):>9s} {_ms(s['median']):>9s}  ×{s['ratio_paired']:.2f} "
                         f"(min ×{s['ratio_min']:.2f}, median ×{s['ratio_median']:.2f}){cpu}")
    bare = r.get("bare_interpreter")
    if bare:
        lines.append(f"  (python -c pass starts with {bare['modules']} modules loaded"
                     + (f", {', '.join(bare['preloaded'])} among them: site or a .pth file imports them, and they then "
                        f"cost shapecalc nothing" if bare["preloaded"] else "") + ")")
    if r.get("startup_parts"):
        lines.append("  the parts that are not shapecalc's, and the interpreter shutdown that the CLI skips (informative):")
        for key, s in r["startup_parts"].items():
            lines.append(f"    {key:60s} {_ms(s['min']):>9s} {_ms(s['median']):>9s}  ×{s['ratio_paired']:.2f}")
    m = r["memory"]
    lines += ["", "peak resident memory"]
    if "skipped" in m:
        lines.append(f"  skipped: {m['skipped']}")
    else:
        lines.append(f"  python -c pass {m['bare_bytes'] / MiB:.1f} MiB;  python -m shapecalc {m['network']} --table "
                     f"{m['cli_bytes'] / MiB:.1f} MiB  (+{m['extra_mib']:.1f} MiB)")
    lines += ["", "zoo networks, in process (CPU time, min): build, summary().totals, summary().table()"]
    for name, z in r["zoo"].items():
        lines.append(f"  {name:28s} {z['layers']:5d} layers  build {_ms(z['build']):>9s}  analysis "
                     f"{_ms(z['analysis']):>9s}  table {_ms(z['table']):>9s}")
    rounds = next(iter(next(iter(r["deep"].values())).values()))["runs"]
    lines += ["", f"synthetic deep networks, summary().totals (CPU time per call, min of {rounds} interleaved "
                  "rounds, a sample of each network a round; wall time, min)"]
    for kind, runs in r["deep"].items():
        for n, d in runs.items():
            if isinstance(n, int):
                lines.append(f"  {kind:9s} {d['layers']:>8,d} layers  {_ms(d['seconds']):>11s}  "
                             f"{d['layers_per_second']:>10,.0f} layers/s   (wall {_ms(d['wall'])}; "
                             f"{d['calls_per_sample']} call{'s' if d['calls_per_sample'] > 1 else ''} a sample)")
        if "ratio_100k_10k" in runs:
            lines.append(f"  {kind:9s} time(100k) / time(10k) = {runs['ratio_100k_10k']:.2f} (median over rounds of the "
                         f"pair in a round; ratio of minima {runs['ratio_100k_10k_min']:.2f})")
    if "pace" in r:
        p = r["pace"]
        lines.append(f"  pace: a fixed pure-Python workload (no shapecalc code) in the same rounds, {_ms(p['seconds'])} "
                     f"(median {_ms(p['median'])}): slower in another full run, the machine was slower (a --quick run is no match)")
    lines += ["", "symbolic mode"]
    s = r["symbolic"]
    lines.append(f"  skipped: {s['skipped']}" if "skipped" in s else
                 f"  {s['network']} on {s['input']}: {_ms(s['in_process'])} in process (sympy already imported), "
                 f"{_ms(s['cli'])} whole CLI (min of 3)")
    rf = r.get("symbolic_rf", {})
    if rf:
        lines.append(f"  skipped: {rf['skipped']}" if "skipped" in rf else
                     f"  {rf['network']} on {rf['input']}, --rf: {_ms(rf['seconds'])} in process (summary and table)")
    f = r.get("folded")
    if f:
        lines += ["", "folded tables (--depth 1) on one summary, CPU time, min of 3",
                  f"  residual stack of {f['layers']:,} layers: table {_ms(f['table'])}, folded {_ms(f['folded'])} "
                  f"(×{f['ratio']:.2f})"]
    lines += ["", "valid-inputs scan"]
    s = r["scan"]
    if "skipped" in s:
        lines.append(f"  skipped: {s['skipped']}")
    else:
        lines.extend(f"  {k}: {_ms(v) if isinstance(v, float) else v}" for k, v in s.items())
    lines += ["", "competitors on the same network: wall time, min of 3 (ratio = their time / shapecalc's)"]
    c = r["competitors"]
    if "skipped" in c:
        lines.append(f"  skipped: {c['skipped']}")
    else:
        ours = c["shapecalc"]
        lines.append(f"  shapecalc   analysis {_ms(ours['analysis']):>10s}   whole process {_ms(ours['process']):>10s}")
        for tool in ("torchinfo", "fvcore", "ptflops"):
            t = c[tool]
            if "skipped" in t:
                lines.append(f"  {tool:10s}  skipped: {t['skipped']}")
            else:
                lines.append(f"  {tool:10s}  analysis {_ms(t['analysis']):>10s} (×{t['analysis_ratio']:,.0f})   "
                             f"whole process {_ms(t['process']):>10s} (×{t['process_ratio']:,.0f}; import torch "
                             f"{_ms(t['import_torch'])})")
    lines += ["", "your own PyTorch module: shapecalc.summary(module) against torchinfo.summary(module), same CPU "
                  "module, one process, wall time, min of 3 interleaved pairs"]
    i = r.get("imports", {})
    if "skipped" in i:
        lines.append(f"  skipped: {i['skipped']}")
    for name, t in i.items():
        if isinstance(t, dict):
            lines.append(f"  {name:16s} shapecalc {_ms(t['shapecalc']):>10s}   torchinfo {_ms(t['torchinfo']):>10s}   "
                         f"(×{t['ratio']:.2f})")
    lines += ["", "targets"]
    lines.extend(f"  {'✓' if ok else '✗'} {text}" for text, ok in r["targets"].items())
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--repeat", type=int, default=30, help="start-up runs per command (default 30)")
    p.add_argument("--quick", action="store_true", help="fewer repetitions, no 100k networks, no competitors")
    args = p.parse_args(argv)
    sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
    results = measure(repeat=5 if args.quick else args.repeat, sizes=sizes, quick=args.quick)
    if args.json:
        print(json.dumps(results, indent=2, default=str, ensure_ascii=False))
    else:
        print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
