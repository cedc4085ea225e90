"""shapecalc's PyTorch cross-check on a GPU, over the whole zoo, in one call.

    python benchmarks/cuda_check.py                  # every zoo network, --verify --device cuda
    python benchmarks/cuda_check.py --device cpu     # the same on the CPU (what CI can do)
    python benchmarks/cuda_check.py resnet50 torchvision.vit_b_16

For each network at its default input: shapecalc's realisation is built on the device, one forward pass runs
on zeros, and every layer's output shape and parameters, and the FLOPs FlopCounterMode counts, are compared
with shapecalc's static figures (``shapecalc NAME --verify``). One line per network, then a summary; exit 0
when all agree, 1 when a network disagrees, 2 without the device. The largest network, RegNetY-128GF at 384,
is 375 GMACs: on a GPU the whole zoo is a matter of minutes, on 2 CPU cores much longer.
"""

import argparse
import sys
import time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="zoo networks (default: all)")
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N or cpu")
    args = parser.parse_args(argv)

    import torch

    from shapecalc import summary, zoo
    from shapecalc.verify import verify

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("no CUDA device: run with --device cpu, or on a machine with a GPU", file=sys.stderr)
        return 2
    names = args.names or zoo.names()
    where = torch.cuda.get_device_name(args.device) if args.device.startswith("cuda") else "CPU"
    print(f"torch {torch.__version__} on {where}; {len(names)} networks")
    bad = []
    start = time.perf_counter()
    for name in names:
        began = time.perf_counter()
        try:
            s = summary(name)
            report = verify(name, device=args.device)
            ok = report.ok
            detail = "all ✓" if ok else "✗ " + ", ".join(report.mismatches[:5])
            figures = f"{s.totals['params']:>13,} params  {s.totals['macs']:>17,} MACs"
        except Exception as exc:  # a failure is reported for its network, and the run goes on
            ok, detail, figures = False, f"error: {type(exc).__name__}: {exc}"[:200], ""
        if args.device.startswith("cuda"):
            torch.cuda.empty_cache()
        print(f"{name:34} {figures}  {time.perf_counter() - began:6.2f} s  {detail}", flush=True)
        if not ok:
            bad.append(name)
    total = time.perf_counter() - start
    print(f"summary: {len(names) - len(bad)} of {len(names)} networks agree with PyTorch on {args.device} "
          f"({where}) in {total:.1f} s" + (f"; mismatches: {', '.join(bad)}" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
