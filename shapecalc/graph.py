"""A model's data-flow graph as shapecalc's blocks: what every importer (PyTorch modules, ONNX files,
Keras files) produces, turned into one :class:`~shapecalc.layers.Network` that every view walks.

An importer lists :class:`Node` s in execution order — the input first, then each layer with the nodes it
reads — named by dotted paths (``layer1.0.conv1``). :func:`to_network` finds the graph's series-parallel
structure: where every path from the input passes through one node, the network is a sequence; between two
such nodes, the paths that meet at a merge (an add, a concatenation, a product) are the branches of a block:

- two paths, one of them the identity or the shorter one, merged by a sum, a product or a concatenation:
  a :class:`~shapecalc.layers.Residual` block (a ResNet block, a squeeze-excitation gate, a DenseNet layer);
- otherwise :class:`~shapecalc.layers.Branches` (an Inception module, a ShuffleNet unit).

The dotted paths then nest the rows: consecutive layers whose paths share a first component are a block of
that name (``layer1`` → ``0`` → ``conv1``), so that the table reads as the model's own module tree; a block
that is one residual section and the layers after it *is* that residual block (torchvision's Bottleneck),
as the zoo writes it by hand.

Where paths cross, no nest of blocks holds them. A concatenation whose inputs build on one another
(conv1 → conv3 → conv5, all concatenated) is rewritten as nested concatenations — the same channels in the
same order. Any other crossing section (NASNet's cells read the cell before last as well as the last) becomes
a :class:`~shapecalc.layers.Graph` block: its layers wired by their inputs, rows among their parent's, the
receptive field following every path.
"""

from dataclasses import dataclass, field

from .errors import ConfigError
from .layers import Branches, Composite, Concat, Graph, Layer, Network, Residual, Sequential

__all__ = ["Node", "to_network"]


@dataclass
class Node:
    """One layer of an imported graph: ``name`` a unique dotted path, ``layer`` a shapecalc leaf (``None``
    for the graph's input), ``inputs`` the names of the nodes it reads, in argument order."""

    name: str
    layer: Layer | None
    inputs: tuple[str, ...] = field(default_factory=tuple)


def to_network(nodes, title, input_shape, output=None, source="", description=""):
    """The :class:`~shapecalc.layers.Network` of ``nodes`` (execution order, the input first) up to
    ``output`` (default: the last node)."""
    nodes = list(nodes)
    if not nodes or nodes[0].layer is not None:
        raise ConfigError("an imported graph starts with its input node (layer None)", title)
    by_name = {}
    for node in nodes:
        if node.name in by_name:
            raise ConfigError(f"two nodes of the graph are both named {node.name!r}", title)
        for i in node.inputs:
            if i not in by_name:
                raise ConfigError(f"node {node.name!r} reads {i!r}, which is not before it", title)
        if node.layer is None and node is not nodes[0]:
            raise ConfigError(f"the graph has a second input, {node.name!r}: shapecalc analyses one input", title)
        by_name[node.name] = node
    output = nodes[-1].name if output is None else output
    if output not in by_name:
        raise ConfigError(f"the graph has no node {output!r}", title)
    while True:
        graph = _Graph(nodes, by_name, output, title)
        try:
            items = graph.series(nodes[0].name, output, graph.ancestors(output))
            break
        except _Tangled as e:
            # a concatenation of paths that build on one another (conv1 → conv3 → conv5, all three
            # concatenated): the same channels, in the same order, as nested concatenations (each rewrite
            # leaves fewer inputs to that concatenation: this ends)
            nodes = _nest_concat(nodes, by_name[e.merge], graph)
            by_name = {n.name: n for n in nodes}
    renamed = {}
    layers = _group(items, "", renamed)
    network = Network(title, layers, input_shape, description=description, source=source)
    #: the nodes whose row has another path than their name (a merge named from the block it lands in, a
    #: graph block's node deeper than the block)
    network.renamed = renamed
    return network


# ---------------------------------------------------------------------------------------------------------
# the series-parallel structure


