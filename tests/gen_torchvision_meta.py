"""Write tests/data/torchvision_weights.json from the installed torchvision's own weight metadata:
``python tests/gen_torchvision_meta.py`` (needs torchvision 0.29.1; test_zoo_tv_meta.py checks the copy
against the installed package whenever torchvision is there).

For every classification builder of ``torchvision.models`` and every weights entry of it: ``num_params``,
``_ops`` (torchvision's "GFLOPS", which are giga multiply-accumulates) as printed, and the crop size of
its transforms. The copy lets the zoo tests check the published figures without torchvision installed.
"""

import json
import pathlib

TARGET = pathlib.Path(__file__).resolve().parent / "data" / "torchvision_weights.json"


def collect():
    import torchvision
    import torchvision.models as M

    out = {"source": f"torchvision {torchvision.__version__.split('+')[0]}, torchvision.models.get_model_weights(NAME), "
                     "each entry's meta['num_params'], meta['_ops'] and transforms().crop_size",
           "models": {}}
    for name in M.list_models(module=M):
        entries = []
        for weights in M.get_model_weights(name):
            entries.append({
                "weights": weights.name,
                "num_params": weights.meta["num_params"],
                "gflops": repr(weights.meta["_ops"]),
                "crop_size": list(weights.transforms().crop_size)[0],
            })
        out["models"][name] = entries
    return out


if __name__ == "__main__":
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(json.dumps(collect(), indent=1) + "\n")
    print(f"wrote {TARGET}")
