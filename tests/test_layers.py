"""The one-way layers (web → activitypub → local), checked by walking the imports with ast."""

import ast
from pathlib import Path

NODE = Path(__file__).resolve().parents[1] / "node"


def imports_of(path: Path, root: Path = NODE.parent) -> set[str]:
    """Every module name a file imports (top-level and inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    for item in ast.walk(tree):
        if isinstance(item, ast.Import):
            names.update(alias.name for alias in item.names)
        elif isinstance(item, ast.ImportFrom):
            if item.level:  # relative import: resolve against the package
                base = package.split(".")[: len(package.split(".")) - item.level + 1]
                module = ".".join(base + ([item.module] if item.module else []))
            else:
                module = item.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in item.names)
    return names


def under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def offending(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((NODE / folder).rglob("*.py")):
        for module in sorted(imports_of(path)):
            if any(under(module, prefix) for prefix in forbidden):
                found.append(f"{path.relative_to(NODE.parent)} imports {module}")
    return found


def test_local_imports_no_http_web_or_protocol():
    assert offending("local", ("aiohttp", "node.web", "node.activitypub")) == []


def test_local_uses_only_db_and_i18n_from_the_top_of_node():
    allowed = ("node.db", "node.i18n", "node.files", "node.local")
    found = []
    for path in sorted((NODE / "local").rglob("*.py")):
        for module in imports_of(path):
            if (
                under(module, "node")
                and module != "node"
                and not any(under(module, a) for a in allowed)
            ):
                found.append(f"{path.relative_to(NODE.parent)} imports {module}")
    assert sorted(set(found)) == []


def test_activitypub_never_imports_web():
    assert offending("activitypub", ("node.web",)) == []


# node/migrations/__init__.py is the migration runner that every frozen migration imports
# (`from node.migrations import create`); moving it would break migrations that must never change.
INIT_EXCEPTIONS = {NODE / "migrations" / "__init__.py"}


def test_init_files_hold_only_a_docstring_or_version():
    for path in sorted(set(NODE.rglob("__init__.py")) - INIT_EXCEPTIONS):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for index, statement in enumerate(tree.body):
            is_docstring = (
                index == 0
                and isinstance(statement, ast.Expr)
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
            )
            is_version = isinstance(statement, ast.Assign) and [
                t.id for t in statement.targets if isinstance(t, ast.Name)
            ] == ["__version__"]
            assert is_docstring or is_version, (
                f"{path.relative_to(NODE.parent)}: {ast.dump(statement)[:80]}"
            )


def test_the_checker_sees_a_forbidden_import(tmp_path):
    # a guard against a checker that silently finds nothing: the same walker, on a sample package
    bad = NODE / "local" / "models.py"
    assert "node.db.BaseModel" in imports_of(bad)
    sample = tmp_path / "node" / "local" / "x.py"
    sample.parent.mkdir(parents=True)
    sample.write_text(
        "from aiohttp import web\nimport node.web.render\n"
        "def late():\n    from . import y\n    from ..activitypub import outbox\n"
    )
    found = imports_of(sample, tmp_path)
    assert {"aiohttp", "aiohttp.web", "node.web.render", "node.local.y"} <= found
    assert "node.activitypub.outbox" in found


def module_graph() -> dict[str, set[str]]:
    """node module → the node modules it imports (importing node.x.y runs node.x's __init__
    too, so a package counts as imported)."""
    modules = {}
    for path in NODE.rglob("*.py"):
        parts = path.relative_to(NODE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return {
        name: {m for m in imports_of(path) if m in modules} - {name}
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_between_modules_of_node():
    assert cycles(module_graph()) == []


def test_the_cycle_finder_sees_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]


def test_handlers_never_call_each_other_nor_the_inbox():
    # a handler that hands over to another is a second dispatch table: dispatch.HANDLERS is the one
    handlers = "node.activitypub.handlers"
    forbidden = (handlers, "node.activitypub.inbox", "node.activitypub.dispatch")
    found = []
    for path in sorted((NODE / "activitypub" / "handlers").glob("*.py")):
        for module in sorted(imports_of(path)):
            if any(under(module, prefix) for prefix in forbidden):
                found.append(f"{path.name} imports {module}")
    assert found == []
    # and only the dispatcher (and the glue keeping one looked-up object, node/lookup.py) reaches
    # for them: no page or API handler calls a protocol handler
    users = {
        name
        for name, imported in module_graph().items()
        if any(under(m, handlers) for m in imported) and not under(name, handlers)
    }
    assert users == {"node.activitypub.dispatch", "node.lookup"}
