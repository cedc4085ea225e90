"""Writing a network back as a text spec: :func:`export_spec` gives the text that :func:`shapecalc.spec.parse_spec`
reads back to the same table.
"""

import json
import re

from . import layers as L
from .errors import ConfigError
from .spec import _SHORT_RE, KINDS, SHORT, _fields, _word_value

__all__ = ["export_spec"]


# ---------------------------------------------------------------------------------------------------------
# export


def _format_value(value):
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return "x".join(str(v) for v in value)
    if isinstance(value, (tuple, list)):
        return json.dumps(_lists(value), separators=(",", ""))
    if isinstance(value, str):
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-]*", value) and not isinstance(_word_value(value), (bool, int, float)):
            return value
        return json.dumps(value, ensure_ascii=False)
    raise ConfigError(f"cannot write {value!r} in a spec", "export")


def _name_text(name):
    """A layer name as written in a spec: a plain word, or quoted when it holds spaces or symbols."""
    if re.fullmatch(r"[^\s|;():=\"#\[\],]+", name) and not _SHORT_RE.match(name):
        return name
    return json.dumps(name, ensure_ascii=False)


def _lists(value):
    if isinstance(value, (tuple, list)):
        return [_lists(v) for v in value]
    return value


def _leaf_text(layer):
    cls = type(layer)
    kind = layer.kind
    if kind not in KINDS or not isinstance(layer, KINDS[kind]):
        raise ConfigError(f"layer class {cls.__name__} has no spec kind", "export")
    # a leaf must come back as the same class: exported through its kind, it would otherwise change class
    if KINDS[kind] is not cls:
        raise ConfigError(f"layer class {cls.__name__} (kind {kind}) cannot be written as a spec", "export")
    if isinstance(layer, L.Input):
        parts = ["input", "x".join(str(d) for d in layer.shape)]
    else:
        config = layer.config()
        fields = _fields(cls)
        parts = [kind]
        first = True
        for field in fields:
            if field not in config:
                first = False
                continue
            value = config[field]
            if first and not isinstance(value, bool) and not isinstance(value, str):
                first = False
                parts.append(_format_value(value))
                continue
            first = False
            if field in SHORT.values() and not isinstance(value, str):
                letter = [k for k, v in SHORT.items() if v == field][0]
                parts.append(letter + _format_value(value))
            elif field == "padding" and value in ("same", "valid"):
                parts.append(value)
            elif field == "bias" and value is False:
                parts.append("nobias")
            elif field == "ceil_mode" and value is True:
                parts.append("ceil")
            else:
                parts.append(f"{field}={_format_value(value)}")
    return (f"{_name_text(layer.name)}: " if layer.name else "") + " ".join(parts)


def _block_lines(items, indent):
    lines = []
    for item in items:
        lines.extend(_item_lines(item, indent))
    return lines


def _branch_items(seq):
    """The items that write out a branch (or a body): its layers, or the block itself when it is named."""
    if seq.name or (len(seq.layers) == 1 and type(seq.layers[0]) is L.Sequential):
        return [seq]
    return seq.layers


def _item_lines(item, indent):
    pad = "  " * indent
    named = f"{_name_text(item.name)}: " if item.name else ""
    if isinstance(item, L.Layer):
        return [pad + _leaf_text(item)]
    if isinstance(item, L.Branches):
        lines = [f"{pad}{named}branches("]
        for b, branch in enumerate(item.branches):
            body = _block_lines(branch.layers if item.flat else _branch_items(branch), indent + 1)
            if b:
                # (an empty branch of a flat block: the ';' alone)
                body = [pad + ";" + body[0][len(pad) + 1:]] + body[1:] if body else [pad + ";"]
            lines.extend(body)
        merge = item.merge
        tail = (f"{_name_text(merge.name)}: " if merge.name else "") + merge.kind + (" flat" if item.flat else "")
        if item.post:
            lines.append(f"{pad}) {tail} post(")
            lines.extend(_block_lines(item.post, indent + 1))
            tail = ""
        lines.append(f"{pad}) {tail}".rstrip())
        return lines
    if isinstance(item, L.Residual):
        lines = [f"{pad}{named}residual("] + _block_lines(_branch_items(item.body), indent + 1)
        if item.shortcut is not None:
            lines.append(f"{pad}) shortcut(")
            lines.extend(_block_lines(_branch_items(item.shortcut), indent + 1))
        if item.post:
            lines.append(f"{pad}) post(")
            lines.extend(_block_lines(item.post, indent + 1))
        merge = item.merge
        tail = (f"{_name_text(merge.name)}: " if merge.name else "") + merge.kind
        tail = "" if tail == "add" else " " + tail
        lines.append(f"{pad}){tail}" + (" flat" if item.flat else ""))
        return lines
    if isinstance(item, L.SideHead):
        weight = f" loss_weight={_format_value(item.loss_weight)}" if item.loss_weight is not None else ""
        return [f"{pad}{named}side("] + _block_lines(item.body.layers, indent + 1) + [f"{pad}){weight}"]
    if isinstance(item, L.Sequential):
        return [f"{pad}{named}block("] + _block_lines(item.layers, indent + 1) + [f"{pad})"]
    raise ConfigError(f"cannot write {type(item).__name__} as a spec", "export")


def export_spec(network):
    """The text spec of ``network``, one item per line: :func:`parse_spec` reads it back to the same table."""
    lines = []
    title = getattr(network, "title", None)
    if title is not None:
        head = "network " + _format_value(str(title))
        if network.description:
            head += " " + json.dumps(network.description, ensure_ascii=False)
        lines.append(head)
        if network.source:
            lines.append("source " + json.dumps(network.source, ensure_ascii=False))
        for note in network.notes:
            lines.append("note " + json.dumps(note, ensure_ascii=False))
        lines.append("input " + "x".join(str(d) for d in network.input_shape))
        layers = network.layers
    else:
        layers = network.layers if isinstance(network, L.Sequential) else [network]
    lines.extend(_block_lines(layers, 0))
    return "\n".join(lines)
