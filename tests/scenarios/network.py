"""A TCP proxy between a service and its database that a test can cut: `partition()` stops relaying bytes and
answers no new connection, as a database host that vanished from the network does (no reset, no refusal:
the client waits); `heal()` relays again."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading


class Proxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.relaying = threading.Event()
        self.relaying.set()
        self.stopped = threading.Event()
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def partition(self) -> None:
        self.relaying.clear()

    def heal(self) -> None:
        self.relaying.set()

    def close(self) -> None:
        self.stopped.set()
        self.relaying.set()
        self.listener.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.relaying.wait()  # a partitioned host answers no handshake: the client waits on it
            if self.stopped.is_set():
                client.close()
                return
            thread = threading.Thread(target=self._relay, args=(client,), daemon=True)
            thread.start()

    def _relay(self, client: socket.socket) -> None:
        with contextlib.closing(client), contextlib.closing(socket.create_connection(self.target)) as upstream:
            selector = selectors.DefaultSelector()
            selector.register(client, selectors.EVENT_READ, upstream)
            selector.register(upstream, selectors.EVENT_READ, client)
            while not self.stopped.is_set():
                for key, _ in selector.select(timeout=0.1):
                    self.relaying.wait()  # bytes are held, not dropped, while partitioned
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
