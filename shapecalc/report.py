"""``summary()``: analyse a network and present the result as a table, JSON or CSV.

>>> from shapecalc import summary
>>> s = summary("cnn-39x31", no_bias=True)
>>> s["conv1"].params, s["conv2"].params, s["conv3"].params, s["conv4"].params
(320, 7200, 21600, 19200)
>>> s["conv1"].output_shape
(36, 28, 20)
"""

from types import SimpleNamespace

from .analysis import NumericContext, plan_of, run
from .errors import ConfigError, UnknownLayerError
from .shapes import DTYPE_BYTES, MAX_SIZE, format_int, format_shape

__all__ = ["summary", "Summary", "resolve", "SCHEMA"]

#: the ``schema`` of the summary's JSON (docs/json.md)
SCHEMA = "shapecalc.summary/1"


def resolve(model, **options):
    """A :class:`~shapecalc.layers.Network` (or layer tree) from a zoo name or an object."""
    if isinstance(model, str):
        from .sources import load

        return load(model, **options)
    if options:
        raise ConfigError(f"options {sorted(options)} apply to zoo names only", "summary")
    from .layers import Composite, Layer, Sequential

    if isinstance(model, (list, tuple)):
        return Sequential(*model)
    if isinstance(model, (Layer, Composite)):
        return model
    raise ConfigError(f"expected a zoo name, a Network or a list of layers, received {type(model).__name__}", "summary")


def summary(model, input=None, batch=1, no_bias=False, strict=False, freeze=None, dtype="float32",
            convention="macs", trainable=None, **options):
    """Analyse ``model`` (a zoo name such as ``"alexnet"``, a :class:`~shapecalc.layers.Network`, a layer
    or a list of layers) on ``input`` (``(H, W, C)`` or ``(N,)``; default: the network's own).

    Letters in ``input`` (``("H", "W", 3)``) switch to symbolic mode. Extra keyword ``options`` go to the
    zoo network's factory (``shortcut="A"`` for the ResNets).
    """
    input_size = options.pop("input_size", None)
    if _is_torch_module(model):
        # a user's own PyTorch module: read through torch.fx at a whole-number size (the given one, else its
        # default 224×224×3), then analysed like any network, at symbolic sizes too
        from .from_torch import input_shape

        if input_size is not None:
            if input is not None:
                raise ConfigError("give input or torchinfo's input_size, not both", "summary")
            input = input_size
        if isinstance(input, str):
            # a text shape is shapecalc's order ("16x112x112x3": a volume)
            from .shapes import parse_shape

            input = parse_shape(input, allow_symbols=True)
        elif input is not None:
            # a tuple may be torchinfo's (1, C, H, W) or (1, C, D, H, W)
            input = input_shape(input)
        numeric = input if input is not None and all(isinstance(d, int) for d in input) else None
        model = _import_module(model, numeric, options)
    elif input_size is not None:
        raise ConfigError("input_size (torchinfo's (1, C, H, W)) applies to PyTorch modules; use input=(H, W, C)",
                          "summary")
    network = resolve(model, **options)
    if input is None:
        input = getattr(network, "input_shape", None)
        if input is None:
            raise ConfigError("this model has no default input: pass input=(H, W, C)", "summary")
    if isinstance(input, str):
        from .shapes import parse_shape

        input = parse_shape(input, allow_symbols=True)
    if not isinstance(input, (list, tuple)):
        raise ConfigError(f"input must be a shape such as (224, 224, 3) or '224x224x3', received {input!r}", "input")
    input = tuple(input)
    if any(isinstance(d, str) for d in input):
        from .symbolic import symbolic_summary

        return symbolic_summary(network, input, batch=batch, no_bias=no_bias, freeze=freeze, dtype=dtype,
                                convention=convention, trainable=trainable)
    _check_options(input, batch, dtype, convention)
    if len(input) == 3 and input[1] == input[0]:
        # a square input as one size object: the walk recognises a square map by identity (the layers then
        # work H out once for both axes); parse_shape makes two equal ints of "512x512x3"
        input = (input[0], input[0], input[2])
    plan = plan_of(network, input)
    rows = run(plan, input, NumericContext(strict=strict), batch=batch, no_bias=no_bias)
    if getattr(network, "frozen_paths", None):
        freeze_paths(rows, network.frozen_paths)
    if freeze:
        apply_freeze(rows, freeze, trainable)
    elif trainable:
        raise ConfigError("trainable patterns make layers that freeze froze trainable again: give freeze too",
                          "--trainable")
    name = getattr(network, "title", None) or (model if isinstance(model, str) else type(network).__name__)
    s = Summary(name, input, rows, batch=batch, dtype=dtype, convention=convention, no_bias=no_bias)
    s.network = network
    s._plan = plan
    return s


