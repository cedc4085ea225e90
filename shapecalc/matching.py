"""Matching a submitted table's rows to the network's layers.

A row whose first word names a layer (``conv1``, ``C1:``, ``inception3a.branch2.conv3x3``) or a block is
matched by name, in any order; the other rows are aligned in order with the layers left, by the kinds their
labels mention and the figures they claim (:func:`_align`, a dynamic programme). A row that repeats an
earlier one (the same layer named again, or the same text where it fits the earlier row's layer and not
the one its place would give it) is a duplicate; a row that fits no layer is extra.
"""

import math
import re
from dataclasses import dataclass, field

from .cells import shape_matches

__all__ = ["Matching", "match", "optional"]

def _label_kinds(label):
    """The kinds a row label names ("conv3 + relu" → conv and relu): each kind says the words it is called
    by (``Layer.called``)."""
    from .layers import KINDS

    words = set(re.findall(r"[a-z]+", label.lower()))
    return {kind for kind, cls in KINDS.items() if words.intersection(cls.called)}


def _activations(kinds):
    """True where every kind named is an activation (its row may be the layer before it, merged)."""
    from .layers import KINDS, _Activation

    return all(issubclass(KINDS[k], _Activation) for k in kinds)


def _norm(text):
    return re.sub(r"[\s_\-]+", "", text.lower())


def _trivial(row):
    """A layer the alignment lets a student leave out at a small cost: no parameters and as many values out
    as in (activations, dropout, a flatten). Which layers the score leaves out is :func:`optional`."""
    if row.params or row.input_shape is None:
        return False
    return math.prod(row.output_shape) == math.prod(row.input_shape)


def _pair_score(label, claims, row):
    """How well a submitted row fits a layer; None when it cannot be that layer."""
    score = 1.0
    name_hit = False
    if label:
        first = _norm(label.split()[0].rstrip(":"))
        if _norm(label) in (_norm(row.path), _norm(row.name)) or first in (_norm(row.path), _norm(row.name)):
            score += 10
            name_hit = True
    kinds = _label_kinds(label)
    params = claims.get("params")
    if kinds and _activations(kinds) and params and not row.params:
        # "softmax" with parameters is the dense layer the softmax belongs to, not the softmax itself
        return None
    if kinds and not name_hit:
        if row.kind in kinds:
            score += 4
        elif _activations(kinds) and params and row.layer.takes_activation:
            # "softmax" with parameters: the dense layer the softmax belongs to
            score += 2
        else:
            return None
    if claims.get("output") is not None and shape_matches(claims["output"], row.output_shape)[0]:
        score += 3
    if params is not None and row.params and params == row.params:
        score += 2
    if params and not row.params and row.kind not in ("batchnorm",):
        score -= 2
    return score


#: the alignment's scores, in tenths (whole numbers: the sums are exact, and so are the ties it breaks):
#: a submitted row left unmatched, a layer left out (a trivial one: an activation, a dropout), and "cannot be"
_SKIP_SUB, _SKIP_TRIVIAL, _SKIP_LAYER, _NEVER = -30, -2, -15, -(10 ** 12)


def _scores(sub, rows, feats):
    """``_pair_score`` of one submitted row against every layer, in tenths, as a numpy vector (``_NEVER``
    where it cannot be that layer): the same rules, on whole columns at once."""
    import numpy as np

    label, claims = sub
    names, kinds_of, params_of, shape_index, shapes, zero, dense_like, batchnorm = feats
    m = len(rows)
    score = np.full(m, 10, dtype=np.int64)
    name_hit = np.zeros(m, dtype=bool)
    if label:
        first = _norm(label.split()[0].rstrip(":"))
        for key in {_norm(label), first}:
            for j in names.get(key, ()):
                name_hit[j] = True
        score[name_hit] += 100
    kinds = _label_kinds(label)
    params = claims.get("params")
    never = np.zeros(m, dtype=bool)
    if kinds and _activations(kinds) and params:
        never |= zero  # "softmax" with parameters is the dense layer it belongs to, not the softmax itself
    if kinds:
        in_kinds = np.isin(kinds_of, list(kinds))
        other = ~name_hit
        score[other & in_kinds] += 40
        if _activations(kinds) and params:
            score[other & ~in_kinds & dense_like] += 20
            never |= other & ~in_kinds & ~dense_like
        else:
            never |= other & ~in_kinds
    output = claims.get("output")
    if output is not None:
        fits = np.array([shape_matches(output, shape)[0] for shape in shapes], dtype=bool)
        score[fits[shape_index]] += 30
    if params is not None:
        score[~zero & (params_of == params)] += 20
    if params:
        score[zero & ~batchnorm] -= 20
    score[never] = _NEVER
    return score