@dataclass
class _Parallel:
    """Paths from one node that meet again at ``merge``: ``branches`` are lists of items (an empty list is
    the identity)."""

    branches: list
    merge: Node
    #: the node whose output the paths start from
    source: str = None
    #: (worked out once, by _scope) the deepest block path shared by all its nodes
    scope: tuple = None

    def nodes(self):
        for branch in self.branches:
            for item in branch:
                yield from (item.nodes() if isinstance(item, _Parallel) else (item,))
        yield self.merge


@dataclass
class _Dag:
    """A section whose paths cross (no nest of blocks holds it): its nodes in execution order, the last its
    merge, read from ``source``."""

    source: str
    members: list
    scope: tuple = None

    def nodes(self):
        return iter(self.members)


def _nestable(merge, graph):
    """Whether :func:`_nest_concat` can rewrite ``merge``: a concatenation of three inputs or more, one of
    them computed from the one before it."""
    inputs = merge.inputs
    return isinstance(merge.layer, Concat) and len(inputs) >= 3 and any(
        inputs[j] in graph.ancestors(inputs[j + 1]) for j in range(len(inputs) - 1))


class _Tangled(Exception):
    """A section whose paths are not disjoint branches (``merge``: the node where they meet)."""

    def __init__(self, merge, text, title):
        super().__init__(text)
        self.merge = merge


def _nest_concat(nodes, merge, graph):
    """``nodes`` with the concatenation ``merge`` of several inputs, where one input is computed from the one
    before it, rewritten as nested concatenations (from the right: cat(a, cat(b, c)) where c reads b), each
    a new node named after it; None where no input builds on its neighbour (or the merge is no concat)."""
    inputs = list(merge.inputs)
    if not isinstance(merge.layer, Concat) or len(inputs) < 3:
        return None
    nodes = list(nodes)
    n = 0
    for j in range(len(inputs) - 2, -1, -1):
        if j + 1 < len(inputs) and inputs[j] in graph.ancestors(inputs[j + 1]) and len(inputs) > 2:
            n += 1
            name = f"{merge.name}_{n}"
            while name in graph.by_name:
                name += "_"
            pair = Node(name, Concat(), (inputs[j], inputs[j + 1]))
            # (placed right after the later of the two, so that the order stays one of execution)
            at = max(i for i, node in enumerate(nodes) if node.name in pair.inputs) + 1
            nodes.insert(at, pair)
            graph.by_name[name] = pair
            inputs[j:j + 2] = [name]
    if n == 0:
        return None
    i = nodes.index(merge)
    nodes[i] = Node(merge.name, merge.layer, tuple(inputs))
    return nodes


