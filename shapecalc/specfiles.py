"""Networks read from files and from Python: :func:`load_spec_file` reads a text spec, or the structured
form of a ``.toml`` or ``.json`` file (:func:`build_structured`), as data; :func:`load_python` imports a
user's ``module:attr`` (the only path that runs user code, and only when asked). The text spec itself is
parsed by :mod:`shapecalc.spec`.
"""

import json

from . import layers as L
from .errors import ConfigError, ShapecalcError, SpecError, UserCodeError
from .spec import (ALIASES, _COMPOSITE_ALIASES, KINDS, MAX_NESTING, _fields, _hint, _Parser, _Source, _tuples,
                   _unwrap, parse_spec)

__all__ = ["load_spec_file", "build_structured", "load_python"]


# ---------------------------------------------------------------------------------------------------------
# files: text, TOML, JSON


#: the longest spec file read (a hand-written spec of the largest zoo network is under 100,000 characters)
MAX_SPEC_CHARS = 16 * 1024 * 1024


def load_spec_file(path):
    """A network from a file: ``.toml`` and ``.json`` hold the structured form, anything else the text spec.

    The file is read as data; nothing in it is executed.
    """
    import os

    try:
        with open(path, encoding="utf-8-sig") as f:
            # (a size cap: /dev/zero, or a file that is no spec, would be read until memory runs out)
            text = f.read(MAX_SPEC_CHARS + 1)
        if len(text) > MAX_SPEC_CHARS:
            raise SpecError(f"the spec file is larger than {MAX_SPEC_CHARS:,} characters: no network spec is that "
                            "long", str(path))
    except OSError as exc:
        raise SpecError(f"cannot read the spec file: {exc.strerror}", str(path)) from None
    except UnicodeDecodeError:
        raise SpecError("the spec file is not UTF-8 text", str(path)) from None
    ext = os.path.splitext(str(path))[1].lower()
    stem = os.path.splitext(os.path.basename(str(path)))[0]
    if ext == ".toml":
        try:
            import tomllib
        except ImportError:  # Python 3.10
            raise ConfigError("reading TOML needs Python 3.11 or later (tomllib); use a .json or text spec",
                              str(path)) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(f"not valid TOML: {exc}", str(path)) from None
        except RecursionError:
            raise SpecError("nested too deeply", str(path)) from None
        return build_structured(data, str(path), stem)
    if ext == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SpecError(f"not valid JSON: {exc}", str(path)) from None
        except RecursionError:
            raise SpecError("nested too deeply", str(path)) from None
        return build_structured(data, str(path), stem)
    return parse_spec(text, origin=str(path), title=stem)


