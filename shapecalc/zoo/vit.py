"""Vision Transformers (Dosovitskiy et al. 2021, "An Image is Worth 16x16 Words", arXiv:2010.11929, Table 1)
as torchvision builds them (torchvision/models/vision_transformer.py).

The image is cut into P×P patches by a P×P/P convolution (``conv_proj``), read as tokens, a class token is
put first and a position embedding added (``encoder.pos_embedding``: its size follows the image's, so the
parameter count does too); then L encoder layers, each two residual sums side by side in one module —
``x + attention(ln_1(x))`` and ``x + mlp(ln_2(x))`` —, a final LayerNorm, and the class token's vector to
the classifier ``heads.head``. Rows carry torchvision's module paths.
"""

from ..layers import (
    Add, ClassToken, Conv2d, Dropout, GELU, LayerNorm, Linear, MultiheadAttention, Network, PointwiseLinear,
    PositionEmbedding, Residual, SelectToken, Sequential, Tokens,
)
from . import TORCHVISION

#: patch size, layers, heads, hidden size D, MLP size (the paper's Table 1; torchvision's builders)
CONFIGS = {
    "b_16": (16, 12, 12, 768, 3072),
    "b_32": (32, 12, 12, 768, 3072),
    "l_16": (16, 24, 16, 1024, 4096),
    "l_32": (32, 24, 16, 1024, 4096),
    "h_14": (14, 32, 16, 1280, 5120),
}
EPS = 1e-6


def encoder_layer(heads, dim, mlp, name):
    """One encoder layer: two residual sums, each a flat block (its layers are the layer's own rows)."""
    attention = Residual([LayerNorm(eps=EPS, name="ln_1"), MultiheadAttention(heads, name="self_attention"),
                          Dropout(0.0, name="dropout")], merge=Add(name="add_1"), flat=True)
    feedforward = Residual([
        LayerNorm(eps=EPS, name="ln_2"),
        Sequential(PointwiseLinear(mlp, name="0"), GELU(name="1"), Dropout(0.0, name="2"),
                   PointwiseLinear(dim, name="3"), Dropout(0.0, name="4"), name="mlp"),
    ], merge=Add(name="add_2"), flat=True)
    return Sequential(attention, feedforward, name=name)


def vit(size):
    patch, layers, heads, dim, mlp = CONFIGS[size]
    encoder = Sequential(
        PositionEmbedding(name="pos_embedding"),
        Dropout(0.0, name="dropout"),
        Sequential(*[encoder_layer(heads, dim, mlp, f"encoder_layer_{i}") for i in range(layers)], name="layers"),
        LayerNorm(eps=EPS, name="ln"),
        name="encoder",
    )
    kind, p = size.split("_")
    return Network(f"torchvision.vit_{size}", [
        Conv2d(dim, patch, stride=patch, name="conv_proj"),
        Tokens(name="tokens"),
        ClassToken(name="class_token"),
        encoder,
        SelectToken(0, name="class_output"),
        Sequential(Linear(1000, name="head"), name="heads"),
    ], (224, 224, 3), f"torchvision ViT-{kind.upper()}/{p}: {layers} encoder layers of {heads} heads, D = {dim}, "
                      f"{patch}×{patch} patches", source=TORCHVISION.format("vision_transformer"))


def vit_b_16():
    return vit("b_16")


def vit_b_32():
    return vit("b_32")


def vit_l_16():
    return vit("l_16")


def vit_l_32():
    return vit("l_32")


def vit_h_14():
    return vit("h_14")
