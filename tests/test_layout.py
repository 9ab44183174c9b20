"""The package's layout: import graph, public names, registries, cited names.

- No import cycles between ubhop's modules; the core never imports
  ``ubhop.experiments`` or the command line; no module imports a private name
  of another module.
- Adding a rule or an engine is one registration, and the command line offers it.
- Every ``ubhop.X`` name that the README and the package's docstrings cite exists.
"""

import ast
import importlib
import re
from pathlib import Path

import pytest

import ubhop
from ubhop import cli
from ubhop.engines import ENGINES, EngineSpec, register_engine, unregister_engine
from ubhop.rules import RULES, Rule, learn, register_rule, unregister_rule

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ubhop"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    """(imported module, imported names) of every import in the file."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text())
    # imports for type annotations only (under TYPE_CHECKING) never run
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and getattr(block.test, "id", None) == "TYPE_CHECKING"
                   for n in ast.walk(block)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            yield mod, [a.name for a in node.names]


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _graph():
    graph = {}
    for name, path in MODULES.items():
        deps = set()
        for mod, names in _imports(path):
            if not mod.startswith("ubhop"):
                continue
            # "from . import runs" imports the module ubhop.runs
            subs = [f"{mod}.{n}" for n in names if f"{mod}.{n}" in MODULES]
            deps.update(subs or ([mod] if mod in MODULES else []))
        graph[name] = deps - {name}
    return graph


def test_the_module_list_is_complete():
    assert {"ubhop.device", "ubhop.rules", "ubhop.engines.oommf", "ubhop.cli",
            "ubhop.experiments.associative", "ubhop.energy"} <= set(MODULES)


def test_no_import_cycles():
    graph = _graph()
    # package __init__ files re-export their children: leave those edges out
    for name in list(graph):
        graph[name] = {d for d in graph[name] if not (
            MODULES[d].name == "__init__.py" and name.startswith(d + "."))}
    state = {}

    def visit(node, stack):
        state[node] = 1
        for dep in graph.get(node, ()):
            if state.get(dep) == 1:
                cycle = stack[stack.index(dep):] + [dep]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            if state.get(dep) is None:
                visit(dep, stack + [dep])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [name])


def test_the_core_knows_nothing_of_the_experiments_or_the_cli():
    for name, deps in _graph().items():
        if name.startswith("ubhop.experiments") or name == "ubhop.cli":
            continue
        bad = {d for d in deps if d.startswith("ubhop.experiments") or d == "ubhop.cli"}
        assert not bad, f"{name} imports {sorted(bad)}"


def test_no_module_imports_a_private_name_of_another():
    offenders = []
    for name, path in MODULES.items():
        for mod, names in _imports(path):
            if mod.startswith("ubhop") and mod != name:
                offenders += [f"{name}: from {mod} import {n}" for n in names
                              if n.startswith("_") and not n.startswith("__")]
        tree = ast.parse(path.read_text())
        aliases = {a.asname or a.name for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and node.level
                   for a in node.names}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__")
                    and isinstance(node.value, ast.Name)
                    and node.value.id.lstrip("_") in {a.lstrip("_") for a in aliases}
                    and node.value.id not in ("self", "cls")):
                offenders.append(f"{name}: {node.value.id}.{node.attr}")
    assert not offenders, "\n".join(offenders)


def test_only_the_cli_and_the_worker_print():
    # domain modules return data; the command line prints (the magnum.np worker
    # is a separate process whose stdout is its progress channel)
    allowed = {"ubhop.cli", "ubhop.engines._magnumnp_worker"}
    offenders = []
    for name, path in MODULES.items():
        if name in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "print"):
                offenders.append(f"{name}:{node.lineno}")
    assert not offenders, offenders


def _choices(argv_prefix, option):
    parser = cli.build_parser()
    sub = parser._subparsers._group_actions[0].choices[argv_prefix]
    action = next(a for a in sub._actions if option in a.option_strings)
    return list(action.choices)


