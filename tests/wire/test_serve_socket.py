"""`serve`'s listening socket: the connections it accepts send small answers at once.

asyncio turns Nagle's algorithm off (TCP_NODELAY) on an accepted connection only when the socket
says its protocol is TCP. `bind()` made it with protocol 0, so on a kept-alive connection a
sync's body (its own segment after the headers) waited for the client's delayed acknowledgement:
about 40 ms on every sync but a connection's first."""

from __future__ import annotations

import asyncio
import socket

import pytest

from desktop.backend.web.serve import bind


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_connections_accepted_by_serve_send_without_waiting_for_acks(host: str) -> None:
    try:
        listening = bind(host, 0)
    except OSError:
        pytest.skip(f"no {host} on this machine")

    async def accepted_nodelay() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listening)
        async with server:
            _, writer = await asyncio.open_connection(*listening.getsockname()[:2])
            try:
                return await asyncio.wait_for(accepted, 10)
            finally:
                writer.close()

    assert asyncio.run(accepted_nodelay()) != 0
