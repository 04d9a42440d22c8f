"""Weak signatures (issue #8): what an inbox POST must sign, and the shapes real peers send.

Every request goes to a real node on loopback, signed with the peer's real RSA key; the key is
fetched from the peer's real actor document.
"""

import base64
import datetime as dt
import json

import aiohttp
import pytest
from ap_support import AS, Peer, start_node
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms
from multidict import CIMultiDict

from node.activitypub.models import InboxItem
from node.activitypub.signatures import (
    content_digest_header,
    digest_header,
    host_header,
    http_date,
)


@pytest.fixture
async def fed(make_settings):
    node, runner = await start_node(make_settings, "a")
    peer = await Peer().start()
    yield node, peer
    await peer.stop()
    await runner.cleanup()


def follow(peer, node, n):
    return {
        "id": f"{peer.base}/users/bob#follows/{n}",
        "type": "Follow",
        "actor": peer.uri("bob"),
        "object": node.urls.instance_actor(),
    }


def cavage(peer, url, body, names, *, algorithm="rsa-sha256", host=None, digest=None):
    """Headers of a POST signed over exactly `names`, the way a given implementation does it."""
    now = dt.datetime.now(dt.UTC)
    created = int(now.timestamp())
    values = {
        "host": host or host_header(url),
        "date": http_date(now),
        "digest": digest or digest_header(body),
        "content-type": AS,
        "content-length": str(len(body)),
    }
    path = url.split("/", 3)[3]
    special = {"(request-target)": f"post /{path}", "(created)": str(created)}
    message = "\n".join(f"{n}: {special.get(n, values.get(n))}" for n in names).encode()
    sig = base64.b64encode(peer.key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()
    extra = f"created={created}," if "(created)" in names else ""
    headers = {
        "Host": values["host"],
        "Date": values["date"],
        "Digest": values["digest"],
        "Content-Type": AS,
    }
    headers["Signature"] = (
        f'keyId="{peer.key_id("bob")}",algorithm="{algorithm}",{extra}'
        f'headers="{" ".join(names)}",signature="{sig}"'
    )
    return headers


def rfc9421(peer, url, body, covered):
    """Headers of a POST with an RFC 9421 signature covering exactly `covered`."""

    class Message:
        def __init__(self):
            self.method, self.url = "POST", url
            self.headers = CIMultiDict(
                {
                    "Host": host_header(url),
                    "Date": http_date(dt.datetime.now(dt.UTC)),
                    "Content-Type": AS,
                    "Content-Digest": content_digest_header(body),
                }
            )

    message = Message()
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.RSA_V1_5_SHA256,
        key_resolver=MappingKeyResolver(
            public_keys={}, private_keys={peer.key_id("bob"): peer.key}
        ),
    )
    signer.sign(
        message,
        key_id=peer.key_id("bob"),
        created=dt.datetime.now(dt.UTC),
        label="sig1",
        covered_component_ids=covered,
        use_existing_digest=True,
    )
    return dict(message.headers)


async def post(url, body, headers):
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body, headers=headers) as resp:
            return resp.status, await resp.text()


# --------------------------------------------------------------- hostile: refused (401)

WEAK = {
    "date-digest-only": dict(names=["date", "digest"]),
    "no-host": dict(names=["(request-target)", "date", "digest"]),
    "no-request-target": dict(names=["host", "date", "digest", "content-type"]),
    "no-digest": dict(names=["(request-target)", "host", "date", "content-type"]),
    "no-date-nor-created": dict(names=["(request-target)", "host", "digest"]),
    "digest-not-of-body": dict(
        names=["(request-target)", "host", "date", "digest"], digest=digest_header(b"{}")
    ),
    "made-for-another-host": dict(
        names=["(request-target)", "host", "date", "digest"], host="other.example"
    ),
}