class _Graph:
    def __init__(self, nodes, by_name, output, title):
        self.by_name = by_name
        self.order = {n.name: i for i, n in enumerate(nodes)}
        self.title = title

    def ancestors(self, name, within=None):
        """``name`` and every node it reads from, directly or not (inside ``within``)."""
        seen = {name}
        todo = [name]
        while todo:
            for i in self.by_name[todo.pop()].inputs:
                if i not in seen and (within is None or i in within):
                    seen.add(i)
                    todo.append(i)
        return seen

    def series(self, source, sink, within):
        """The items from ``source`` (excluded: its output is their input) to ``sink`` (included), over the
        nodes ``within`` (the nodes on paths between them)."""
        ordered = sorted((n for n in within if n != source), key=self.order.__getitem__)
        # a node is on every path from source to sink where no edge jumps over it (in execution order)
        pos = {source: 0}
        for i, name in enumerate(ordered, 1):
            pos[name] = i
        reach = [0] * (len(ordered) + 1)  # the furthest position read from before each position
        furthest = 0
        for name in [source] + ordered:
            p = pos[name]
            reach[p] = furthest
            for reader in self._readers(name, within):
                furthest = max(furthest, pos[reader])
        cuts = [name for name in ordered if reach[pos[name]] <= pos[name]]
        items, before = [], source
        for cut in cuts:
            inside = [n for n in ordered if pos[before] < pos[n] < pos[cut]]
            node = self.by_name[cut]
            if not inside and set(node.inputs) <= {before} and (node.layer is None or not node.layer.merges):
                items.append(node)
            else:
                try:
                    items.append(self.parallel(before, node, set(inside)))
                except _Tangled as e:
                    if _nestable(self.by_name[e.merge], self):
                        raise  # (to_network nests the concatenation, and starts again)
                    # paths that no nest of blocks holds (NASNet's cells): the section as a graph block
                    items.append(_Dag(before, [self.by_name[n] for n in inside] + [node]))
            before = cut
        return items

    def _readers(self, name, within):
        readers = self._readers_of().get(name, ())
        return [r for r in readers if r in within]

    def _readers_of(self):
        if not hasattr(self, "_readers_cache"):
            cache = {}
            for node in self.by_name.values():
                for i in dict.fromkeys(node.inputs):
                    cache.setdefault(i, []).append(node.name)
            self._readers_cache = cache
        return self._readers_cache

    def parallel(self, source, merge, inside):
        """The section from ``source`` to the merge node ``merge``, whose paths run through ``inside``."""
        if merge.layer is None or not merge.layer.merges:
            raise ConfigError(
                f"{merge.name} reads several paths from {source} but is no merge (add, concat, mul): shapecalc's "
                "blocks cannot hold it", self.title)
        branches, taken = [], set()
        for i in merge.inputs:
            if i == source:
                branches.append([])
                continue
            nodes = self.ancestors(i, inside)
            shared = nodes & taken
            if shared:
                raise _Tangled(merge.name,
                    f"the paths into {merge.name} share {sorted(shared)[0]}: the graph is not a nest of sequences "
                    "and parallel branches, which shapecalc's blocks need", self.title)
            taken |= nodes
            branches.append(self.series(source, i, nodes | {source}))
        left = inside - taken
        if left:
            raise _Tangled(merge.name,
                f"{sorted(left, key=self.order.__getitem__)[0]} leaves the section from {source} to {merge.name} "
                "without joining it: the graph is not a nest of sequences and parallel branches", self.title)
        return _Parallel(branches, merge, source)


# ---------------------------------------------------------------------------------------------------------
# blocks from the dotted paths


def _scope(item):
    """The path of the block an item belongs in: a node's parent path, a parallel section's deepest path
    shared by all its nodes (their parents')."""
    if not isinstance(item, (_Parallel, _Dag)):
        return _parent(item.name)
    if item.scope is not None:
        return item.scope
    common = None
    for node in item.nodes():
        parts = _parent(node.name)
        if common is None:
            common = parts
        else:
            n = 0
            while n < min(len(common), len(parts)) and common[n] == parts[n]:
                n += 1
            common = common[:n]
    item.scope = common
    return common


def _parent(name):
    return tuple(name.split("."))[:-1]


def _group(items, prefix, renamed):
    """``items`` (at block path ``prefix``, a tuple of names) as layers: consecutive items under one child
    path become a block of that name."""
    prefix = tuple(prefix) if prefix else ()
    out, i = [], 0
    while i < len(items):
        scope = _scope(items[i])
        if scope[:len(prefix)] != prefix:
            scope = prefix  # (an item scoped outside this block: kept here)
        if len(scope) > len(prefix):
            key = scope[len(prefix)]
            j = i
            while j < len(items):
                s = _scope(items[j])
                if len(s) <= len(prefix) or s[:len(prefix)] != prefix or s[len(prefix)] != key:
                    break
                j += 1
            out.append(_block(items[i:j], prefix + (key,), renamed))
            i = j
        else:
            out.append(_item(items[i], prefix, renamed, flat=True))
            i += 1
    return out


def _block(items, path, renamed):
    """The block at ``path`` holding ``items``: the residual or branches block itself where it is one parallel
    section followed by layers (a ResNet block and its last ReLU), else a sequence."""
    name = path[-1]
    if isinstance(items[0], _Parallel) and _scope(items[0]) == path and all(
            not isinstance(it, _Parallel) and _parent(it.name) == path for it in items[1:]):
        post = [_leaf(it) for it in items[1:]]
        return _section(items[0], path, renamed, post=post, name=name)
    return Sequential(*_group(items, path, renamed), name=name)


