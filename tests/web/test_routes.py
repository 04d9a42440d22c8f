"""The URL map (node/web/routes.py): its table is every area's ROUTES, and its lazy handlers answer
as the modules' own do, loading each module at its first request."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

from aiohttp import web

from node.web import routes

WEB = Path(routes.__file__).resolve().parent


def modules_with_routes() -> set[str]:
    """Every module under node/web that defines ROUTES at its top level."""
    found = set()
    for path in WEB.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for statement in tree.body:
            targets = statement.targets if isinstance(statement, ast.Assign) else []
            if isinstance(statement, ast.AnnAssign):
                targets = [statement.target]
            if any(isinstance(t, ast.Name) and t.id == "ROUTES" for t in targets):
                found.add(".".join(path.relative_to(WEB).with_suffix("").parts))
    return found


def table_lines(area: str, module_routes: list) -> str:
    lines = [f'    "{area}": (']
    for method, path, _handler, name in module_routes:
        quoted = f'r"{path}"' if "\\" in path else f'"{path}"'
        lines.append(f'        ("{method}", {quoted}, "{name}"),')
    return "\n".join([*lines, "    ),"])


def test_the_table_holds_every_areas_routes_as_its_module_declares_them():
    assert set(routes.TABLE) == modules_with_routes(), "an area missing from routes.TABLE"
    for area, declared in routes.TABLE.items():
        module_routes = importlib.import_module(f"node.web.{area}").ROUTES
        actual = tuple((method, path, name) for method, path, _handler, name in module_routes)
        assert declared == actual, (
            f"node/web/routes.py: TABLE differs from node.web.{area}.ROUTES; write:\n"
            + table_lines(area, module_routes)
        )
        for _method, _path, handler, name in module_routes:
            assert inspect.iscoroutinefunction(handler), name  # the lazy handler awaits it


def test_the_router_is_the_one_the_modules_routes_would_make():
    lazy, eager = web.Application(), web.Application()
    routes.setup_routes(lazy)
    for area in routes.TABLE:
        for method, path, handler, name in importlib.import_module(f"node.web.{area}").ROUTES:
            eager.router.add_route(method, path, handler, name=name)

    def shape(app):
        return [
            (route.method, route.resource.canonical, route.name)
            for route in app.router.routes()
            if route.name != "static"
        ]

    assert shape(lazy) == shape(eager)
    assert len(shape(lazy)) == sum(len(r) for r in routes.TABLE.values()) > 150
    # URL reversal by name
    assert str(lazy.router["listing_detail"].url_for(id="3")) == "/listings/3"
    for name, parts in (("event_detail", {"id": "5"}), ("quarter_poster", {"slug": "centre"})):
        assert lazy.router[name].url_for(**parts) == eager.router[name].url_for(**parts)


async def test_a_lazy_handler_answers_with_its_modules_handler(client):
    (route,) = client.app.router["home"]
    handler = route.handler
    assert handler.__name__ == "ui.home:home"
    response = await client.get("/")
    assert response.status == 200
    assert "ui.home" in routes.TABLE and "node.web.ui.home" in sys.modules


def test_an_area_module_loads_at_its_first_request(tmp_path):
    script = textwrap.dedent(
        """
        import asyncio, json, sys
        from aiohttp.test_utils import TestClient, TestServer
        from node.app import create_app
        from node.settings import load_settings

        async def main(data_dir):
            env = {"QUARTIER_DATA_DIR": data_dir, "QUARTIER_SECRET_KEY": "routes-test",
                   "QUARTIER_PUBLIC_URL": "http://127.0.0.1:8080", "QUARTIER_TILE_URL": ""}
            app = create_app(load_settings(env, None))
            async with TestClient(TestServer(app)) as client:
                before = "node.web.ui.events" in sys.modules
                status = (await client.get("/events")).status
                after = "node.web.ui.events" in sys.modules
            print(json.dumps([before, status, after]))

        asyncio.run(main(sys.argv[1]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=WEB.parents[1],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "[false, 200, true]"