@pytest.mark.parametrize("case", list(WEAK), ids=list(WEAK))
async def test_weak_cavage_signature_is_refused(fed, case):
    node, peer = fed
    url = node.urls.shared_inbox()
    body = json.dumps(follow(peer, node, 1)).encode()
    status, reason = await post(url, body, cavage(peer, url, body, **WEAK[case]))
    assert status == 401, reason
    assert await node.db.run(InboxItem.select().count) == 0


STRONG_9421_MISSING = {
    "no-target": ["@method", "content-digest"],
    "authority-without-path": ["@method", "@authority", "content-digest"],
    "no-content-digest": ["@method", "@target-uri"],
    "no-method": ["@target-uri", "content-digest"],
}


@pytest.mark.parametrize("case", list(STRONG_9421_MISSING), ids=list(STRONG_9421_MISSING))
async def test_weak_rfc9421_signature_is_refused(fed, case):
    node, peer = fed
    url = node.urls.shared_inbox()
    body = json.dumps(follow(peer, node, 2)).encode()
    status, reason = await post(url, body, rfc9421(peer, url, body, STRONG_9421_MISSING[case]))
    assert status == 401, reason
    assert await node.db.run(InboxItem.select().count) == 0


async def test_rfc9421_signature_for_another_server_is_refused(fed):
    node, peer = fed
    url = node.urls.shared_inbox()
    body = json.dumps(follow(peer, node, 3)).encode()
    other = "http://other.example/inbox"
    headers = rfc9421(peer, other, body, ["@method", "@target-uri", "content-digest"])
    headers["Host"] = host_header(url)
    assert (await post(url, body, headers))[0] == 401


# --------------------------------------------------------------- real peers: accepted (202)

PEERS = {
    # Mastodon (request.rb: every header it set but User-Agent and Accept-Encoding)
    "mastodon": dict(names=["(request-target)", "host", "date", "digest", "content-type"]),
    # Pleroma / Akkoma and Mobilizon (Elixir maps: names in alphabetical order)
    "pleroma-mobilizon": dict(
        names=["(request-target)", "content-length", "date", "digest", "host"]
    ),
    # GoToSocial signs hs2019 over these four; bovine signs the same set
    "gotosocial-bovine": dict(
        names=["(request-target)", "host", "date", "digest"], algorithm="hs2019"
    ),
    "misskey": dict(names=["(request-target)", "date", "host", "digest"]),
    "hs2019-created": dict(
        names=["(request-target)", "host", "(created)", "digest"], algorithm="hs2019"
    ),
}


@pytest.mark.parametrize("shape", list(PEERS), ids=list(PEERS))
async def test_real_peer_cavage_shapes_are_accepted(fed, shape):
    node, peer = fed
    url = node.urls.shared_inbox()
    body = json.dumps(follow(peer, node, 4)).encode()
    headers = cavage(peer, url, body, **PEERS[shape])
    headers["Content-Length"] = str(len(body))
    status, reason = await post(url, body, headers)
    assert status == 202, reason


@pytest.mark.parametrize(
    "covered",
    [
        ["@method", "@target-uri", "content-digest"],  # Mastodon's documented example
        ["@method", "@target-uri", "@authority", "content-digest"],  # Quartier, Fedify
        ["@method", "@authority", "@path", "content-digest"],
    ],
    ids=["mastodon", "quartier-fedify", "authority-path"],
)
async def test_real_peer_rfc9421_shapes_are_accepted(fed, covered):
    node, peer = fed
    url = node.urls.shared_inbox()
    body = json.dumps(follow(peer, node, 5)).encode()
    status, reason = await post(url, body, rfc9421(peer, url, body, covered))
    assert status == 202, reason


def test_our_host_is_compared_as_senders_sign_it():
    from types import SimpleNamespace

    from node.activitypub.inbox import _our_host

    def node(base):
        return SimpleNamespace(urls=SimpleNamespace(base=base))

    assert _our_host(node("https://Quartier.example:443")) == "quartier.example"
    assert _our_host(node("http://127.0.0.1:8080")) == "127.0.0.1:8080"
    assert _our_host(node("https://café.example")) == "xn--caf-dma.example"
