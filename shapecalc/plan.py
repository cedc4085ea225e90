"""A network compiled once into a plan: the flat list of steps that every view walks.

Composites (sequences, branches, residual blocks, graph blocks, side heads) say how they route their
children in one place, their ``route`` method; :func:`compile_plan` calls it and writes the steps in
execution order, each with its row path, depth, the block it belongs to and the steps whose outputs it
reads. The walk (:mod:`shapecalc.analysis`), the size scan (:mod:`shapecalc.validsizes`), the PyTorch
builder (:mod:`shapecalc.torch`) and the memory estimate (:mod:`shapecalc.memory`) run the steps; none of
them knows a composite's routing or its children's default names.

A step is one of four operations:

- ``LAYER``: a leaf layer applied to the output of ``inputs[0]``;
- ``MERGE``: a merge layer (add, concat, mul) applied to the outputs of ``inputs``;
- ``OPEN``: a composite with a row of its own starts; its output is its input (``inputs[0]``), which its
  children read; ``end`` is the index of its ``CLOSE``;
- ``CLOSE``: that composite ends; its row's output is the output of ``inputs[0]``. A side head's output
  goes to its row, and the main path goes on with the side head's input: its ``CLOSE`` passes that on.

Index ``-1`` in ``inputs`` is the network's input.
"""

from .errors import ConfigError
from .layers import Composite, Sequential

__all__ = ["LAYER", "MERGE", "OPEN", "CLOSE", "Step", "Plan", "compile_plan"]

LAYER, MERGE, OPEN, CLOSE = "layer", "merge", "open", "close"


class Step:
    """One step of a plan (a plain class, not a dataclass: the table's path imports no dataclasses)."""

    __slots__ = ("op", "node", "path", "depth", "inputs", "block", "side", "end", "main", "fields")

    def __init__(self, op, node, path, depth, inputs, block, side=False):
        self.op = op
        #: the layer or composite
        self.node = node
        #: the row path ("layer1.0.conv1") and depth (0: the network's own children)
        self.path = path
        self.depth = depth
        #: the steps whose outputs it reads (-1: the network's input)
        self.inputs = inputs
        #: the OPEN step of the block whose row holds this step's row (-1: the network itself); for a
        #: CLOSE, the OPEN it closes
        self.block = block
        #: inside a side head (the side head's own OPEN and CLOSE included)
        self.side = side
        #: (OPEN) the index of its CLOSE
        self.end = -1
        #: the output is the main path's only live value: the end of one of the network's own children
        self.main = False
        #: (MERGE) the inputs whose receptive fields the merge's field is the widest of (None: all of them)
        self.fields = None

    @property
    def name(self):
        return self.path.rpartition(".")[2]

    @property
    def passes_on(self):
        """(CLOSE) the step whose output the path after the block reads: the block's result, or for a side
        head the input it received."""
        return self.inputs[-1]

    def __repr__(self):
        return f"Step({self.op}, {self.path!r}, inputs={self.inputs})"


class Plan:
    """The steps in execution order, and the step whose output is the network's output."""

    __slots__ = ("steps", "output")

    def __init__(self, steps, output):
        self.steps = steps
        self.output = output

    def __len__(self):
        return len(self.steps)


class _Compiler:
    """What a composite's ``route`` calls: it adds steps and returns the index of the step whose output is
    the result."""

    def __init__(self):
        self.steps = []
        self.open = -1
        self.side = False

    def _add(self, op, node, path, depth, inputs):
        self.steps.append(Step(op, node, path, depth, inputs, self.open, self.side))
        return len(self.steps) - 1

    def layer(self, layer, path, depth, x):
        return self._add(LAYER, layer, path, depth, (x,))

    def merge(self, layer, path, depth, xs, fields=None):
        """A merge of the outputs of steps ``xs``; ``fields``: the ones whose receptive fields count (an
        identity shortcut's is inside the body's: see Residual.route)."""
        i = self._add(MERGE, layer, path, depth, tuple(xs))
        self.steps[i].fields = fields
        return i

    def block(self, node, path, depth, x):
        """A composite with a row of its own at ``path``: OPEN, its children one level down, CLOSE."""
        outer_open, outer_side = self.open, self.side
        self.side = outer_side or node.side_output
        opened = self._add(OPEN, node, path, depth, (x,))
        self.open = opened
        y = node.route(self, path + ".", depth + 1, opened)
        closed = self._add(CLOSE, node, path, depth, (y, x) if node.side_output else (y,))
        self.steps[opened].end = closed
        self.open, self.side = outer_open, outer_side
        return closed

    def sequence(self, layers, prefix, depth, x, names=None, main=False):
        """``layers`` one after the other as children at ``depth`` whose paths start with ``prefix``
        (named ``names``, by default their :func:`child_names`)."""
        steps = self.steps
        first = len(steps)
        inline = False
        for name, child in zip(child_names(layers, prefix) if names is None else names, layers):
            if not isinstance(child, Composite):
                # (self.layer written out: the most frequent step, in the loop that makes most of them)
                steps.append(Step(LAYER, child, prefix + name, depth, (x,), self.open, self.side))
                x = len(steps) - 1
            elif child.inline:
                # (a flat residual block, a graph block: its rows are this sequence's own)
                inline = True
                x = child.route(self, prefix, depth, x)
            else:
                x = self.block(child, prefix + name, depth, x)
            if main:
                self.steps[x].main = True
        if inline:
            _unique_paths(self.steps[first:], depth)
        return x