def _is_torch_module(model):
    import sys

    torch = sys.modules.get("torch")  # (a module object exists only where torch was imported)
    return torch is not None and isinstance(model, torch.nn.Module)


def _import_module(module, numeric, options):
    from .from_torch import module_network

    if options:
        raise ConfigError(f"options {sorted(options)} apply to zoo names only", "summary")
    return module_network(module, numeric or (224, 224, 3))


def _check_options(input, batch, dtype, convention):
    from .conventions import get

    if len(input) not in (1, 2, 3, 4) or any(isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in input):
        raise ConfigError(f"input must be (H, W, C), (L, C), (D, H, W, C) or (N,) with sizes ≥ 1, received {input!r}",
                          "input")
    for d in input:
        if d > MAX_SIZE:
            raise ConfigError(f"size {d} in {input!r} is larger than the limit {MAX_SIZE:,}", "input")
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ConfigError(f"batch must be a whole number ≥ 1, received {batch!r}", "--batch")
    if batch > MAX_SIZE:
        raise ConfigError(f"batch {batch} is larger than the limit {MAX_SIZE:,}", "--batch")
    if not isinstance(dtype, str) or dtype not in DTYPE_BYTES:
        raise ConfigError(f"unknown dtype {dtype!r}; expected one of: {', '.join(DTYPE_BYTES)}", "--dtype")
    if not isinstance(convention, str):
        raise ConfigError(f"convention must be a name such as 'macs', received {convention!r}", "--convention")
    get(convention)


def apply_freeze(rows, freeze, trainable=None):
    """Mark frozen the layers ``freeze`` names, then trainable again those ``trainable`` names (see
    :func:`frozen_paths`), and the blocks around them (:func:`freeze_paths`)."""
    paths = frozen_paths(rows, freeze)
    if trainable:
        paths -= frozen_paths(rows, trainable, what="--trainable", up_to=False)
    freeze_paths(rows, paths)


#: the characters that make a --freeze pattern a glob
_GLOB = set("*?[")


def frozen_paths(rows, patterns, what="--freeze", up_to=True):
    """The leaf paths that ``patterns`` name: one pattern or several (a list, a set). A glob (``layer1.*``,
    ``*.bn?``) names the layers whose path it matches and every layer inside a block whose path it matches;
    a plain name names, for --freeze, every layer up to and including that layer or block (the transfer
    learner's "freeze the backbone up to conv3"), for --trainable that layer or block alone."""
    import fnmatch

    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, (list, tuple, set, frozenset)) or not patterns:
        raise ConfigError(f"{what.lstrip('-')} expects a layer name such as 'conv3', a pattern such as 'layer1.*', "
                          f"or a list of them, received {patterns!r}", what)
    paths = set()
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern.strip():
            raise ConfigError(f"{what.lstrip('-')} expects a layer name such as 'conv3' or a pattern such as "
                              f"'layer1.*', received {pattern!r}", what)
        glob = bool(_GLOB & set(pattern))
        hits = [i for i, r in enumerate(rows) if (fnmatch.fnmatchcase(r.path, pattern) if glob else
                                                   r.path == pattern or r.path.startswith(pattern + "."))]
        if not hits:
            from .suggest import closest

            raise ConfigError(f"no layer {'matches' if glob else 'named'} {pattern!r}"
                              f"{closest(pattern, [r.path for r in rows])}", what)
        if up_to and not glob:
            paths.update(r.path for r in rows[: hits[-1] + 1] if r.leaf)
            continue
        chosen = {rows[i].path for i in hits}
        paths.update(r.path for r in rows if r.leaf and (r.path in chosen or any(
            r.path.startswith(c + ".") for c in chosen)))
    return paths


