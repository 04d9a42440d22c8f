"""Tests for node.activitypub.http.SafeClient against real aiohttp servers on loopback."""

import asyncio
from datetime import UTC, datetime

import pytest
from aiohttp import web

from node.activitypub import keys
from node.activitypub.http import (
    BadScheme,
    FetchTimeout,
    ForbiddenAddress,
    NetworkError,
    ResponseTooLarge,
    SafeClient,
    TooManyRedirects,
    is_forbidden_address,
)
from node.activitypub.signatures import sign_request, verify_request


class Remote:
    """A small real server recording every request it receives."""

    def __init__(self):
        self.seen: list[tuple[str, str, dict, bytes]] = []
        self.never = asyncio.Event()
        self.redirect_to: str | None = None
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.app = app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.seen.append((request.method, request.raw_path, dict(request.headers), body))
        path = request.path
        if path == "/ok":
            return web.Response(text="hello", headers={"X-Test": "1"})
        if path == "/echo":
            return web.Response(body=body, status=201)
        if path.startswith("/hop/"):  # /hop/N redirects N more times, then /ok
            n = int(path.rsplit("/", 1)[1])
            raise web.HTTPFound("/ok" if n == 0 else f"/hop/{n - 1}")
        if path == "/away":
            raise web.HTTPFound(self.redirect_to)
        if path == "/see-other":
            raise web.HTTPFound("/echo")
        if path == "/temporary":
            raise web.HTTPTemporaryRedirect("/echo")
        if path == "/big":
            return web.Response(body=b"x" * 5000)
        if path == "/exact":
            return web.Response(body=b"x" * 1000)
        if path == "/stream":
            resp = web.StreamResponse()
            resp.enable_chunked_encoding()
            await resp.prepare(request)
            for _ in range(10):
                await resp.write(b"y" * 500)
            await resp.write_eof()
            return resp
        if path == "/slow":
            await self.never.wait()
        return web.Response(status=404)


@pytest.fixture
async def remote(aiohttp_server):
    r = Remote()
    server = await aiohttp_server(r.app, host="127.0.0.1")
    r.url = lambda path: str(server.make_url(path))
    r.port = server.port
    yield r
    r.never.set()