def compile_plan(layers, title="network"):
    """The plan of a network whose own children are ``layers`` (its first an :class:`Input`); ``title``
    names it in the message of a nesting too deep to follow."""
    import gc

    compiler = _Compiler()
    # (as for the walk, shapecalc.analysis.walk: the steps hold no reference cycles, and the cyclic collector
    # would trace all of them again and again as they pile up)
    collecting = gc.isenabled()
    gc.disable()
    try:
        output = compiler.sequence(layers, "", 0, -1, main=True)
    except RecursionError:
        # (each level of blocks is a level of the recursion: a few hundred are far beyond any network)
        import sys

        raise ConfigError("the network nests blocks inside blocks more deeply than shapecalc follows (Python's "
                          f"recursion limit, {sys.getrecursionlimit()}): flatten the nesting", title) from None
    finally:
        if collecting:
            gc.enable()
    return Plan(compiler.steps, output)


# ---------------------------------------------------------------------------------------------------------
# default names


def child_names(children, prefix=""):
    """Names for a composite's children: their own, or kind + running number (conv1, conv2, relu1 …).
    ``prefix`` (the composite's path and a dot) is for the message of a duplicate."""
    counts = {}
    names = []
    # generated names are unique among themselves (one running number per kind, and no kind ends in a
    # digit); only a block with names of its own can hold a duplicate
    own = False
    for child in children:
        name = child.name
        if name:
            own = True
        else:
            kind = "block" if type(child) is Sequential else child.kind
            counts[kind] = number = counts.get(kind, 0) + 1
            name = f"{kind}{number}"
        names.append(name)
    if own and len(set(names)) != len(names):
        seen = set()
        for n in names:
            if n in seen:
                raise ConfigError(f"two layers in the same block are both named {n!r}", prefix + n)
            seen.add(n)
    return names


def residual_names(node, prefix=""):
    """Names for the rows of a residual block: ``(body, shortcut, sum, post)``. The body's layers are rows
    of the block itself, as in torchvision (``layer1.0.conv1``; a named body stays one block under its
    name), numbered together with the layers after the sum (relu1, relu2 in the body, relu3 after it); the
    shortcut is ``shortcut`` and the merge its kind (``add``) unless they are named."""
    body = node.body.layers if not node.body.name else [node.body]
    post = node.post
    names = child_names(list(body) + post if post else body, prefix)
    short = None if node.shortcut is None else node.shortcut.name or "shortcut"
    merge = node.merge.name or node.merge.kind
    for taken in (short, merge):
        # (names in the body or after the sum, or the shortcut named like the sum)
        if taken is not None and (taken in names or (taken is short and taken == merge)):
            raise ConfigError(f"two parts of the same residual block are both named {taken!r}", prefix + taken)
    if post:
        return names[:len(body)], short, merge, names[len(body):]
    return names, short, merge, ()


def branch_names(node):
    """The rows of a Branches block's branches: their names, or branch1, branch2 …"""
    return [b.name or f"branch{i}" for i, b in enumerate(node.branches, 1)]


def flat_names(node, prefix=""):
    """Names for the rows of a flat Branches block: ``(names per branch, post names)``, numbered together
    (conv1, conv2 in the first branch, conv3 in the second …) so that they are unique in the block."""
    sizes = [len(b.layers) for b in node.branches]
    names = child_names([layer for b in node.branches for layer in b.layers] + list(node.post), prefix)
    merge = node.merge.name or node.merge.kind
    if merge in names:
        raise ConfigError(f"two parts of the same branches block are both named {merge!r}", prefix + merge)
    out, start = [], 0
    for n in sizes:
        out.append(names[start:start + n])
        start += n
    return out, names[start:]


def _unique_paths(steps, depth):
    """The rows at ``depth`` of a sequence that holds a flat residual block: no two with one path (the flat
    block's names and its neighbours' share the sequence's namespace)."""
    seen = set()
    for step in steps:
        if step.depth == depth and step.op != CLOSE:
            if step.path in seen:
                raise ConfigError(f"two layers of the same block are both named {step.name!r} "
                                  "(a flat residual block's layers share its parent's names)", step.path)
            seen.add(step.path)