def freeze_paths(rows, paths):
    """Mark the leaf rows at ``paths`` frozen (--freeze, --trainable; an imported module's
    ``requires_grad=False`` parameters), and the blocks around them: frozen where all of their layers are,
    else their frozen parameters not trainable (``fixed``) and their row no stand-in for their layers
    (``plain``)."""
    open_blocks = []
    for row in rows + [None]:
        while open_blocks and (row is None or row.depth <= open_blocks[-1][0].depth):
            block, all_frozen = open_blocks.pop()
            block.frozen = all_frozen
            if open_blocks:
                open_blocks[-1][1] = open_blocks[-1][1] and all_frozen
        if row is None:
            break
        if not row.leaf:
            open_blocks.append([row, True])
            continue
        if row.path in paths:
            row.frozen = True
            if row.trainable and row.params:
                for entry in open_blocks:
                    entry[0].fixed += row.params
                    entry[0].plain = False
        else:
            for entry in open_blocks:
                entry[1] = False


class Summary:
    """The analysis of one network on one input: rows, totals, and their presentations.

    ``str(s)`` is the table; ``s.rows`` the leaf rows; ``s.totals`` a dict; ``s["conv1"]`` one row.
    """

    #: the network analysed (for its PyTorch realisation), where :func:`summary` made the summary
    network = None
    _plan = None

    def __init__(self, model, input_shape, all_rows, batch=1, dtype="float32", convention="macs", no_bias=False):
        self.model = model
        self.input_shape = tuple(input_shape)
        self.all_rows = all_rows
        self.batch = batch
        self.dtype = dtype
        self.convention = convention
        self.no_bias = no_bias

    # -- data --

    @property
    def plan(self):
        """The plan (:mod:`shapecalc.plan`) its walk ran, which the PyTorch builder and the memory estimate
        run too; for a summary made by hand, its layers in a chain."""
        if self._plan is None:
            from .analysis import plan_of
            from .layers import Sequential

            network = self.network if self.network is not None else Sequential(*[r.layer for r in self.rows])
            self._plan = plan_of(network, self.input_shape)
        return self._plan

    @property
    def rows(self):
        """The leaf rows (every layer, side heads included), in execution order."""
        return [r for r in self.all_rows if r.leaf]

    def __contains__(self, name):
        """``"conv1" in s``: a layer or block of that path (or of that name, where one has it)."""
        if not isinstance(name, str):
            return False
        return any(r.path == name or r.name == name for r in self.all_rows)

    def __getitem__(self, name):
        if isinstance(name, int) and not isinstance(name, bool):
            # s[i]: the i-th layer, as s.rows[i] (len(s) and iteration count layers too)
            return self.rows[name]
        if isinstance(name, slice):
            return self.rows[name]
        for row in self.all_rows:
            if row.path == name:
                return row
        matches = [r for r in self.all_rows if r.name == name]
        if len(matches) == 1:
            return matches[0]
        from .suggest import closest

        if matches:
            raise UnknownLayerError(f"{name!r} is ambiguous: {', '.join(r.path for r in matches)}", self.model)
        raise UnknownLayerError(f"no layer named {name!r}{closest(name, [r.path for r in self.all_rows])}", self.model)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    @property
    def warnings(self):
        """``(path, text)`` for every warning, in execution order."""
        return [(r.path, w) for r in self.all_rows if r.leaf for w in r.warnings]

    @property
    def notes(self):
        """``(path, text)`` for every note: a textbook formula (H − F + 2P)/S + 1 that is not whole where
        every real input row is still read (what the rounding leaves over is padding)."""
        return [(r.path, n) for r in self.all_rows if r.leaf for n in r.notes]

    @property
    def totals(self):
        """Whole-network figures. ``params`` and ``macs`` are at inference (side heads excluded);
        ``side_head_params`` and ``params_with_side_heads`` are the training view."""
        from .conventions import ADDITIVE, get

        counter = None if self.convention in ADDITIVE else get(self.convention)
        weights = biases = fixed = buffers = macs = bias_adds = operations = activations = 0
        side_params = side_macs = 0
        # one pass over the leaves, summing the stored figures only: the derived ones (params, trainable
        # params, connections, an additive convention's operations) are the rows' rules applied to the sums.
        # A block's row already holds the sums of its layers: where nothing inside it is a side head, fixed
        # or frozen (``plain``: set by the walk, cleared by apply_freeze), its row stands for them and the
        # loop skips to the rows after it (an additive convention only: the others count row by row).
        inside = None
        for r in self.all_rows:
            if inside is not None:
                if r.depth > inside:
                    continue
                inside = None
            if not r.leaf:
                if counter is not None or not r.plain:
                    continue
                # a plain block (on the main path, trainable, unfrozen): summed below as a leaf is, and the
                # rows inside it skipped
                inside = r.depth
            elif r.side_head:
                side_params += r.params
                side_macs += r.macs
                continue
            weights += r.weights
            biases += r.biases
            if not r.trainable or r.frozen:
                fixed += r.params
            buffers += r.buffers
            macs += r.macs
            bias_adds += r.bias_adds
            activations += r.activations
            if counter is not None:
                operations += counter(r)
        # the definitions of Row.params and Row.connections, on the sums
        params = weights + biases
        connections = macs + bias_adds
        if counter is None:
            # an additive convention counts the sums as it counts a row
            operations = get(self.convention)(SimpleNamespace(macs=macs, bias_adds=bias_adds))
        return {
            "params": params,
            # trainable = Σ params − Σ params of fixed (RBF centres) or frozen rows
            "trainable_params": params - fixed,
            "non_trainable_params": fixed,
            "buffers": buffers,
            "side_head_params": side_params,
            "params_with_side_heads": params + side_params,
            "macs": macs,
            "flops": 2 * macs,
            "connections": connections,
            "operations": operations,
            "side_head_macs": side_macs,
            "activations": activations,
            "activation_bytes": activations * DTYPE_BYTES[self.dtype],
        }

    @property
    def partial(self):
        """The layers shapecalc has no rule for (an imported model's unsupported modules or ops): their MACs
        are unknown, so every MAC total of this summary is a lower bound. ``[]`` for a complete summary."""
        return [r for r in self.rows if r.layer.uncounted]

    def partial_line(self):
        """What a partial summary lacks, in one line (None where it is complete)."""
        missing = self.partial
        if not missing:
            return None
        what = list(dict.fromkeys(r.layer.what for r in missing))
        return (f"partial: {len(missing)} layer(s) without a rule ({', '.join(what[:8])}"
                f"{', …' if len(what) > 8 else ''}): their MACs are not counted, so the MAC totals are lower "
                "bounds; describe a module with shapecalc.register (docs/importing.md)")

    def to_dict(self):
        """The documented JSON structure (see docs/json.md)."""
        from .conventions import get

        counter = get(self.convention)
        layers = []
        for r in self.rows:
            layers.append({
                "name": r.path,
                "kind": r.kind,
                "detail": r.detail,
                "output_shape": list(r.output_shape),
                **r.counts(),
                "operations": counter(r),
                "activations": r.activations,
                "receptive_field": list(r.receptive_field) if r.rf is not None else None,
                "jump": list(r.jump) if r.rf is not None else None,
                "start": list(r.start) if r.rf is not None else None,
                "sees_whole_input": sees_whole_input(r.rf, self.input_shape),
                "side_head": r.side_head,
                "frozen": r.frozen,
                "warnings": list(r.warnings),
                "notes": list(r.notes),
            })
        return {
            # the structure's name and version: a change that is not an added key raises the number
            "schema": SCHEMA,
            "model": self.model,
            "input": list(self.input_shape),
            "batch": self.batch,
            "dtype": self.dtype,
            "convention": self.convention,
            "no_bias": self.no_bias,
            "layers": layers,
            "totals": self.totals,
            "partial": [r.path for r in self.partial],
        }

    def to_json(self, indent=2):
        return dumps(self.to_dict(), indent)

    # -- tables --
    def visible_rows(self, depth=None):
        """Rows shown at ``depth`` (1 = top level only): leaves down to that depth, and the blocks at that
        depth folded into one row each."""
        if depth is None:
            return self.rows
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
            raise ConfigError(f"depth must be a whole number ≥ 1, received {depth!r}", "--depth")
        return [r for r in self.all_rows if (r.leaf and r.depth < depth) or (not r.leaf and r.depth == depth - 1)]

    def table_data(self, depth=None, channels_first=False, raw=False):
        """Header and rows of the layer table: text cells, or (``raw``) plain numbers for CSV."""
        number = (lambda v: v) if raw else format_int
        from .conventions import DESCRIPTIONS, get

        counter = get(self.convention)
        heading = DESCRIPTIONS[self.convention][0]
        header = ["layer", "type", "output", "params", heading, "RF", "notes"]
        body = []
        folded = self._folded_counts(depth, counter)
        for r in self.visible_rows(depth):
            rf = r.receptive_field
            body.append([
                r.path,
                r.detail,
                format_shape(r.output_shape, channels_first),
                number(r.params),
                number(counter(r) if r.leaf else folded[id(r)]),
                "" if rf is None else
                "whole input" if sees_whole_input(r.rf, self.input_shape) else "×".join(map(str, rf)),
                _notes(r),
            ])
        return header, body

    def explain(self, name=None, format="text"):
        """Layer ``name``'s figures (every layer's, or a block's layers') worked out step by step by the
        layers' own rules, as ``shapecalc explain`` prints them: "text", "markdown" or "latex"."""
        from .explain import explain_text

        return explain_text(self, None if name is None else [name], format)

    def memory(self, optimizer="adam", dtype=None, device="cuda"):
        """Training memory in exact bytes (a :class:`~shapecalc.memory.MemoryEstimate`): parameters,
        gradients, ``optimizer`` state, buffers and the activations kept for the backward pass, at this
        summary's batch and ``dtype`` (default: the summary's); see docs/memory.md."""
        from .memory import estimate

        return estimate(self, optimizer=optimizer, dtype=dtype, device=device)

    def _folded_counts(self, depth, counter):
        """``counter`` summed over the leaves of each block folded at ``depth``: {id(block row): sum}, in one
        pass (a block's rows follow it until the next row at its depth or above)."""
        sums = {}
        if depth is None:
            return sums
        block = None
        for r in self.all_rows:
            if block is not None and r.depth <= block.depth:
                block = None
            if not r.leaf and r.depth == depth - 1:
                block = r
                sums[id(r)] = 0
            elif r.leaf and block is not None:
                sums[id(block)] += counter(r)
        return sums

    def _leaves_under(self, row):
        prefix = row.path + "."
        return [r for r in self.all_rows if r.leaf and r.path.startswith(prefix)]

    def totals_lines(self):
        t = self.totals
        from .conventions import DESCRIPTIONS

        lines = [
            f"params: {format_int(t['params'])} (trainable {format_int(t['trainable_params'])}, "
            f"non-trainable {format_int(t['non_trainable_params'])})",
        ]
        if t["buffers"]:
            # what the buffers hold, as each kind that has them says, in order of appearance
            held = list(dict.fromkeys(r.layer.buffers_are for r in self.rows if r.buffers))
            lines.append(f"buffers: {format_int(t['buffers'])} ({' and '.join(held)}, not parameters)")
        if t["side_head_params"]:
            lines.append(
                f"side heads: {format_int(t['side_head_params'])} params, {format_int(t['side_head_macs'])} MACs "
                f"(in training: {format_int(t['params_with_side_heads'])} params)"
            )
        lines.append(f"MACs: {format_int(t['macs'])}   FLOPs (2×MACs): {format_int(t['flops'])}")
        if self.convention not in ("macs", "flops"):
            lines.append(f"{DESCRIPTIONS[self.convention][0]}: {format_int(t['operations'])}")
        lines.append(
            f"activations: {format_int(t['activations'])} elements = {format_bytes(t['activation_bytes'])} "
            f"at {self.dtype}"
        )
        partial = self.partial_line()
        if partial:
            lines.append(partial)
        return lines

    def title(self, channels_first=False):
        bias = ", biases not counted" if self.no_bias else ""
        return f"{self.model} — input {format_shape(self.input_shape, channels_first)}, batch {self.batch}{bias}"

    def table(self, depth=None, format="text", channels_first=False, warnings=True):
        """The per-layer table with its totals. ``format``: "text" (default), "json", "csv", or any
        tabulate format name ("github", "grid", "latex", …); ``warnings=False`` leaves the warnings' lines
        out (the table's ⚠ marks stay)."""
        if format == "json":
            return self.to_json()
        if format == "csv":
            return to_csv(*self.table_data(depth, channels_first, raw=True))
        if format == "tsv":
            # data for a spreadsheet, as CSV: the table alone (no title or totals lines around it)
            from .tables import tabulate_table

            return tabulate_table(*self.table_data(depth, channels_first), "tsv", align=_ALIGN)
        header, body = self.table_data(depth, channels_first)
        if format == "text":
            grid = plain_table(header, body, align=_ALIGN)
        else:
            from .tables import tabulate_table

            grid = tabulate_table(header, body, format, align=_ALIGN)
        parts = [self.title(channels_first), grid, ""] + self.totals_lines()
        found = self.warnings if warnings else ()
        if found:
            parts.append(f"warnings: real input that a window never reads ({len(found)}; --strict makes them "
                         "errors):")
            parts.extend(f"  ⚠ {path}: {text}" for path, text in found)
        noted = self.notes if warnings else ()
        if noted:
            parts.append(f"notes: (H − F + 2P)/S + 1 not whole, only padding left over ({len(noted)}; "
                         "--strict-whole makes them errors):")
            parts.extend(f"  · {path}: {text}" for path, text in noted)
        if format != "text":
            # (LaTeX: the title a caption, the lines below the table paragraphs; others as text)
            from .tables import framed

            return framed(parts[0], parts[1], parts[3:], format)
        return "\n".join(parts)

    def __str__(self):
        return self.table()

    # -- notebooks and plots (shapecalc/notebook.py, shapecalc/plot.py) --
    def _repr_html_(self):
        from .notebook import summary_html

        return summary_html(self)

    def _repr_markdown_(self):
        from .notebook import summary_markdown

        return summary_markdown(self)

    def to_dataframe(self, blocks=False):
        """A pandas DataFrame, one row per layer (``blocks``: block rows too); needs pandas."""
        from .notebook import summary_dataframe

        return summary_dataframe(self, blocks=blocks)

    def plot(self, path=None, depth=None):
        """Per-layer params and MACs and the feature-map pyramid (matplotlib); ``path``: write .png/.svg."""
        from .plot import plot_summary

        return plot_summary(self, path, depth=depth)

    def __repr__(self):
        t = self.totals
        return (f"<Summary {self.model} input={format_shape(self.input_shape)} layers={len(self.rows)} "
                f"params={format_int(t['params'])} macs={format_int(t['macs'])}>")


