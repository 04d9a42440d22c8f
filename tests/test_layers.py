"""The one-way layers (web → activitypub → local), checked by walking the imports with ast."""

import ast
from pathlib import Path

NODE = Path(__file__).resolve().parent.parent / "node"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    package = ".".join(path.relative_to(NODE.parent).with_suffix("").parts[:-1])
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
# node/activitypub/handlers/__init__.py is the one dispatch table STYLE.md asks for (HANDLERS).
INIT_EXCEPTIONS = {
    NODE / "migrations" / "__init__.py",
    NODE / "activitypub" / "handlers" / "__init__.py",
}


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
    # a guard against a checker that silently finds nothing
    bad = NODE / "local" / "models.py"
    assert "node.db.BaseModel" in imports_of(bad)
    sample = tmp_path / "x.py"
    sample.write_text("from aiohttp import web\nimport node.web.render\n")
    tree_imports = {"aiohttp", "aiohttp.web", "node.web.render"}
    assert tree_imports <= imports_of_text(sample)


def imports_of_text(path: Path) -> set[str]:
    names: set[str] = set()
    for item in ast.walk(ast.parse(path.read_text())):
        if isinstance(item, ast.Import):
            names.update(a.name for a in item.names)
        elif isinstance(item, ast.ImportFrom):
            names.add(item.module or "")
            names.update(f"{item.module}.{a.name}" for a in item.names)
    return names