def _align(subs, expected):
    """Order-preserving best match of submitted rows to layer rows: dynamic programming over the rows, each
    row of the table worked out with numpy (a running maximum for the layers left out), so that 2,000 rows
    against ResNet-152 take a fraction of a second."""
    import numpy as np

    n, m = len(subs), len(expected)
    names = {}
    for j, r in enumerate(expected):
        for key in {_norm(r.path), _norm(r.name)}:
            names.setdefault(key, []).append(j)
    shapes = list(dict.fromkeys(tuple(r.output_shape) for r in expected))
    where = {shape: k for k, shape in enumerate(shapes)}
    feats = (
        names,
        np.array([r.kind for r in expected], dtype=object),
        np.array([r.params for r in expected], dtype=object),
        np.array([where[tuple(r.output_shape)] for r in expected], dtype=np.int64),
        shapes,
        np.array([not r.params for r in expected], dtype=bool),
        np.array([r.layer.takes_activation for r in expected], dtype=bool),
        np.array([r.kind == "batchnorm" for r in expected], dtype=bool),
    )
    skip = np.array([_SKIP_TRIVIAL if _trivial(r) else _SKIP_LAYER for r in expected], dtype=np.int64)
    # P[j]: leaving out layers 0 … j−1
    prefix = np.concatenate(([0], np.cumsum(skip)))
    best = np.empty((n + 1, m + 1), dtype=np.int64)
    best[0] = prefix
    scores = []
    for i in range(1, n + 1):
        s = _scores(subs[i - 1][:2], expected, feats)
        scores.append(s)
        cand = best[i - 1] + _SKIP_SUB
        cand[1:] = np.maximum(cand[1:], best[i - 1][:-1] + s)
        # the layers left out before j: best[i][j] = max over k ≤ j of cand[k] + skips k … j−1
        best[i] = prefix + np.maximum.accumulate(cand - prefix)
    pairs, i, j = [], n, m
    while i > 0 or j > 0:
        # (the first of "sub", "exp", "match" that gives the best, as max() over them in that order chose)
        if i > 0 and best[i, j] == best[i - 1, j] + _SKIP_SUB:
            pairs.append((i - 1, None))
            i -= 1
        elif j > 0 and best[i, j] == best[i, j - 1] + skip[j - 1]:
            pairs.append((None, j - 1))
            j -= 1
        else:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
    return pairs[::-1]


def optional(row):
    """A layer the score leaves out (listed, it is checked and shown, but not scored): no parameters and
    the shape unchanged — the input, activations, dropout, a flatten of a 1×1×C map (C either way, as a
    cell reads it). A flatten of a larger map changes the shape: it is graded."""
    if row.params or row.input_shape is None:
        return False
    return shape_matches(row.input_shape, row.output_shape)[0] and not shape_matches(row.input_shape, row.output_shape)[1]


def _fits(claims, row):
    """Every figure the row claims (output, params) is the layer's, and it claims one."""
    output, params = claims.get("output"), claims.get("params")
    if output is None and params is None:
        return False
    if output is not None and (row.output_shape is None or not shape_matches(output, row.output_shape)[0]):
        return False
    return params is None or params == row.params


@dataclass
class Matching:
    """``layers``: submitted row index → the analysis Row it describes (a layer, or a block that stands for
    the layers in it that no other row lists); ``duplicates``: row index → the earlier row index it repeats;
    ``covered``: id of a leaf row → the index of the block row that stands for it; ``missing``: the leaf rows
    that no row lists or stands for, in network order."""

    layers: dict = field(default_factory=dict)
    duplicates: dict = field(default_factory=dict)
    covered: dict = field(default_factory=dict)
    missing: list = field(default_factory=list)


def match(subs, summary):
    """Match ``subs`` (``(label, claims, content)`` per submitted row: claims ``{"output": shape,
    "params": count}``, content the row's text, normalised) to the layers of ``summary``."""
    leaves = summary.rows
    by_name = {}
    for r in summary.all_rows:
        for key in {_norm(r.path), _norm(r.name)}:
            by_name.setdefault(key, []).append(r)
    result = Matching()
    owner = {}  # id(row) → the index of the submitted row that names it
    named_again = {}  # row index → the earlier row that names the same layer
    hits = {}
    for i, (label, claims, _) in enumerate(subs):
        key = _norm(label.split()[0].rstrip(":")) if label else ""
        found = by_name.get(key, []) if key else []
        if len(found) == 1 and (not found[0].leaf or _pair_score(label, claims, found[0]) is not None):
            hits[i] = found[0]
    # layers named first, then blocks: a block row stands for the layers in it that no row names
    for leaf_pass in (True, False):
        for i, hit in hits.items():
            if hit.leaf != leaf_pass:
                continue
            if id(hit) in owner:
                # (a duplicate where it fits the layer already listed; else aligned as a row without a
                # name: "dense" written for each of two dense layers, of which one is named so)
                named_again[i] = owner[id(hit)]
                continue
            owner[id(hit)] = i
            result.layers[i] = hit
            if not hit.leaf:
                for r in summary._leaves_under(hit):
                    if id(r) not in owner:
                        result.covered.setdefault(id(r), i)
    taken = set(owner) | set(result.covered)
    order = [i for i in range(len(subs)) if i not in result.layers and i not in result.duplicates]
    rest = [r for r in leaves if id(r) not in taken]
    while True:
        pairs = _align([subs[i][:2] for i in order], rest)
        by_order = {order[si]: rest[ej] for si, ej in pairs if si is not None and ej is not None}
        repeats = _repeats(subs, order, by_order, result, named_again)
        if not repeats:
            break
        result.duplicates.update(repeats)
        order = [i for i in order if i not in repeats]
    result.layers.update(by_order)
    listed = {id(r) for r in result.layers.values()} | set(result.covered)
    result.missing = [r for r in leaves if id(r) not in listed]
    return result


def _repeats(subs, order, by_order, result, named_again):
    """The rows aligned in order that repeat an earlier row (its text, or the layer it names): a duplicate
    where the row fits the earlier row's layer and not its own (a copied row left unedited), or matches
    nothing."""
    first = {}
    for i, (_, _, content) in enumerate(subs):
        if content:
            first.setdefault(content, i)
    found = {}
    for i in order:
        content = subs[i][2]
        j = named_again.get(i, first.get(content) if content else None)
        if j is None or j >= i:
            continue
        earlier = result.layers.get(j) or by_order.get(j)
        if earlier is None:
            continue
        mine = by_order.get(i)
        if mine is None or (mine is not earlier and _fits(subs[i][1], earlier) and not _fits(subs[i][1], mine)):
            found[i] = j
    return found