_ALIGN = ("left", "left", "right", "right", "right", "right", "left")


def sees_whole_input(rf, input_shape):
    """True where every unit of a layer sees every pixel of the input: its units share one field (it follows
    a layer that saw the whole map, a dense layer or a global pool: the map's extent is 1 along both axes)
    and that field reaches from row 0 to row H − 1 and from column 0 to column W − 1. Its size is then no
    figure to quote: AlexNet's fc6 spans 355×355 positions of a 227×227 input, padding included."""
    if rf is None or len(input_shape) != len(rf) + 1:
        return False
    for (size, _, start, extent), length in zip(rf, input_shape):
        if type(extent) is not int or extent != 1 or type(size) is not int or type(start) is not int:
            return False  # (several fields, or symbolic sizes)
        # the field covers positions start … start + size − 1
        if start > 0 or start + size - 1 < length - 1:
            return False
    return True


def _notes(r):
    """The table's "notes" cell of a row."""
    notes = []
    if r.leaf and r.layer.uncounted:
        notes.append("unsupported: MACs ?")
    if r.leaf and r.layer.shares is not None:
        notes.append(f"weights of {r.layer.shares}")
    if r.side_head:
        notes.append("side head")
    if r.frozen:
        notes.append("frozen")
    elif not r.leaf and r.fixed:
        notes.append(f"{format_int(r.fixed)} not trainable")
    if not r.trainable and r.params:
        notes.append("fixed")
    if r.buffers:
        notes.append(f"+{format_int(r.buffers)} buffers")
    if r.warnings:
        notes.append(f"⚠ {len(r.warnings)}" if len(r.warnings) > 1 or not r.leaf else "⚠")
    return "; ".join(notes)


