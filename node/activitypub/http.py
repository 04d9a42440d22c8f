"""The one outbound HTTP client: SSRF guard after DNS, manual redirects, size caps and timeouts."""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
import json
import socket
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from node import tls
from node.activitypub.vocab import same_origin

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# A signing hook: (method, url, headers, body) -> headers to add (or an awaitable of them: the
# signature may be made in another process). Called again on every redirect hop so that
# (request-target), Host and Date always match the request sent.
SignHook = Callable[
    [str, str, Mapping[str, str], bytes | None],
    Mapping[str, str] | Awaitable[Mapping[str, str]],
]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Credentials meant for one origin must not follow a redirect to another (RFC 9110 §15.4).
_ORIGIN_BOUND = ("authorization", "cookie", "proxy-authorization")
# Embedded-IPv4 IPv6 prefix that NAT64 gateways translate (RFC 6052).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchError(Exception):
    """Base class: the request was refused or failed; the message says why."""


class ForbiddenAddress(FetchError):
    """The host resolves only to loopback/private/link-local/... addresses (SSRF guard)."""


class BadScheme(FetchError):
    """Only https (and http when allowed) URLs may be fetched."""


class TooManyRedirects(FetchError):
    """More redirect hops than allowed (Mastodon stops after 3)."""


class ResponseTooLarge(FetchError):
    """The response body is larger than the cap (Content-Length or streamed size)."""


class NetworkError(FetchError):
    """Connection, DNS or protocol failure."""


class FetchTimeout(NetworkError):
    """The connect or total timeout expired."""


@dataclass(frozen=True)
class Response:
    """A fully read response; `url` is the final URL after redirects."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    url: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body parsed as JSON (ValueError when it is not, or nests ~1,000 deep)."""
        try:
            return json.loads(self.body)
        except RecursionError:  # a peer's 20,000-deep document: refused, not a crash
            raise ValueError("JSON nested too deep") from None


def _embedded_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    if addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def is_forbidden_address(
    address: str | IPAddress, allowed_networks: Iterable[ipaddress._BaseNetwork] = ()
) -> bool:
    """True for addresses a federation request must not reach (Mastodon's PrivateAddressCheck)."""
    # A zone id ("fe80::1%eth0") does not change which network the address is in.
    addr = ipaddress.ip_address(str(address).split("%")[0])
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:  # ::ffff:a.b.c.d is reached as a.b.c.d
            return is_forbidden_address(addr.ipv4_mapped, allowed_networks)
        inner = _embedded_ipv4(addr)
        if inner is not None and is_forbidden_address(inner, allowed_networks):
            return True
    if any(addr in net for net in allowed_networks if addr.version == net.version):
        return False
    return (
        addr.is_loopback
        or addr.is_private
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
        or (isinstance(addr, ipaddress.IPv6Address) and addr.is_site_local)
        or not addr.is_global
    )


class _GuardResolver(AbstractResolver):
    """Resolves with an inner resolver, then drops forbidden addresses (no DNS-rebinding TOCTOU)."""

    def __init__(self, inner: AbstractResolver, allowed: Callable[[str], bool], owns_inner: bool):
        self._inner = inner
        self._allowed = allowed
        self._owns_inner = owns_inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        # The connector connects to exactly these addresses, so checking them here is
        # checking what is really reached (FEDERATION-NOTES §9.4).
        kept = [r for r in results if self._allowed(r["host"])]
        if not kept:
            raise ForbiddenAddress(f"{host} resolves only to non-public addresses")
        return kept

    async def close(self) -> None:
        if self._owns_inner:
            await self._inner.close()


SessionFactory = Callable[[aiohttp.BaseConnector, aiohttp.ClientTimeout], aiohttp.ClientSession]


