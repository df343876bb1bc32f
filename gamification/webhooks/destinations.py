"""Where webhooks may go: public addresses only (server-side request forgery), unless private
destinations are allowed (development, local receivers).

A URL is checked twice. At creation, its host must not be a literal private address or an
obviously local name. At delivery, the connection itself resolves the name once, refuses it
unless every address it resolves to is public, and connects to an address it checked. Checking a
name and then letting the HTTP client resolve it again would leave a gap: a DNS record that
flips between the two lookups (DNS rebinding) would turn the delivery inward.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable

import httpcore
import httpx

from core.errors import ErrorCode, ValidationFailed

PRIVATE_DESTINATION = "Webhooks go to public addresses only, not a private network."


def private_address(address: str) -> bool:
    """Not a globally routable address: private, loopback, link-local, reserved and the like."""
    try:
        return not ipaddress.ip_address(address.split("%", 1)[0]).is_global
    except ValueError:
        return False


def private_host(host: str) -> bool:
    """A literal private, loopback or link-local address, or a name that is obviously local."""
    host = host.strip("[]").lower().rstrip(".")
    return host == "localhost" or host.endswith(".localhost") or private_address(host)


def private_destination() -> ValidationFailed:
    return ValidationFailed(ErrorCode.INVALID_URL, PRIVATE_DESTINATION, "url")


def delivery_client(timeout: float, allow_private: bool) -> httpx.AsyncClient:
    """The HTTP client deliveries are sent with. It follows no redirect (a 3xx is a failed
    attempt). Unless private destinations are allowed, it connects only to public addresses,
    each one the address it checked, and (given its own transport) ignores the environment's
    proxy settings: a proxy would resolve names where we cannot check them."""
    if allow_private:
        return httpx.AsyncClient(timeout=timeout)
    return httpx.AsyncClient(timeout=timeout, transport=_PublicOnlyTransport())


class _PublicOnlyTransport(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        # httpx takes no network backend of its own; its connection pool does.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=_PublicOnlyNetwork()
        )


class _PublicOnlyNetwork(httpcore.AsyncNetworkBackend):
    """Resolves a host once, refuses it if any of its addresses is not public, and connects to
    the addresses it checked. TLS still verifies the certificate against the host's name, and the
    request still carries that name in its Host header."""

    def __init__(self) -> None:
        self._network = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if private_host(host):
            raise httpcore.ConnectError(PRIVATE_DESTINATION)
        try:
            async with asyncio.timeout(timeout):
                found = await asyncio.get_running_loop().getaddrinfo(
                    host, port, type=socket.SOCK_STREAM
                )
        except TimeoutError as problem:
            raise httpcore.ConnectTimeout(f"resolving {host}: timed out") from problem
        except OSError as problem:
            raise httpcore.ConnectError(f"resolving {host}: {problem}") from problem
        addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
        if not addresses:
            raise httpcore.ConnectError(f"resolving {host}: no address")
        if any(private_address(address) for address in addresses):
            raise httpcore.ConnectError(PRIVATE_DESTINATION)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return await self._network.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as problem:
                failure = problem
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError(PRIVATE_DESTINATION)

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)
