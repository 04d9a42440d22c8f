"""Test helpers: seed a node, log in through the real forms, read CSRF tokens."""

from __future__ import annotations

import re

from node.appkeys import node_key
from node.commit import commit
from node.local import quarters, residents

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def node_of(client):
    return client.server.app[node_key]


async def make_quarter(
    node, slug="centre", name="Centre", postcodes=("35400",), boundary=None, **kw
):
    return await commit(node, quarters.create_quarter, slug, name, list(postcodes), boundary, **kw)


async def make_resident(
    node,
    username="alice",
    quarter="centre",
    verified=True,
    role="resident",
    password="correct horse",
    email=None,
    language="en",
):
    draft = residents.SignupDraft.parse(
        {
            "username": username,
            "email": email or f"{username}@example.test",
            "password": password,
            "display_name": username.title(),
            "language": language,
        }
    )
    return await commit(
        node, residents.sign_up, draft, role=role, quarter_slug=quarter, verified=verified
    )


async def make_token(node, resident_id):
    return await commit(node, residents.create_token, resident_id, "test")


async def csrf_token(client, path="/login"):
    response = await client.get(path)
    text = await response.text()
    match = CSRF.search(text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


async def login(client, username="alice", password="correct horse"):
    token = await csrf_token(client, "/login")
    response = await client.post(
        "/login",
        data={"login": username, "password": password, "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    return token


async def api(client, method, path, token, json=None):
    """Call the JSON API with a bearer token; return (status, parsed body, response)."""
    response = await client.request(
        method, path, json=json, headers={"Authorization": f"Bearer {token}"}
    )
    body = await response.json() if response.content_type == "application/json" else None
    return response.status, body, response


async def sharing_pair(client):
    """A quarter with two verified residents, alice (lender) and bob, and their API tokens."""
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    bob = await make_resident(node, "bob")
    return node, alice, bob, await make_token(node, alice.id), await make_token(node, bob.id)


# --- foundation helpers: switching residents, uploads, a loopback port ---


def pdf_bytes(*objects: bytes, version: bytes = b"1.4") -> bytes:
    """A well-formed PDF: the objects (1 0 obj is the catalog), a cross-reference table, a trailer."""
    body = b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, content in enumerate(objects, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return body


PDF = pdf_bytes(
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
)


async def switch_to(client, username, password="correct horse"):
    """Forget the current session and CSRF cookies, then log in as another resident."""
    client.session.cookie_jar.clear()
    return await login(client, username, password)


async def post_file(client, path, field, data, filename, content_type, page=None, **fields):
    """POST a multipart form with one file and the CSRF token read from `page` (default: path)."""
    import aiohttp

    token = await csrf_token(client, page or path)
    form = aiohttp.FormData()
    form.add_field("csrf_token", token)
    for name, value in fields.items():
        form.add_field(name, value)
    form.add_field(field, data, filename=filename, content_type=content_type)
    return await client.post(path, data=form, allow_redirects=False)


async def post_form(client, path, page=None, **fields):
    token = await csrf_token(client, page or path)
    return await client.post(path, data={"csrf_token": token, **fields}, allow_redirects=False)


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def png_bytes(size=(600, 400), color=(200, 30, 30), exif=False):
    import io

    from PIL import Image

    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SpyCam"  # Make
        image.save(out, "JPEG", exif=data)
    else:
        image.save(out, "PNG")
    return out.getvalue()


async def publish_with_photo(node, username, fields, photo, password="correct horse"):
    """Publish a listing with one photo through the real form of a served node; returns its id."""
    import aiohttp

    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(node.urls.base + "/login") as resp:
            token = CSRF.search(await resp.text()).group(1)
        form = {"login": username, "password": password, "csrf_token": token}
        async with session.post(node.urls.base + "/login", data=form, allow_redirects=False):
            pass
        async with session.get(node.urls.base + "/listings/new") as resp:
            token = CSRF.search(await resp.text()).group(1)
        data = aiohttp.FormData()
        for name, value in {"csrf_token": token, **fields}.items():
            data.add_field(name, value)
        data.add_field("photos", photo, filename="photo.png", content_type="image/png")
        async with session.post(
            node.urls.base + "/listings", data=data, allow_redirects=False
        ) as resp:
            assert resp.status == 303, await resp.text()
            return int(resp.headers["Location"].rsplit("/", 1)[1])


def map_items(geojson: dict) -> list[dict]:
    """The items of a /map.geojson answer, compact (MultiPoint per kind) or one Feature each:
    [{"type", "id", "title", "coordinates"}]; clusters come as they are."""
    items = []
    for f in geojson["features"]:
        p, geometry = f["properties"], f["geometry"]
        if geometry["type"] == "MultiPoint":
            for c, i, t in zip(geometry["coordinates"], p["ids"], p["titles"], strict=True):
                items.append({"type": p["type"], "id": i, "title": t, "coordinates": c})
        else:
            items.append({**p, "coordinates": geometry["coordinates"]})
    return items
