"""Behind a reverse proxy, log-in limits count the client, not the proxy; nobody else is believed."""

import pytest
from helpers import make_quarter, make_resident

from node.app import create_app
from node.appkeys import node_key
from node.settings import SettingsError, load_settings
from node.web.proxies import client_address, parse_networks

PROXY = parse_networks("127.0.0.1, 10.0.0.0/8")


@pytest.mark.parametrize(
    "peer,header,expected",
    [
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),
        ("127.0.0.1", "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # left part may be forged
        ("127.0.0.1", "203.0.113.7, 10.1.2.3", "203.0.113.7"),  # a second trusted hop
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "not-an-ip", "127.0.0.1"),
        ("127.0.0.1", "203.0.113.7, <script>", "127.0.0.1"),
        ("192.0.2.9", "203.0.113.7", "192.0.2.9"),  # not our proxy: the header is ignored
        ("127.0.0.1", "10.0.0.1, 10.0.0.2", "127.0.0.1"),
    ],
)
def test_client_address(peer, header, expected):
    assert client_address(peer, header, PROXY) == expected
    assert client_address(peer, header, ()) == peer


def test_a_bad_proxy_setting_stops_the_node_with_its_name():
    with pytest.raises(SettingsError, match="QUARTIER_TRUSTED_PROXIES"):
        load_settings({"QUARTIER_TRUSTED_PROXIES": "127.0.0.1, nonsense"})


async def _failures(client, forwarded_for, n, username="alice"):
    statuses = []
    for _ in range(n):
        page = await client.get("/login", headers={"X-Forwarded-For": forwarded_for})
        token = (await page.text()).split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        response = await client.post(
            "/login",
            data={"login": username, "password": "wrong", "csrf_token": token},
            headers={"X-Forwarded-For": forwarded_for},
            allow_redirects=False,
        )
        statuses.append(response.status)
    return statuses


async def test_behind_the_proxy_one_client_s_failures_do_not_lock_out_another(
    aiohttp_client, make_settings
):
    app = create_app(make_settings(trusted_proxies="127.0.0.1", login_attempts=3))
    client = await aiohttp_client(app)
    node = app[node_key]
    await make_quarter(node)
    await make_resident(node, "alice")
    await _failures(client, "203.0.113.7", 5)  # an attacker behind the proxy exhausts its tries
    # alice, from her own address behind the same proxy, still logs in
    page = await client.get("/login", headers={"X-Forwarded-For": "198.51.100.20"})
    token = (await page.text()).split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = await client.post(
        "/login",
        data={"login": "alice", "password": "correct horse", "csrf_token": token},
        headers={"X-Forwarded-For": "198.51.100.20"},
        allow_redirects=False,
    )
    assert response.status == 303


async def test_an_untrusted_peer_cannot_spread_its_failures_with_the_header(
    aiohttp_client, make_settings
):
    # no trusted proxy: the header is ignored, so changing it does not dodge the limit
    app = create_app(make_settings(login_attempts=3))
    client = await aiohttp_client(app)
    node = app[node_key]
    await make_quarter(node)
    await make_resident(node, "alice")
    statuses = []
    for n in range(6):
        statuses += await _failures(client, f"203.0.113.{n}", 1)
    assert statuses[-1] == 429 or statuses[-1] == 400
    assert 429 in statuses
