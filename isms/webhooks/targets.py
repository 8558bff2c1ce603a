"""Where a webhook may be sent: no SSRF into the deployment's own network.

A target URL is resolved and refused when any address it resolves to is loopback, private,
link-local (the cloud metadata service at 169.254.169.254 among them), multicast, reserved or
unspecified — checked when the endpoint is registered or changed, and again before every
attempt (DNS may change after registration). The attempt then connects to the very address
that was checked (`PinnedHTTPConnection`), so a second lookup cannot swap in another one
(DNS rebinding). Redirects are never followed.

HTTPS is required. An admin may allow internal targets for one endpoint (`allow_internal`, in
the audit trail): that endpoint may then reach internal addresses and use plain HTTP, since
receivers inside a private network often have no publicly trusted certificate.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

UNSAFE_TARGET = "unsafe_target"


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query string
    address: str  # the checked IP address the attempt connects to


def _is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _refuse(message: str) -> ValidationError:
    return ValidationError({"url": ValidationError(message, code=UNSAFE_TARGET)})


def resolve(url: str, *, allow_internal: bool = False) -> Target:
    """The target of `url`, or ValidationError on the `url` field saying why not."""
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    if scheme not in ("https", "http"):
        raise _refuse("Use an https:// URL.")
    if scheme == "http" and not allow_internal:
        raise _refuse(
            "Use an https:// URL (plain http is allowed only for an endpoint an admin allowed "
            "to reach internal addresses)."
        )
    if parts.username or parts.password:
        raise _refuse("Put no user name or password in the URL; the signature authenticates.")
    host = parts.hostname
    if not host:
        raise _refuse("The URL names no host.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise _refuse("The URL's port is not a number between 1 and 65535.") from None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise _refuse(f"The host {host!r} does not resolve.") from None
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise _refuse(f"The host {host!r} does not resolve.")
    internal = [str(a) for a in addresses if _is_internal(a)]
    if internal and not allow_internal:
        raise _refuse(
            f"The host {host!r} resolves to an internal address ({', '.join(internal)}): "
            "loopback, private, link-local, multicast, reserved and unspecified addresses are "
            "refused unless an admin allows internal targets for this endpoint."
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address, whatever the host name resolves to now."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address, verifying the certificate for the URL's host name."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def connection(target: Target, *, timeout: float) -> http.client.HTTPConnection:
    cls = PinnedHTTPSConnection if target.scheme == "https" else PinnedHTTPConnection
    return cls(target, timeout=timeout)
