"""The package's shape: imports go one way (no cycle, counting imports inside functions too), and nothing under
lepreint/ imports the validation code that lives beside it."""

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "lepreint"


def _modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        name = ".".join(p.relative_to(PKG.parent).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = p
    return out


def import_graph() -> tuple[dict[str, set[str]], set[str]]:
    """Module -> lepreint modules it imports (anywhere in the file); and every top-level package imported."""
    mods = _modules()
    edges: dict[str, set[str]] = {m: set() for m in mods}
    roots: set[str] = set()
    for name, p in mods.items():
        pkg = name if p.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                    target = ".".join(parts + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                roots.add(target.split(".")[0])
                subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in mods]
                targets = subs if len(subs) == len(node.names) else [target, *subs]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
                roots.update(t.split(".")[0] for t in targets)
            else:
                continue
            edges[name].update(t for t in targets if t in mods and t != name)
    return edges, roots


def _cycles(edges):
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_the_import_graph_has_no_cycle():
    edges, _ = import_graph()
    assert len(edges) > 40
    assert _cycles(edges) == []


def test_nothing_in_the_package_imports_validation():
    _, roots = import_graph()
    assert "validation" not in roots
    assert not any(p.name.startswith("validation") for p in PKG.rglob("*.py"))


#: what the command line may use: the public API, parsing and its own error types; the physics and the file
#: formats live below it
CLI_MAY_IMPORT = {
    "lepreint",
    "lepreint._version",
    "lepreint.api",
    "lepreint.errors",
    "lepreint.units",
    "lepreint.models",  # the registry of model names (their choices on the command line)
    "lepreint.config.check",
    "lepreint.results.demo",
    "lepreint.stats.heavy_flavour",
    "lepreint.stats.limits",
}


def test_the_cli_only_parses_calls_and_renders():
    edges, _ = import_graph()
    assert edges["lepreint.cli"] <= CLI_MAY_IMPORT, edges["lepreint.cli"] - CLI_MAY_IMPORT
    text = (PKG / "cli.py").read_text()
    for word in ("awkward", "numpy", "pyhepmc", "pythia8mc", "read_hepmc", "signal_yields", "Detector("):
        assert word not in text, word


def test_every_registered_model_is_a_model_and_says_how_it_is_scanned():
    from lepreint.models import MODELS, model_module
    from lepreint.models.base import Model, ScanPlane

    for name in MODELS:
        mod = model_module(name)
        assert isinstance(mod, Model), name
        plane = getattr(mod, "SCAN", None)
        assert plane is None or (isinstance(plane, ScanPlane) and set(plane.axes) <= {"mc", "dm", "ctau", "u2"})


def test_imports_inside_functions_only_where_they_keep_startup_fast():
    """Imports of lepreint modules sit at the top of each module; only the API and the command line import the
    stages lazily (``import lepreint`` and ``lepreint --help`` load no physics)."""
    inner = []
    for p in PKG.rglob("*.py"):
        if p.name in ("api.py", "cli.py"):
            continue
        tree = ast.parse(p.read_text())
        top = {id(n) for n in tree.body}
        inner += [
            f"{p.name}:{n.lineno}"
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("lepreint") and id(n) not in top
        ]
    assert inner == []
