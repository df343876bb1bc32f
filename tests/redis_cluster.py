"""A real three-master Redis Cluster started from the redis-server binary, and a recorder of
every command its nodes run (MONITOR), with the keys each command touches as the server sees
them (COMMAND GETKEYS)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from redis.asyncio import Connection, Redis
from redis.exceptions import ResponseError

REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli")
# Where the nodes' ports are looked for (the cluster bus takes each port + 10000 too); moved with
# TEST_REDIS_CLUSTER_PORT when another checkout's suite uses these.
FIRST_PORT = int(os.environ.get("TEST_REDIS_CLUSTER_PORT", "7200"))


def _free(port: int) -> bool:
    for candidate in (port, port + 10_000):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                return False
    return True


def _ports(count: int) -> list[int]:
    ports = [p for p in range(FIRST_PORT, FIRST_PORT + 100) if _free(p)][:count]
    if len(ports) < count:
        raise RuntimeError(f"no {count} free ports from {FIRST_PORT} for a Redis Cluster")
    return ports


@dataclass
class Cluster:
    ports: list[int]

    @property
    def url(self) -> str:
        """Any node: the client learns the others and the slots from it."""
        return f"redis://127.0.0.1:{self.ports[0]}"

    async def flush(self) -> None:
        """Empty every node (what losing Redis does to the boards)."""
        for port in self.ports:
            node = Redis(port=port)
            await node.flushall()
            await node.aclose()

    async def keys(self) -> list[str]:
        """Every key on every node."""
        found: list[str] = []
        for port in self.ports:
            node = Redis(port=port, decode_responses=True)
            found += [key async for key in node.scan_iter(count=1000)]
            await node.aclose()
        return found


async def _answers(port: int) -> bool:
    node = Redis(port=port, socket_connect_timeout=0.2)
    try:
        return bool(await node.ping())
    except OSError:
        return False
    except Exception:  # not up yet: any refusal of a starting server
        return False
    finally:
        await node.aclose()


async def _cluster_ok(port: int) -> bool:
    node = Redis(port=port, decode_responses=True)
    try:
        info = await node.execute_command("CLUSTER", "INFO")
    finally:
        await node.aclose()
    text = info if isinstance(info, str) else str(info)
    return "cluster_state:ok" in text


@asynccontextmanager
async def running_cluster(directory: Path, masters: int = 3) -> AsyncIterator[Cluster]:
    """Start `masters` cluster-enabled redis-servers in `directory`, join them with
    `redis-cli --cluster create`, and stop them when the block ends."""
    assert REDIS_SERVER and REDIS_CLI
    ports = _ports(masters)
    servers = []
    try:
        for port in ports:
            home = directory / str(port)
            home.mkdir(parents=True, exist_ok=True)
            options = {
                "port": str(port),
                "bind": "127.0.0.1",
                "cluster-enabled": "yes",
                "cluster-config-file": str(home / "nodes.conf"),
                "dir": str(home),
                "save": "",
                "appendonly": "no",
                "daemonize": "no",
            }
            arguments = [part for name, value in options.items() for part in (f"--{name}", value)]
            servers.append(
                await asyncio.create_subprocess_exec(
                    REDIS_SERVER,
                    *arguments,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for port in ports:
            for _ in range(200):  # the servers give no start-up signal to wait on
                if await _answers(port):
                    break
                await asyncio.sleep(0.02)
        nodes = [f"127.0.0.1:{port}" for port in ports]
        create = await asyncio.create_subprocess_exec(
            REDIS_CLI,
            *["--cluster", "create", *nodes, "--cluster-replicas", "0", "--cluster-yes"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(create.communicate(), timeout=60)
        if create.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed: {output.decode()}")
        for port in ports:
            for _ in range(500):  # the nodes agree on the slots through their bus
                if await _cluster_ok(port):
                    break
                await asyncio.sleep(0.02)
            else:
                raise RuntimeError(f"the cluster node on {port} never got to cluster_state:ok")
        yield Cluster(ports)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                await asyncio.wait_for(server.wait(), timeout=10)
            except TimeoutError:
                server.kill()
                await server.wait()


# A MONITOR line: `<time> [<db> <client or lua>] "COMMAND" "arg" ...`
_LINE = re.compile(r"^\d+\.\d+ \[\d+ (?P<source>[^\]]+)\] (?P<args>.*)$", re.S)
_ARG = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "a": "\a", "b": "\b", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "x":
                out.append(chr(int(text[i + 2 : i + 4], 16)))
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class Command:
    node: int
    from_script: bool
    args: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.args[0].upper()


# Commands of the client library and of this recorder, not of the app's data.
_HOUSEKEEPING = {
    "CLUSTER", "COMMAND", "PING", "INFO", "READONLY", "READWRITE", "CLIENT", "HELLO", "SELECT",
    "SCRIPT", "FLUSHALL", "FLUSHDB", "MONITOR", "AUTH", "ECHO",
}  # fmt: skip


@dataclass
class Recording:
    cluster: Cluster
    commands: list[Command] = field(default_factory=list)
    _markers: dict[str, asyncio.Queue[int]] = field(default_factory=dict)

    async def settle(self) -> list[Command]:
        """What the nodes ran up to now: each node runs a marker after all of it, and its
        listener has read up to that marker when this returns."""
        marker = f"recorded-{uuid.uuid4().hex}"
        heard = self._markers[marker] = asyncio.Queue()
        for port in self.cluster.ports:
            node = Redis(port=port)
            await node.echo(marker)
            await node.aclose()
        nodes = {await asyncio.wait_for(heard.get(), timeout=30) for _ in self.cluster.ports}
        assert nodes == set(self.cluster.ports)
        return list(self.commands)

    def _heard(self, node: int, from_script: bool, args: tuple[str, ...]) -> None:
        if len(args) == 2 and args[0].upper() == "ECHO" and args[1] in self._markers:
            self._markers[args[1]].put_nowait(node)
        elif args:
            self.commands.append(Command(node, from_script, args))


async def keys_of(port: int, commands: list[Command]) -> list[tuple[Command, list[str]]]:
    """Each data command with the keys the server says it touches (COMMAND GETKEYS, over a bare
    connection: the client would parse its answer as COMMAND's)."""
    connection = Connection(host="127.0.0.1", port=port, decode_responses=True)
    await connection.connect()
    found = []
    try:
        for command in commands:
            if command.name in _HOUSEKEEPING:
                continue
            await connection.send_command("COMMAND", "GETKEYS", *command.args)
            try:
                keys = await connection.read_response()
            except ResponseError:
                keys = []  # a command without keys (SCAN, TIME...)
            found.append((command, [str(k) for k in keys]))
    finally:
        await connection.disconnect()
    return found


@asynccontextmanager
async def recording(cluster: Cluster) -> AsyncIterator[Recording]:
    """Every command the nodes run while the block runs, scripts' own commands included."""
    record = Recording(cluster)
    connections = []
    tasks = []

    async def listen(node: int, connection: Connection) -> None:
        while True:
            line = await connection.read_response()
            text = line.decode("utf-8", "replace") if isinstance(line, bytes) else str(line)
            match = _LINE.match(text)
            if match is not None:
                args = tuple(_unquote(a) for a in _ARG.findall(match["args"]))
                record._heard(node, match["source"] == "lua", args)

    for port in cluster.ports:
        connection = Connection(host="127.0.0.1", port=port)
        await connection.connect()
        await connection.send_command("MONITOR")
        assert await connection.read_response() in (b"OK", "OK")
        connections.append(connection)
        tasks.append(asyncio.create_task(listen(port, connection)))
    try:
        yield record
    finally:
        for task in tasks:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        for connection in connections:
            await connection.disconnect()
