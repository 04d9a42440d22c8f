"""A node installed from its built wheel (not the checkout) serves every page, file and language."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from node_process import node_env, quartier, serving

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), one list per stage."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("FROM "):
            stages.append([])
        if line and not line.startswith("#") and stages:
            stages[-1].append(line)
    return stages


def copy_build_context(destination: Path) -> None:
    """Copy what the Dockerfile's build stage copies, so the test builds the same wheel."""
    build = dockerfile_stages()[0]
    for line in build:
        if line.startswith("COPY ") and "--from" not in line:
            *sources, target = line.split()[1:]
            for source in sources:
                here = ROOT / source
                there = (
                    destination / target / source if target.endswith("/") else destination / target
                )
                if here.is_dir():
                    shutil.copytree(here, there, ignore=NOT_SOURCE)
                else:
                    there.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(here, there)


NOT_SOURCE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def run(*args, cwd, env=None):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """Build the wheel offline from a copy of the source, install it where the checkout is not."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    copy_build_context(source)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    run(
        *pip,
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-w",
        base,
        source,
        cwd=base,
    )
    wheels = list(base.glob("quartier-*.whl"))
    assert len(wheels) == 1, wheels
    target = base / "site"
    run(*pip, "install", "--no-deps", "--no-index", "--target", target, wheels[0], cwd=base)
    return target


def test_dockerfile_installs_the_built_wheel_as_a_non_root_user():
    build, final = dockerfile_stages()
    assert any(line.startswith("RUN pip wheel") for line in build)
    installs = [line for line in final if "pip install" in line]
    assert installs and all(".whl" in line and " -e " not in line for line in installs)
    assert not any(line.startswith("COPY ") and "--from=build" not in line for line in final)
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")


def test_wheel_holds_everything_the_node_reads_at_run_time(installed):
    package = installed / "node"
    for needed in (
        "templates/base.html",
        "templates/errors/404.html",
        "templates/settings/verification.html",
        "web/static/css/quartier.css",
        "web/static/js/map.js",
        "web/static/vendor/leaflet/leaflet.js",
        "web/static/vendor/leaflet/images/marker-icon.png",
        "locale/fr/core.po",
        "locale/de/core.po",
        "migrations/0001_initial.py",
        "web/paper/fonts/DejaVuSans.ttf",  # embedded in printed PDFs
        "web/paper/fonts/DejaVuSans-Bold.ttf",
        "web/paper/fonts/LICENSE.txt",
    ):
        assert (package / needed).is_file(), needed
    assert (installed / "bin" / "quartier").is_file()  # the console script
    shipped = {p.relative_to(ROOT / "node") for p in (ROOT / "node" / "templates").rglob("*.html")}
    assert shipped and all((package / p).is_file() for p in shipped)


async def test_node_installed_from_the_wheel_serves_every_page(installed, tmp_path, database_url):
    outside = tmp_path / "elsewhere"  # a working directory that holds no checkout
    outside.mkdir()
    overrides = (
        tmp_path / "overrides" / "errors"
    )  # an operator's own page, on top of the built-in ones
    overrides.mkdir(parents=True)
    (overrides / "404.html").write_text(
        '{% extends "base.html" %}{% block content %}<p>Nothing at this address.</p>{% endblock %}'
    )
    env = node_env(
        tmp_path / "data",
        database_url("wheel"),
        str(installed),
        QUARTIER_TEMPLATES_OVERRIDE_DIR=str(overrides.parent),
    )
    where = run(sys.executable, "-c", "import node; print(node.__file__)", cwd=outside, env=env)
    assert where.stdout.strip().startswith(str(installed)), where.stdout
    assert not where.stdout.strip().startswith(str(ROOT))

    admin = ("admin", "create-resident", "--username", "camille", "--email", "c@example.test")
    for args in (
        ("admin", "create-quarter", "--slug", "centre", "--name", "Centre", "--postcodes", "35400"),
        (*admin, "--password", "long enough", "--quarter", "centre", "--verified", "--role", "admin"),
    ):  # fmt: skip
        made = quartier(env, outside, *args)
        assert made.returncode == 0, made.stderr
    token = quartier(env, outside, "admin", "create-token", "--username", "camille").stdout.strip()

    with serving(env, outside) as (base, log):
        jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
        async with aiohttp.ClientSession(base, cookie_jar=jar) as http:

            async def page(path, status=200, **headers):
                async with http.get(path, headers=headers, allow_redirects=False) as response:
                    body = await response.read()
                    assert response.status == status, (path, response.status, body[:300], log)
                    return response, body

            async def html(path, *needles, status=200, **headers):
                response, body = await page(path, status, **headers)
                text = body.decode()
                assert response.content_type == "text/html", path
                assert "<html" in text and "</html>" in text, (path, text[:300])
                for needle in needles:
                    assert needle in text, (path, needle)
                return text

            home = await html("/", "/static/css/quartier.css")
            await html("/login", 'name="csrf_token"', "Log in")
            await html("/signup", "Sign up")
            await html("/listings")
            await html("/events")
            map_page = await html("/map", "leaflet")
            await html("/password/forgot")
            await html("/no-such-page", "Nothing at this address.", 'href="/login"', status=404)
            await html("/login", "Se connecter", **{"Accept-Language": "fr-FR,fr;q=0.9"})
            await html("/signup", "Registrieren", **{"Accept-Language": "de"})

            statics = set(re.findall(r'(?:href|src)="(/static/[^"]+)"', home + map_page))
            assert any("leaflet.js" in s for s in statics), statics
            for path in sorted(statics):
                _, body = await page(path)
                assert len(body) > 100, path
            _, leaflet = await page("/static/vendor/leaflet/leaflet.js")
            assert b"Leaflet 1." in leaflet[:200]
            _, marker = await page("/static/vendor/leaflet/images/marker-icon.png")
            assert marker.startswith(b"\x89PNG")
            _, css = await page("/static/css/quartier.css")
            assert b"{" in css

            _, health = await page("/healthz")
            assert json.loads(health)["status"] == "ok"
            _, links = await page("/.well-known/nodeinfo")
            href = json.loads(links)["links"][0]["href"]
            _, info = await page(href.removeprefix(base))
            assert json.loads(info)["software"]["name"] == "quartier"
            _, geojson = await page("/map.geojson?quarter=centre")
            assert json.loads(geojson)["type"] == "FeatureCollection"

            # a resident's pages, an admin's pages, and a listing published through the API
            login_page = await html("/login")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
            form = {"login": "camille", "password": "long enough", "csrf_token": csrf}
            async with http.post("/login", data=form, allow_redirects=False) as response:
                assert response.status == 303, await response.text()
            listing = {"kind": "offer", "type": "loan", "title": "Perceuse sans fil"}
            bearer = {"Authorization": f"Bearer {token}"}
            async with http.post("/api/v1/listings", json=listing, headers=bearer) as response:
                assert response.status == 201, await response.text()
                listing_id = (await response.json())["id"]
            await html(f"/listings/{listing_id}", "Perceuse sans fil")
            await html("/listings", "Perceuse sans fil")
            for path in (
                "/settings", "/settings/verification", "/settings/address", "/settings/notifications",
                "/listings/new", "/events/new", "/messages", "/notifications", "/loans", "/shelf",
                "/admin", "/admin/quarters", "/admin/residents", "/admin/verification",
                "/moderation", "/announcements/new",
            ):  # fmt: skip
                await html(path, 'action="/logout"')
            await html("/settings", "Paramètres", **{"Accept-Language": "fr"})
            _, feed = await page("/feed.atom")
            assert b"<feed" in feed
            _, ics = await page("/calendar.ics")
            assert ics.startswith(b"BEGIN:VCALENDAR")
            # printed paper: the vendored font is read from the installed package
            for path in ("/print/sticker.pdf?format=a4", "/quarters/centre/poster.pdf"):
                _, pdf = await page(path)
                assert pdf.startswith(b"%PDF-") and b"FontFile2" in pdf, path
    assert not any(" 500 " in line or "Traceback" in line for line in log), "".join(log)