def format_bytes(n):
    """Exact bytes and a readable unit: ``4,194,304 B (4.0 MiB)``."""
    if not isinstance(n, int):
        return f"{n} B"
    value, unit = float(n), "B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            break
        value /= 1024
    return f"{n:,} B" if unit == "B" else f"{n:,} B ({value:.1f} {unit})"


def dumps(data, indent=2):
    """JSON with short number lists (shapes, receptive fields) kept on one line."""
    import json
    import re

    text = json.dumps(data, indent=indent, ensure_ascii=False, default=str)
    return re.sub(r"\[\s+(-?\d+(?:,\s+-?\d+)*)\s+\]", lambda m: "[" + ", ".join(m.group(1).split()).replace(",,", ",") + "]", text)


def plain_table(header, body, align=None):
    """A dependency-free aligned text table (the default format; tabulate is imported only for others)."""
    rows = [[str(c) for c in header]] + [[str(c) for c in r] for r in body]
    widths = [max(map(len, column)) for column in zip(*rows)]
    align = align or ("left",) * len(header)
    # one %-template for every line (a fifth faster than str.format): each cell padded to its column's
    # width, on its side ("%-7s" pads on the right); a column of empty cells is padded to nothing
    line = "  ".join(("%" + ("" if how == "right" else "-") + str(w) + "s") if w else "%s"
                     for w, how in zip(widths, align))
    lines = [(line % tuple(r)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


#: what a spreadsheet evaluates at the start of a cell (a formula, or a DDE call after a tab or a return)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell):
    """A text cell that a spreadsheet would evaluate (``=HYPERLINK(…)``, ``@SUM(…)``, ``-2+3``) with a ``'``
    before it, so that it shows as the text it is; numbers and other cells unchanged. Every CSV and TSV
    shapecalc writes passes its cells through this: layer names, submitted labels and file names are the
    user's text, and teachers open these files in spreadsheets."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def to_csv(header, body):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([spreadsheet_safe(c) for c in header])
    writer.writerows([spreadsheet_safe(c) for c in row] for row in body)
    return buffer.getvalue()
