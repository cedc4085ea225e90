"""Building blocks that torchvision's model files share (torchvision/ops/misc.py, models/_utils.py), written
once for the twins that use them."""

from ..layers import AdaptiveAvgPool2d, BatchNorm, Conv2d, ReLU, Residual, Sequential, Sigmoid


def indexed(layers, name=None):
    """A Sequential whose children are named 0, 1, 2 … like torch.nn.Sequential's."""
    for i, layer in enumerate(layers):
        layer.name = str(i)
    return Sequential(*layers, name=name)


def make_divisible(value, divisor=8):
    """torchvision's ``_make_divisible`` (from the TensorFlow reference): ``value`` rounded to a multiple
    of ``divisor``, at least ``divisor``, never more than 10 % below ``value``."""
    # nearest multiple: max(d, ⌊(v + d/2) / d⌋·d); if that is under 0.9·v, one multiple more
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def conv_norm_act(filters, kernel, stride=1, groups=1, activation=ReLU, norm=None, name=None):
    """torchvision's Conv2dNormActivation: a bias-free conv padded to keep the size ((k − 1) / 2), then
    BatchNorm (``norm``: its eps and momentum), then ``activation`` (a layer class) unless it is None; as
    children 0, 1, 2."""
    layers = [Conv2d(filters, kernel, stride=stride, padding=(kernel - 1) // 2, groups=groups, bias=False),
              BatchNorm(**(norm or {}))]
    if activation is not None:
        layers.append(activation())
    return indexed(layers, name)


def squeeze_excitation(channels, squeeze, activation=ReLU, gate=Sigmoid, name=None):
    """torchvision's SqueezeExcitation: global average → 1×1 conv to ``squeeze`` → ``activation`` → 1×1
    conv back to ``channels`` → ``gate``, the 1×1×C result scaling the input channel by channel."""
    return Residual([
        AdaptiveAvgPool2d(1, name="avgpool"),
        Conv2d(squeeze, 1, name="fc1"),
        activation(name="activation"),
        Conv2d(channels, 1, name="fc2"),
        gate(name="scale_activation"),
    ], merge="mul", name=name)