def _item(item, prefix, renamed, flat):
    if isinstance(item, _Parallel):
        return _section(item, prefix, renamed, flat=flat)
    if isinstance(item, _Dag):
        return _graph_block(item, prefix, renamed)
    return _leaf(item)


def _graph_block(dag, path, renamed):
    """A crossing section as a :class:`~shapecalc.layers.Graph` block among the rows at ``path``: each node
    named by its path from there (dots as underscores, to stay one name)."""
    index = {dag.source: -1}
    steps = []
    for i, node in enumerate(dag.members):
        parts = node.name.split(".")
        layer = node.layer
        inner = parts[len(path):] if tuple(parts[:len(path)]) == tuple(path) else parts[-1:]
        layer.name = "_".join(inner)
        renamed.pop(node.name, None)  # (a name given while the section was tried as blocks)
        if len(inner) > 1:
            renamed[node.name] = ".".join(tuple(path) + (layer.name,))
        steps.append((layer, tuple(index[n] for n in node.inputs)))
        index[node.name] = i
    return Graph(steps)


def _leaf(node):
    layer = node.layer
    layer.name = node.name.rsplit(".", 1)[-1]
    return layer


def _section(par, path, renamed, post=(), name=None, flat=False):
    """A parallel section as a Residual or Branches block at ``path``."""
    merge = _leaf(par.merge)
    parts = par.merge.name.split(".")
    if tuple(parts[:-1]) != tuple(path):
        # a merge written in another block's forward (DenseNet's concatenation, in the next layer's): named by
        # its path from here, so that two such merges in one block do not share a name
        merge.name = "_".join(parts[len(path):]) if tuple(parts[:len(path)]) == tuple(path) else parts[-1]
        renamed[par.merge.name] = ".".join(tuple(path) + (merge.name,))
    branches = [_group(b, path, renamed) for b in par.branches]
    identity = [b for b in branches if not b]
    if len(branches) == 2 and (identity or merge.kind != "concat" or name is None):
        # (two paths concatenated inside a block, Inception v3's branch3x3_2a and _2b: a flat residual block
        # whose merge is the concatenation keeps both paths' rows where the model has them)
        body, shortcut = branches
        if not body or (merge.kind != "concat" and shortcut and _size(par.branches[1]) > _size(par.branches[0])):
            body, shortcut = shortcut, body
        short = None
        if shortcut:
            if not (len(shortcut) == 1 and isinstance(shortcut[0], Sequential) and shortcut[0].name):
                # a shortcut of several layers of this block (Keras' projections, SqueezeNet's expand3x3 and
                # its activation): a residual block would put them under a "shortcut" of its own; a graph
                # block keeps every row where the model has it
                return _as_graph(par, path, renamed, post, name)
            short = shortcut[0]
        return Residual(Sequential(*body), shortcut=short, post=list(post), merge=merge,
                        flat=flat and not post and name is None, name=name)
    if name is None:
        # (branches inside a block's forward, no block of their own: the same)
        return _as_graph(par, path, renamed, post, name)
    named = all(len(b) == 1 and isinstance(b[0], Composite) and b[0].name for b in branches)
    if named and len({b[0].name for b in branches}) == len(branches):
        parts = [b[0] if isinstance(b[0], Sequential) else Sequential(b[0], name=b[0].name) for b in branches]
        return Branches(*parts, merge=merge, post=list(post), name=name)
    return Branches(*[Sequential(*b) for b in branches], merge=merge, post=list(post), flat=True, name=name)


def _as_graph(par, path, renamed, post, name):
    """A parallel section as a graph block (and the layers after it, in a block ``name`` where it is one)."""
    graph = _graph_block(_Dag(par.source, list(par.nodes())), path, renamed)
    return Sequential(graph, *post, name=name) if name is not None else graph


def _size(items):
    return sum(1 for it in items for _ in (it.nodes() if isinstance(it, (_Parallel, _Dag)) else (it,)))