def test_a_registered_rule_is_one_registration_and_reaches_the_cli(capsys):
    rule = Rule("toy", lambda x: 0.5 * ubhop.outer_product(x), label="toy rule",
                description="half the outer product")
    register_rule(rule)
    try:
        assert "toy" in _choices("logic", "--rule")
        w = learn("toy", [[1, -1, 1, -1]])
        assert w[0, 1] == pytest.approx(-0.125)
        assert cli.main(["logic", "NAND", "--rule", "toy"]) == 0
        assert "learnt: yes" in capsys.readouterr().out
        with pytest.raises(ValueError, match="already registered"):
            register_rule(rule)
    finally:
        unregister_rule("toy")
    assert "toy" not in RULES and "toy" not in _choices("logic", "--rule")


def test_a_registered_engine_is_one_registration_and_reaches_the_cli():
    made = {}

    def factory(**options):
        made.update(options)
        return "toy engine"

    register_engine(EngineSpec("toy", factory, lambda: True, "a toy"))
    try:
        for command in ("demo", "train", "ensemble"):
            assert "toy" in _choices(command, "--engine")
        assert ubhop.get_engine("toy", n_threads=3) == "toy engine"
        assert made == {"n_threads": 3}
        # "auto" only tries engines that ask for it
        assert ubhop.engines.resolve_engine_name("auto") in ("oommf", "magnumnp")
    finally:
        unregister_engine("toy")
    assert "toy" not in ENGINES
    with pytest.raises(ValueError, match="Unknown engine 'toy'; choose one of"):
        ubhop.get_engine("toy")


def test_registries_reject_bad_entries():
    with pytest.raises(ValueError, match="identifier other than 'auto'"):
        EngineSpec("auto", lambda: None, lambda: True)
    with pytest.raises(ValueError, match="non-empty string"):
        Rule(" ", lambda x: x)
    with pytest.raises(TypeError, match="callable"):
        Rule("x", 3)
    with pytest.raises(ValueError, match="Unknown rule 'nope'"):
        learn("nope", [[1, -1]])
    register_rule(Rule("broken", lambda x: [[1.0]]))
    try:
        with pytest.raises(RuntimeError, match="shape"):
            learn("broken", [[1, -1, 1]])
    finally:
        unregister_rule("broken")


CITED = re.compile(r"\bubhop(?:\.[A-Za-z_][A-Za-z0-9_]*)+")


def _resolve(dotted: str):
    parts = dotted.split(".")
    obj = importlib.import_module(parts[0])
    for k, part in enumerate(parts[1:], start=1):
        try:  # a module first: ubhop.letters is a module and a function
            obj = importlib.import_module(".".join(parts[:k + 1]))
            continue
        except ModuleNotFoundError:
            pass
        if not hasattr(obj, part):
            raise AttributeError(f"{dotted}: no {part!r} in "
                                 f"{'.'.join(parts[:k])}")
        obj = getattr(obj, part)
    return obj


def _cited_names():
    texts = [ROOT / "README.md", *PACKAGE.rglob("*.py"),
             *(ROOT / "studies").rglob("*.md")]
    names = set()
    for path in texts:
        for m in CITED.finditer(path.read_text()):
            name = m.group(0).rstrip(".")
            if name.endswith((".py", ".toml", ".nc", ".json")):
                continue
            names.add(name)
    return sorted(names)


@pytest.mark.parametrize("name", _cited_names())
def test_every_cited_name_exists(name):
    _resolve(name)


def test_the_public_api():
    for name in ("Device", "Pad", "TrainingConfig", "train", "analyse", "get_engine",
                 "oersted_field", "conductance_matrix", "HopfieldNetwork",
                 "outer_product", "projection", "letter", "rules", "Pulse", "Relax"):
        assert name in ubhop.__all__ and hasattr(ubhop, name), name
