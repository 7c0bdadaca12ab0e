"""Outbound HTTP calls that cannot be turned against the platform's own network (SSRF).

Every address a host name resolves to is checked before connecting: loopback, link-local (cloud
metadata lives there), private, shared (CG-NAT), multicast, reserved and unspecified addresses are
refused unless the configuration allows loopback or private ones. The connection then goes to the
address that was checked (a second DNS answer cannot swap it), redirects are never followed, and
what a remote server answers is never copied into a message a user sees.

requests-hardened covers part of this, but allows loopback as its only exception and checks the first
address only; the platform also needs private networks as an explicit, separate allowance.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# Shared address space (RFC 6598) is neither private nor global for Python; it reaches inner networks.
SHARED = ipaddress.ip_network("100.64.0.0/10")


class AddressRefused(ValueError):
    """The URL leads to an address outbound calls may not reach."""


@dataclass(frozen=True)
class Policy:
    """Which non-public addresses outbound calls may reach."""

    allow_loopback: bool = False
    allow_private: bool = False

    @classmethod
    def from_config(cls, config) -> Policy:
        return cls(allow_loopback=bool(config.get("OUTBOUND_ALLOW_LOOPBACK")),
                   allow_private=bool(config.get("OUTBOUND_ALLOW_PRIVATE")))


def address_refusal(address: str | Address, policy: Policy) -> str | None:
    """Why ``address`` may not be reached under ``policy``, or None. Makes no connection."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_loopback:
        return None if policy.allow_loopback else "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private or ip in SHARED:
        return None if policy.allow_private else "a private address"
    if not ip.is_global:
        return "a reserved address"
    return None


def resolve(host: str, port: int) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AddressRefused(f"the host name {host!r} does not resolve") from exc
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def check_host(host: str, port: int, policy: Policy) -> Address:
    """Every address of ``host`` must be allowed; returns the one to connect to."""
    addresses = resolve(host, port)
    for address in addresses:
        if (reason := address_refusal(address, policy)) is not None:
            raise AddressRefused(f"{host} leads to {reason} ({address}), which outbound calls may not reach")
    return addresses[0]


def check_url(url: str, policy: Policy, *, resolve_names: bool = True) -> str:
    """An http(s) URL with a host whose addresses are allowed; returns it normalised (no trailing slash).

    With ``resolve_names`` false only literal addresses are checked (a name is checked when called).
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused("only http:// and https:// addresses with a host name are accepted")
    if parts.username or parts.password:
        raise AddressRefused("addresses with a user name or password are not accepted")
    if parts.query or parts.fragment:
        raise AddressRefused("the broker's base address takes no query or fragment")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        literal = None
    if literal is not None:
        if (reason := address_refusal(literal, policy)) is not None:
            raise AddressRefused(f"{parts.hostname} is {reason}, which outbound calls may not reach")
    elif resolve_names:
        check_host(parts.hostname, port, policy)
    return parts.geturl().rstrip("/")


class _Guarded:
    policy: Policy = Policy()

    def _new_conn(self):
        try:
            address = check_host(self._dns_host, self.port, self.policy)
        except AddressRefused as exc:
            raise NewConnectionError(self, str(exc)) from exc
        # Connect to the address that was checked; TLS still verifies the certificate for the host name.
        self._dns_host = str(address)
        return super()._new_conn()


def _pool(base_pool, base_connection, policy: Policy):
    connection = type(f"Guarded{base_connection.__name__}", (_Guarded, base_connection), {"policy": policy})
    return type(f"Guarded{base_pool.__name__}", (base_pool,), {"ConnectionCls": connection})


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections check their address first."""

    def __init__(self, policy: Policy, **kwargs):
        self.policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _pool(HTTPConnectionPool, HTTPConnection, self.policy),
            "https": _pool(HTTPSConnectionPool, HTTPSConnection, self.policy),
        }


class OutboundSession(requests.Session):
    """A requests session for outbound calls: guarded addresses, no redirects, a timeout always."""

    def __init__(self, policy: Policy, timeout: float = 30):
        super().__init__()
        self.trust_env = False  # no proxy or .netrc from the environment decides where calls go
        self.default_timeout = timeout
        adapter = GuardedAdapter(policy)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method, url, **kwargs):
        kwargs["allow_redirects"] = False
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, **kwargs)

