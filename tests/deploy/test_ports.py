"""Port probing shared by the router's preflight, shadow-replay, the demo, tests and benchmarks."""

from __future__ import annotations

import socket

import pytest

from generator.deploy.ports import free_port, free_port_block, port_is_free


def test_a_listening_port_is_not_free_and_a_released_one_is() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert not port_is_free(port)
        assert free_port_block(1, [port, free_port()]) != port
        with pytest.raises(LookupError, match="no block of 2 free ports"):
            free_port_block(2, [port - 1, port])
    assert port_is_free(port)
