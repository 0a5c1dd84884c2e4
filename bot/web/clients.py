"""Which client a request comes from, for the per-address sign-in limits.

Behind a reverse proxy every request comes from the proxy, so the proxy's
``X-Forwarded-For`` is believed, but only from proxies named in
``ROSTER_TRUSTED_PROXIES``: anyone else could write any address there and
get limits of their own for every request. IPv6 clients are counted by /64,
the block one subscriber usually holds, or changing address would reset them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection

from aiohttp import web

from bot.settings import Network

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_address(request: web.Request, trusted: Collection[Network]) -> str:
    peer = _address(request.remote or "")
    if peer is None:
        return "unknown"
    hops = [h.strip() for h in ",".join(request.headers.getall("X-Forwarded-For", [])).split(",")]
    client = peer
    for hop in reversed([h for h in hops if h]):
        if not _trusted(client, trusted):
            break
        forwarded = _address(hop)
        if forwarded is None:
            break
        client = forwarded
    if client.version == 6:
        return str(ipaddress.ip_network(f"{client}/64", strict=False))
    return str(client)


def _trusted(address: Address, trusted: Collection[Network]) -> bool:
    return any(address in network for network in trusted)


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