def build_structured(data, origin="spec", title="spec"):
    """A network from the structured form (a dict, as read from TOML or JSON)::

        name = "cnn-39x31"
        input = "39x31x1"            # or [39, 31, 1]
        layers = [
          "conv1: conv 20 k4",        # a text item (or several: "conv 20 k4 | maxpool 2")
          { kind = "maxpool", kernel = 2, name = "pool1" },
          { kind = "branches", branches = [["conv 64 k1"], ["conv 96 k1", "conv 128 k3 p1"]], merge = "concat" },
        ]

    A ``spec = "..."`` key holds a whole text spec instead of ``layers``.
    """
    if not isinstance(data, dict):
        raise SpecError(f"expected a table of name, input and layers, received {type(data).__name__}", origin)
    known = {"name", "title", "network", "description", "source", "notes", "input", "layers", "spec"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SpecError(f"unknown key {unknown[0]!r} (expected: {', '.join(sorted(known))})", origin)
    name = data.get("name") or data.get("title") or data.get("network") or title
    if "spec" in data:
        if "layers" in data:
            raise SpecError("give either spec = \"...\" or layers = [...], not both", origin)
        net = parse_spec(str(data["spec"]), origin=origin, title=name)
        layers, input_shape = net.layers, net.input_shape
        if "input" in data:
            input_shape = _input_value(data["input"], origin)
    else:
        if "layers" not in data:
            raise SpecError("no layers: expected layers = [...] (or spec = \"...\")", origin)
        if "input" not in data:
            raise SpecError("no input shape: expected input = \"39x31x1\" (or [39, 31, 1])", origin)
        input_shape = _input_value(data["input"], origin)
        layers = _structured_layers(data["layers"], f"{origin}: layers")
    notes = data.get("notes", ())
    return L.Network(str(name), layers, input_shape, str(data.get("description", "")), str(data.get("source", "")),
                     tuple(notes) if isinstance(notes, (list, tuple)) else (str(notes),))


def _shown_value(value):
    """A value as the user wrote it: JSON for JSON's own (true, null), Python's repr for the rest (a TOML
    date, bytes from the API)."""
    try:
        return _clip_text(json.dumps(value))
    except (TypeError, ValueError):
        return _clip_text(repr(value))


def _clip_text(text, n=80):
    return text if len(text) <= n else text[: n - 1] + "…"


def _input_value(value, origin):
    from .shapes import parse_shape

    try:
        if isinstance(value, (list, tuple)):
            # a size is a whole number or a name such as "H": true, 31.5 or null are no sizes (str(True) would
            # make a symbolic size named True)
            for v in value:
                if isinstance(v, bool) or not isinstance(v, (int, str)):
                    raise SpecError(f"an input size must be a whole number or a name such as \"H\", received "
                                    f"{_shown_value(v)}", f"{origin}: input")
            value = "x".join(str(v) for v in value)
        elif not isinstance(value, str):
            raise SpecError(f"input must be a shape such as \"39x31x1\" or [39, 31, 1], received "
                            f"{_shown_value(value)}", f"{origin}: input")
        return parse_shape(str(value), allow_symbols=True, what="input")
    except ConfigError as exc:
        raise SpecError(exc.detail, f"{origin}: input") from None


def _structured_layers(items, where):
    if where.count("[") > 2 * MAX_NESTING:
        raise SpecError(f"more than {MAX_NESTING} nested blocks", where.split(":")[0])
    if isinstance(items, str):
        items = [items]
    if not isinstance(items, list):
        raise SpecError(f"expected a list of layers, received {type(items).__name__}", where)
    out = []
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        if isinstance(item, str):
            src = _Source(item, here)
            parser = _Parser(src)
            parsed = parser.network()
            out.extend(parsed)
        elif isinstance(item, dict):
            out.append(_structured_layer(item, here))
        elif isinstance(item, list):
            out.append(L.Sequential(*_structured_layers(item, here)))
        else:
            raise SpecError(f"expected a layer (text or table), received {item!r}", here)
    return out


def _structured_layer(item, where):
    item = dict(item)
    kind = str(item.pop("kind", item.pop("type", ""))).lower()
    if not kind:
        raise SpecError("a layer table needs kind = \"conv\" (or another kind)", where)
    name = item.pop("name", None)
    kind = _COMPOSITE_ALIASES.get(kind, ALIASES.get(kind, kind))
    try:
        if kind == "block":
            return L.Sequential(*_structured_layers(item.pop("layers", []), f"{where}.layers"), name=name)
        if kind == "side":
            return L.SideHead(*_structured_layers(item.pop("layers", []), f"{where}.layers"), name=name,
                              loss_weight=item.pop("loss_weight", None))
        if kind == "residual":
            body = _structured_layers(item.pop("body", []), f"{where}.body")
            shortcut = item.pop("shortcut", None)
            post = _structured_layers(item.pop("post", []), f"{where}.post")
            if shortcut is not None:
                shortcut = _unwrap(_structured_layers(shortcut, f"{where}.shortcut"))
            return L.Residual(_unwrap(body), shortcut=shortcut, post=post, merge=item.pop("merge", "add"),
                              flat=item.pop("flat", False), name=name)
        if kind == "branches":
            branches = item.pop("branches", [])
            if not isinstance(branches, list):
                raise SpecError("branches = [[...], [...]] lists the branches", where)
            post = _structured_layers(item.pop("post", []), f"{where}.post")
            flat = item.pop("flat", False)
            parts = [_structured_layers(b, f"{where}.branches[{j}]") for j, b in enumerate(branches)]
            return L.Branches(*[L.Sequential(*p) if flat is True else _unwrap(p) for p in parts],
                              merge=item.pop("merge", "concat"), post=post, flat=flat, name=name)
        if kind not in KINDS:
            from .suggest import closest

            raise SpecError(f"unknown layer kind {kind!r}{closest(kind, sorted(KINDS))}", where)
        cls = KINDS[kind]
        fields = _fields(cls)
        for key in item:
            if key not in fields:
                raise SpecError(f"{kind} takes no argument {key!r}" + _hint(cls, fields), where)
        kwargs = {k: _tuples(v) if isinstance(v, list) else v for k, v in item.items()}
        if cls is L.Input:
            shape = _input_value(kwargs.get("shape", ""), where)
            return L.Input(*shape, name=name)
        return cls(**kwargs, name=name)
    except ConfigError as exc:
        raise SpecError(exc.detail, where) from None
    except TypeError:
        cls = KINDS.get(kind)
        raise SpecError(f"{kind} is missing an argument" + (_hint(cls, _fields(cls)) if cls else ""), where) from None


# ---------------------------------------------------------------------------------------------------------
# Python objects (the only path that runs user code)


#: True once load_python has run a user's module in this process: the command line then ends with Python's
#: full shutdown, which that code may count on (a file it left open is flushed by its finalizer)
ran_user_code = False


def load_python(target):
    """Import ``module:attr`` (or ``path/to/file.py:attr``) and return the network it names.

    THIS RUNS THE MODULE'S CODE: it is the explicit ``--python`` option, never implied by a spec file.
    ``attr`` may be a :class:`~shapecalc.layers.Network`, a list of layers, a layer, or a function of no
    arguments returning one of those.
    """
    import importlib
    import importlib.util
    import os
    import sys

    if not isinstance(target, str) or ":" not in target:
        raise ConfigError(f"expected MODULE:ATTR (e.g. mynets:small_cnn), received {target!r}", "--python")
    module_name, _, attr = target.rpartition(":")
    if not module_name or not attr:
        raise ConfigError(f"expected MODULE:ATTR (e.g. mynets:small_cnn), received {target!r}", "--python")
    global ran_user_code
    ran_user_code = True
    where = module_name
    try:
        if module_name.endswith(".py") or os.sep in module_name:
            spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(module_name))[0],
                                                          module_name)
            if spec is None or not os.path.exists(module_name):
                raise ConfigError(f"no such file {module_name!r}", "--python")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        else:
            if os.getcwd() not in sys.path and "" not in sys.path:
                sys.path.insert(0, os.getcwd())
            module = importlib.import_module(module_name)
    except ShapecalcError:
        raise
    except ModuleNotFoundError as exc:
        if exc.name and module_name.split(".")[0] == exc.name:
            raise ConfigError(f"cannot import {module_name!r}: {exc}", "--python") from None
        raise _user_error(exc, where) from None
    except BaseException as exc:  # the user's code: a SyntaxError, an exception, a recursion, a SystemExit
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise _user_error(exc, where) from None
    try:
        obj = getattr(module, attr)
    except AttributeError:
        from .suggest import closest

        raise ConfigError(f"module {module_name!r} has no attribute {attr!r}"
                          f"{closest(attr, [n for n in dir(module) if not n.startswith('_')])}", "--python") from None
    torch = sys.modules.get("torch")
    is_module_class = torch is not None and isinstance(obj, type) and issubclass(obj, torch.nn.Module)
    if is_module_class or (callable(obj) and not isinstance(obj, (L.Layer, L.Composite)) and not isinstance(obj, type)
                           and not (torch is not None and isinstance(obj, torch.nn.Module))):
        try:
            obj = _construct(obj, torch) if is_module_class else obj()
        except ShapecalcError:
            raise
        except TypeError as exc:
            if is_module_class and "required positional argument" in str(exc):
                raise UserCodeError(f"{obj.__name__}() needs arguments ({exc}): give an instance (net = "
                                    f"{obj.__name__}(…)) or a function of no arguments that returns one",
                                    "--python") from None
            raise _user_error(exc, f"{where}:{attr}()") from None
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise _user_error(exc, f"{where}:{attr}()") from None
        torch = sys.modules.get("torch")
    if torch is not None and isinstance(obj, torch.nn.Module):
        return obj  # read by shapecalc.from_torch at the command's input size
    if isinstance(obj, L.Network):
        return obj
    if isinstance(obj, (list, tuple)) and obj and isinstance(obj[0], L.Input):
        return L.Network(attr, list(obj[1:]), obj[0].shape)
    if isinstance(obj, (list, tuple)):
        return L.Sequential(*obj)
    if isinstance(obj, (L.Layer, L.Composite)):
        return obj
    raise ConfigError(f"{target} is a {type(obj).__name__}, not a Network, a list of layers or a torch.nn.Module",
                      "--python")


def _construct(cls, torch):
    """An instance of a module class, without arguments: on the meta device (no memory, no random
    initialisation) where its constructor allows, else on the CPU."""
    try:
        with torch.device("meta"):
            module = cls()
        # (ours to move: --verify puts it on the device asked for)
        module._shapecalc_constructed = True
        return module
    except TypeError:
        raise
    except Exception:
        return cls()


def _user_error(exc, where):
    """An error raised by the user's own ``--python`` code: theirs to fix, reported as such (exit 2)."""
    import traceback

    text = " ".join(str(exc).split())
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "/shapecalc/" not in f.filename.replace("\\", "/") and not f.filename.startswith("<frozen")]
    at = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    if isinstance(exc, SyntaxError) and exc.lineno:
        at = f" at {str(exc.filename).rsplit('/', 1)[-1]}:{exc.lineno}"
        text = exc.msg
    if isinstance(exc, RecursionError):
        text = "maximum recursion depth exceeded"
    return UserCodeError(f"your code ({where}) raised {type(exc).__name__}{at}: {text[:300]}", "--python")
