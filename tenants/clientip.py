"""The client's address, for rate limits: REMOTE_ADDR, or the proxy's header when the request came from a trusted proxy.

settings.JUNXIU_CLIENT_IP_HEADER names the header the proxy sets ("X-Forwarded-For", "X-Real-IP"; empty: none) and
settings.JUNXIU_TRUSTED_PROXIES lists the proxies' addresses or networks. The header is believed only when REMOTE_ADDR
is a trusted proxy (anyone else can send any header). In a list (X-Forwarded-For) the client is the right-most address
that is not itself a trusted proxy: the entries left of it were written by the client and may be forged (and are
ignored). A missing or invalid header (garbage at or right of the client's place) falls back to REMOTE_ADDR.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for item in proxies:
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue  # a typo in the setting trusts nothing more
    return tuple(networks)


def trusted_networks() -> tuple[Network, ...]:
    proxies = getattr(settings, "JUNXIU_TRUSTED_PROXIES", ("127.0.0.1/32", "::1"))
    if isinstance(proxies, str):
        proxies = proxies.split(",")
    return _networks(tuple(str(item) for item in proxies if str(item).strip()))


def _address(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "1.2.3.4:5678"
        value = value.split(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def _meta_key(header: str) -> str:
    header = header.strip()
    if header.upper().startswith("HTTP_") or header == "REMOTE_ADDR":
        return header.upper()
    return "HTTP_" + header.upper().replace("-", "_")


def client_ip(request) -> str:
    """The client's address (REMOTE_ADDR unless a trusted proxy says otherwise); "unknown" when there is none."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    fallback = remote or "unknown"
    header = getattr(settings, "JUNXIU_CLIENT_IP_HEADER", "") or ""
    if not header.strip():
        return fallback
    peer = _address(remote)
    networks = trusted_networks()
    if peer is None or not _trusted(peer, networks):
        return fallback
    value = request.META.get(_meta_key(header), "")
    if not isinstance(value, str) or not value.strip() or len(value) > 2000:
        return fallback
    hops = [_address(item) for item in value.split(",")]
    for hop in reversed(hops):
        if hop is None:  # garbage where the client should be (what lies further left is the client's own word)
            return fallback
        if not _trusted(hop, networks):
            return str(hop)
    return str(hops[0])  # every hop is a proxy (e.g. a local health check): the first one
