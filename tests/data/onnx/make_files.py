"""Writes the small ONNX files of this folder (run from the repository root: python tests/data/onnx/make_files.py).

- ``same_and_ceil.onnx``: built node by node with onnx.helper: a convolution with asymmetric pads, one with
  ``auto_pad=SAME_UPPER`` on an odd size, a ``ceil_mode`` max pooling, a global average pooling and a dense
  head;
- ``tiny_resnet.onnx``: a small residual network exported by ``torch.onnx.export`` (the TorchScript exporter)
  with the height and width left open (``dynamic_axes``), BatchNorm kept;
- ``custom_op.onnx``: an ONNX operator shapecalc has no rule for (Celu) and one of a domain of its own (Warp).
"""

import pathlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = pathlib.Path(__file__).resolve().parent


def _w(name, *dims):
    rng = np.random.default_rng(len(name) + sum(dims))
    return numpy_helper.from_array(rng.standard_normal(dims).astype(np.float32) * 0.1, name)


def same_and_ceil():
    nodes = [
        helper.make_node("Conv", ["x", "conv1.weight", "conv1.bias"], ["c1"], name="/conv1/Conv",
                         kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="/relu1/Relu"),
        helper.make_node("Conv", ["r1", "conv2.weight"], ["c2"], name="/conv2/Conv", kernel_shape=[2, 2],
                         strides=[2, 2], auto_pad="SAME_UPPER"),
        helper.make_node("MaxPool", ["c2"], ["p"], name="/pool/MaxPool", kernel_shape=[3, 3], strides=[2, 2],
                         ceil_mode=1),
        helper.make_node("GlobalAveragePool", ["p"], ["g"], name="/gap/GlobalAveragePool"),
        helper.make_node("Flatten", ["g"], ["f"], name="/Flatten", axis=1),
        helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["y"], name="/fc/Gemm", transB=1),
    ]
    inits = [_w("conv1.weight", 8, 3, 3, 3), _w("conv1.bias", 8), _w("conv2.weight", 16, 8, 2, 2),
             _w("fc.weight", 10, 16), _w("fc.bias", 10)]
    graph = helper.make_graph(nodes, "same_and_ceil",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 31, 31])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="onnx.helper")
    onnx.checker.check_model(model)
    onnx.save(model, str(HERE / "same_and_ceil.onnx"))


def tiny_resnet():
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(c)
            self.relu = nn.ReLU()
            self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(c)

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + x)

    class TinyResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16),
                                      nn.ReLU())
            self.layer1 = nn.Sequential(Block(16), Block(16))
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(16, 10)

        def forward(self, x):
            return self.fc(torch.flatten(self.pool(self.layer1(self.stem(x))), 1))

    torch.manual_seed(0)
    model = TinyResNet().eval()
    torch.onnx.export(model, (torch.zeros(1, 3, 64, 64),), str(HERE / "tiny_resnet.onnx"), dynamo=False,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"}},
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
                      keep_initializers_as_inputs=True)


def custom_op():
    nodes = [helper.make_node("Conv", ["x", "conv.weight"], ["c"], name="/conv/Conv", kernel_shape=[1, 1]),
             helper.make_node("Celu", ["c"], ["e"], name="/act/Celu"),
             helper.make_node("Warp", ["e", "grid"], ["w"], name="/warp/Warp", domain="my.ops"),
             helper.make_node("Relu", ["w"], ["y"], name="/relu/Relu")]
    graph = helper.make_graph(nodes, "custom_op", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 6, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [_w("conv.weight", 4, 4, 1, 1), _w("grid", 6, 6, 2)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("my.ops", 1)],
                              producer_name="onnx.helper")
    onnx.save(model, str(HERE / "custom_op.onnx"))


if __name__ == "__main__":
    same_and_ceil()
    tiny_resnet()
    custom_op()
