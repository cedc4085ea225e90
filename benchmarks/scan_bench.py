"""The valid-inputs scan on ResNet-152: every input size 1 … 1,000,000 of one axis, in one numpy pass.

``python benchmarks/scan_bench.py`` prints the figures; ``benchmarks/run.py`` calls :func:`run`.
Times are the minimum (and median) of several repetitions, in seconds (the minimum is the least disturbed
by other processes on a shared machine). Target: well under a second per axis.
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NETWORK = "torchvision.resnet152"
FALLBACK = "resnet152"
HI = 1_000_000


def _network():
    from shapecalc import zoo

    name = NETWORK if NETWORK in zoo.ENTRIES else FALLBACK
    return name, zoo.get(name)


def run(repeat=7, hi=HI):
    """{network, sizes, h_min, h_median, both_axes_min, smallest, smallest_exact, exact_sizes}."""
    from shapecalc.validsizes import scan_axis, valid_inputs

    name, network = _network()
    scan_axis(network, "h", 1, 1000)  # warm-up: numpy imported, zoo built
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = scan_axis(network, "h", 1, hi)
        times.append(time.perf_counter() - start)
    both = []
    for _ in range(max(1, repeat // 2)):
        start = time.perf_counter()
        valid_inputs(network, 1, hi)
        both.append(time.perf_counter() - start)
    return {
        "network": name,
        "sizes": f"1…{hi:,} per axis",
        "h_min": min(times),
        "h_median": statistics.median(times),
        "both_axes_min": min(both),
        "smallest": result.smallest,
        "smallest_exact": result.smallest_exact,
        "exact_sizes": int(result.exact.sum()),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value * 1000:.1f} ms" if isinstance(value, float) else f"{key}: {value}")
