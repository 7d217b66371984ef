"""Client-address allowlists (the admin gate, ``/metrics``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable


def address_in_networks(remote_addr: str, networks: Iterable[str]) -> bool:
    """Whether ``remote_addr`` is one of ``networks`` (addresses or CIDR); an unparsable address is not."""
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in networks)
