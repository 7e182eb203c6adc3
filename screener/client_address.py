"""The address a per-address limit counts by.

An IPv6 client usually has a whole /64 to itself (its home or office network, where
any device picks new addresses at will), so counting by the full address would give a
guesser 2^64 fresh counters. Every per-address limit (failed sign-ins, kiosk codes, new
screenings, the API) counts by the /64 instead; an IPv4 address counts by itself.
``request.remote_addr`` is already the client's address as far as the trusted proxies
say (``screener.auth.throttle``).
"""

from __future__ import annotations

import ipaddress

from flask import request

IPV6_PREFIX = 64


def client_address() -> str:
    """The requesting client's counting key: its IPv4 address or its IPv6 /64."""
    return network_of(request.remote_addr)


def network_of(address: str | None) -> str:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False))
    return str(ip)