class SafeClient:
    """Outbound HTTP for federation; create once per app and close() on shutdown.

    Defaults follow Mastodon's Request class: connect 5 s, total 10 s, 1 MB bodies,
    3 redirect hops, http(s) only, resolved addresses checked (FEDERATION-NOTES §9.4).
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        allow_http: bool = False,
        connect_timeout: float = 5.0,
        total_timeout: float = 10.0,
        max_bytes: int = 1_000_000,
        max_redirects: int = 3,
        user_agent: str = "Quartier",
        resolver: AbstractResolver | None = None,
        allowed_networks: Iterable[str] = (),
        session_factory: SessionFactory | None = None,
    ):
        self.allow_private = allow_private
        self.allow_http = allow_http
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        # Like Mastodon's ALLOWED_PRIVATE_ADDRESSES: ranges exempted from the guard.
        self.allowed_networks = tuple(ipaddress.ip_network(n) for n in allowed_networks)
        self._inner_resolver = resolver
        self._session_factory = session_factory
        self._literals: dict[str, bool] = {}  # host -> may be reached (see _literal_allowed)
        self._session: aiohttp.ClientSession | None = None
        self._resolver: _GuardResolver | None = None

    async def __aenter__(self) -> SafeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session and the resolver it owns."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._resolver is not None:
            await self._resolver.close()
            self._resolver = None

    def address_allowed(self, address: str) -> bool:
        """Whether a resolved IP address may be connected to under this client's policy."""
        return self.allow_private or not is_forbidden_address(address, self.allowed_networks)

    def check_url(self, url: str) -> URL:
        """Validate scheme and literal-IP hosts before any connection (literals skip the resolver)."""
        try:
            parsed = URL(url)
        except (ValueError, TypeError) as exc:
            raise BadScheme(f"not a valid URL: {url!r}") from exc
        allowed = ("https", "http") if self.allow_http else ("https",)
        if parsed.scheme not in allowed:
            raise BadScheme(f"scheme {parsed.scheme!r} not allowed (allowed: {', '.join(allowed)})")
        if not parsed.host:
            raise BadScheme(f"URL has no host: {url!r}")
        if not self._literal_allowed(parsed.host):
            raise ForbiddenAddress(f"{parsed.host} is not a public address")
        return parsed

    def _literal_allowed(self, host: str) -> bool:
        """False for an IP literal this client may not reach; True for allowed ones and names
        (checked after DNS). Kept per host: a post to 1,000 inboxes asks for ~100 hosts."""
        found = self._literals.get(host)
        if found is None:
            try:
                literal = ipaddress.ip_address(host)
            except ValueError:
                found = True
            else:
                found = self.address_allowed(str(literal))
            if len(self._literals) >= 4096:
                self._literals.clear()
            self._literals[host] = found
        return found

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            tls.load_ca_store()  # once per process: put off from aiohttp's import (node.tls)
            inner = self._inner_resolver or aiohttp.ThreadedResolver()
            self._resolver = _GuardResolver(
                inner, self.address_allowed, owns_inner=self._inner_resolver is None
            )
            connector = aiohttp.TCPConnector(resolver=self._resolver)
            timeout = aiohttp.ClientTimeout(
                total=None, connect=self.connect_timeout, sock_connect=self.connect_timeout
            )
            if self._session_factory is not None:
                self._session = self._session_factory(connector, timeout)
            else:
                self._session = aiohttp.ClientSession(
                    connector=connector,
                    timeout=timeout,
                    trust_env=False,  # no proxies from the environment: they would skip the guard
                    cookie_jar=aiohttp.DummyCookieJar(),
                )
        return self._session

    async def get(
        self, url: str, headers: Mapping[str, str] | None = None, *, sign: SignHook | None = None
    ) -> Response:
        """GET with redirects followed (each hop re-checked and re-signed)."""
        return await self.request("GET", url, headers or {}, None, sign=sign)

    async def post(
        self,
        url: str,
        headers: Mapping[str, str] | None,
        body: bytes,
        *,
        sign: SignHook | None = None,
    ) -> Response:
        """POST; only 307/308 redirects are followed (other 3xx are returned as they are)."""
        return await self.request("POST", url, headers or {}, body, sign=sign)

    async def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        sign: SignHook | None = None,
    ) -> Response:
        """Send a request under the client's policy; raises a FetchError subclass on refusal."""
        try:
            async with asyncio.timeout(self.total_timeout):
                return await self._follow(method, url, dict(headers), body, sign)
        except TimeoutError as exc:
            raise FetchTimeout(f"{method} {url}: timed out") from exc

    async def _follow(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        sign: SignHook | None,
    ) -> Response:
        session = self._get_session()
        for _hop in range(self.max_redirects + 1):
            target = self.check_url(url)
            hdrs = {"User-Agent": self.user_agent, **headers}
            if sign is not None:
                added = sign(method, url, hdrs, body)
                hdrs.update(await added if inspect.isawaitable(added) else added)
            try:
                async with session.request(
                    method, target, headers=hdrs, data=body, allow_redirects=False
                ) as resp:
                    location = resp.headers.get("Location")
                    follow = method in ("GET", "HEAD") or resp.status in (307, 308)
                    if resp.status in _REDIRECTS and location and follow:
                        next_url = urljoin(url, location)
                        if not same_origin(url, next_url):
                            headers = {
                                k: v for k, v in headers.items() if k.lower() not in _ORIGIN_BOUND
                            }
                        url = next_url
                        continue
                    content = await self._read_capped(resp, url)
                    return Response(
                        status=resp.status,
                        headers=CIMultiDictProxy(CIMultiDict(resp.headers)),
                        body=content,
                        url=url,
                    )
            except FetchError:
                raise
            except TimeoutError:
                raise
            except (aiohttp.ClientError, OSError, ValueError) as exc:
                raise NetworkError(f"{method} {url}: {exc.__class__.__name__}: {exc}") from exc
        raise TooManyRedirects(f"{method}: more than {self.max_redirects} redirects, last {url}")

    async def _read_capped(self, resp: aiohttp.ClientResponse, url: str) -> bytes:
        # Mastodon's body_with_limit: refuse on Content-Length, then count while streaming
        # (no or lying Content-Length, or compressed bodies that expand).
        length = resp.content_length
        if length is not None and length > self.max_bytes:
            raise ResponseTooLarge(
                f"{url}: Content-Length {length} exceeds the {self.max_bytes}-byte limit"
            )
        buf = bytearray()
        async for chunk in resp.content.iter_chunked(64 * 1024):
            buf += chunk
            if len(buf) > self.max_bytes:
                raise ResponseTooLarge(f"{url}: body exceeds the {self.max_bytes}-byte limit")
        return bytes(buf)
