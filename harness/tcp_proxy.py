"""A TCP proxy between the browser and the app that can drop the connection the way hall Wi-Fi
does: `cut()` aborts every open connection and refuses new ones, `restore()` accepts again;
`stall()` keeps the connections open but delivers nothing either way (Wi-Fi that stops carrying
before it drops: what is sent meanwhile is lost).

Playwright's `context.set_offline(True)` is no stand-in: it holds an open websocket's traffic
without closing it, so the page never learns it is offline (../shared/BROWSER.md). Here the
browser's sockets really close, and Streamlit's page goes through its reconnect cycle.

Runs an asyncio loop on a thread of its own, listening on 127.0.0.1 only:

    with TcpProxy(target_port) as proxy:
        page.goto(proxy.url)
        proxy.cut(); ...; proxy.restore()
"""

import asyncio
import contextlib
import socket
import threading

_CHUNK = 65536


class TcpProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._cut = False
        self._stalled = False
        self.connections = 0  # accepted while open, for a test to see the page came back

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "TcpProxy":
        self._thread.start()
        # Bound once, kept for the proxy's life: a cut refuses at accept time, so the page
        # reconnects to the same address when it is restored.
        listening = socket.create_server(("127.0.0.1", 0))
        self.port = listening.getsockname()[1]
        self._server = self._call(asyncio.start_server(self._accept, sock=listening))
        return self

    def __exit__(self, *exc) -> None:
        self._call(self._close_all(shutdown=True))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def cut(self) -> None:
        """Abort every open connection (a reset, not a polite close) and refuse new ones."""
        self._call(self._set_cut(True))

    def stall(self) -> None:
        """Deliver nothing from now on, in either direction, and drop it, on open connections."""
        self._stalled = True

    def restore(self) -> None:
        self._stalled = False
        self._call(self._set_cut(False))

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _set_cut(self, cut: bool) -> None:
        self._cut = cut
        if cut:
            await self._close_all()

    async def _close_all(self, shutdown: bool = False) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        if shutdown and self._server is not None:
            self._server.close()

    async def _accept(self, client_reader, client_writer) -> None:
        if self._cut:
            client_writer.transport.abort()  # refused: the browser sees a reset at once
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self.connections += 1
        self._writers |= {client_writer, server_writer}
        try:
            await asyncio.gather(
                _pipe(client_reader, server_writer, self),
                _pipe(server_reader, client_writer, self),
            )
        finally:
            for writer in (client_writer, server_writer):
                self._writers.discard(writer)
                writer.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, proxy: TcpProxy) -> None:
    with contextlib.suppress(OSError, asyncio.CancelledError):
        while chunk := await reader.read(_CHUNK):
            if proxy._stalled:
                continue  # lost on the way
            writer.write(chunk)
            await writer.drain()
    writer.transport.abort()  # one side is done: the pair is done (HTTP keep-alive reopens)