@pytest.fixture
async def open_client():
    clients = []

    def make(**kwargs):
        kwargs.setdefault("allow_http", True)
        client = SafeClient(**kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


async def test_loopback_refused_by_default(remote, open_client):
    client = open_client()
    with pytest.raises(ForbiddenAddress, match="127.0.0.1"):
        await client.get(remote.url("/ok"))
    with pytest.raises(ForbiddenAddress):
        await client.get(f"http://[::ffff:127.0.0.1]:{remote.port}/ok")
    assert remote.seen == []


async def test_hostname_resolving_to_loopback_refused(remote, open_client):
    client = open_client()
    with pytest.raises(ForbiddenAddress, match="localhost"):
        await client.get(f"http://localhost:{remote.port}/ok")
    assert remote.seen == []


async def test_loopback_allowed_when_private_allowed(remote, open_client):
    client = open_client(allow_private=True, user_agent="Quartier/test (+http://q.example/)")
    resp = await client.get(remote.url("/ok"), {"Accept": "application/activity+json"})
    assert (resp.status, resp.body, resp.headers["X-Test"]) == (200, b"hello", "1")
    assert resp.ok and resp.url == remote.url("/ok")
    _, _, headers, _ = remote.seen[0]
    assert headers["User-Agent"] == "Quartier/test (+http://q.example/)"
    assert headers["Accept"] == "application/activity+json"
    via_name = await client.get(f"http://localhost:{remote.port}/ok")
    assert via_name.body == b"hello"


async def test_redirect_to_private_address_refused(aiohttp_server, remote, open_client):
    inner = Remote()
    inner_server = await aiohttp_server(inner.app, host="127.0.0.2")
    remote.redirect_to = str(inner_server.make_url("/ok"))
    # 127.0.0.1 plays the public server here; 127.0.0.2 stays forbidden.
    client = open_client(allowed_networks=["127.0.0.1/32"])
    assert (await client.get(remote.url("/ok"))).status == 200
    with pytest.raises(ForbiddenAddress, match="127.0.0.2"):
        await client.get(remote.url("/away"))
    assert inner.seen == []
    assert [p for _, p, _, _ in remote.seen] == ["/ok", "/away"]


async def test_three_redirects_followed_four_refused(remote, open_client):
    client = open_client(allow_private=True)
    resp = await client.get(remote.url("/hop/2"))  # hop/2 -> hop/1 -> hop/0 -> ok
    assert resp.status == 200 and resp.url == remote.url("/ok")
    remote.seen.clear()
    with pytest.raises(TooManyRedirects):
        await client.get(remote.url("/hop/3"))  # would need a 4th redirect
    assert [p for _, p, _, _ in remote.seen] == ["/hop/3", "/hop/2", "/hop/1", "/hop/0"]


async def test_each_hop_is_re_signed(remote, open_client):
    key = keys.generate_private_key()
    key_id = "https://q.example/actor#main-key"

    def sign(method, url, headers, body):
        return sign_request(key, key_id, method, url, headers, body, datetime.now(UTC))

    client = open_client(allow_private=True)
    resp = await client.get(remote.url("/hop/1"), sign=sign)
    assert resp.status == 200
    assert len(remote.seen) == 3
    for method, raw_path, headers, _ in remote.seen:
        got = verify_request(method, raw_path, headers, None, key.public_key(), datetime.now(UTC))
        assert got == key_id


async def test_post_sends_body_and_follows_only_307(remote, open_client):
    client = open_client(allow_private=True)
    resp = await client.post(remote.url("/echo"), {"Content-Type": "text/plain"}, b"payload")
    assert (resp.status, resp.body) == (201, b"payload")
    resp = await client.post(remote.url("/temporary"), {}, b"again")
    assert (resp.status, resp.body, resp.url) == (201, b"again", remote.url("/echo"))
    resp = await client.post(remote.url("/see-other"), {}, b"x")
    assert resp.status == 302  # returned, not turned into a GET
    assert [p for _, p, _, _ in remote.seen] == ["/echo", "/temporary", "/echo", "/see-other"]


async def test_oversize_body_with_content_length_refused(remote, open_client):
    client = open_client(allow_private=True, max_bytes=1000)
    with pytest.raises(ResponseTooLarge, match="Content-Length 5000"):
        await client.get(remote.url("/big"))
    assert len((await client.get(remote.url("/exact"))).body) == 1000


async def test_oversize_streamed_body_refused(remote, open_client):
    client = open_client(allow_private=True, max_bytes=1000)
    with pytest.raises(ResponseTooLarge, match="body exceeds"):
        await client.get(remote.url("/stream"))
    big_enough = open_client(allow_private=True, max_bytes=5000)
    assert (await big_enough.get(remote.url("/stream"))).body == b"y" * 5000


async def test_timeout(remote, open_client):
    client = open_client(allow_private=True, total_timeout=0.3)
    with pytest.raises(FetchTimeout, match="timed out"):
        await client.get(remote.url("/slow"))


async def test_http_refused_unless_allowed(remote, open_client):
    client = open_client(allow_private=True, allow_http=False)
    with pytest.raises(BadScheme, match="'http' not allowed"):
        await client.get(remote.url("/ok"))
    assert remote.seen == []


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://127.0.0.1:70/", "/relative"]
)
async def test_non_http_scheme_refused(url, open_client):
    client = open_client(allow_private=True)
    with pytest.raises(BadScheme):
        await client.get(url)


async def test_connection_refused_is_network_error(unused_tcp_port, open_client):
    client = open_client(allow_private=True)
    with pytest.raises(NetworkError):
        await client.get(f"http://127.0.0.1:{unused_tcp_port}/")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "::",
        "fe80::1%eth0",
        "fc00::1",
        "fec0::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",
        "64:ff9b::a00:1",
    ],
)
def test_forbidden_addresses(address):
    assert is_forbidden_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_allowed(address):
    assert not is_forbidden_address(address)
    assert is_forbidden_address(address, ()) is False
