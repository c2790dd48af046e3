"""Following another service's ledger over HTTP, as scoring_service and alert_service do: pages in position
order by long poll, retried with backoff while the upstream is away, and each page checked to continue
the hash chain from where the follower stands, so a rewritten upstream history is noticed, not absorbed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent import futures
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import httpx
import structlog

from shared.platform.chain import ChainBreak, ChainedEntry, ChainHead, verify_chain
from shared.platform.checkpoints import Checkpoint, PublicKey, public_key
from shared.platform.http_client import http_client

log = structlog.get_logger("log_client")
LONG_POLL_SECONDS = 2.0  # an idle follower of another service asks again this often


class ChainMismatch(Exception):
    """The upstream's entries do not continue the chain the follower already holds."""


class FollowerClosed(Exception):
    """The follower was closed while it waited on the upstream."""


@dataclass(frozen=True)
class FollowedPage:
    entries: list[ChainedEntry]  # chained from `previous_hash`
    previous_hash: str  # the upstream's hash at the position asked after
    head: ChainHead
    checkpoint: Checkpoint | None  # the upstream's latest signed checkpoint, unverified: see ledger_views
    covering: Checkpoint | None  # the newest one at or below the page's last entry, when short of the latest


class LongPollClient:
    """An HTTP client to another service whose GETs may wait there for news (`wait` seconds). A waiting GET
    runs on its own thread, so that closing the client ends the wait at once: a stopping service does not
    sit out the rest of the poll."""

    def __init__(self, base_url: str, token: str, wait_seconds: float, transport: httpx.BaseTransport | None = None):
        self.http = http_client(
            base_url=base_url.rstrip("/"),
            headers={"authorization": f"Bearer {token}"},
            timeout=wait_seconds + 10,
            transport=transport,
        )
        self._waiting = futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="long-poll")
        self._closed: futures.Future[None] = futures.Future()

    def close(self) -> None:
        with suppress(futures.InvalidStateError):  # closed twice
            self._closed.set_result(None)
        self._waiting.shutdown(wait=False, cancel_futures=True)
        self.http.close()

    def get(self, path: str, params: dict[str, float | int], wait: float) -> httpx.Response:
        """GET `path`; with `wait`, the server may hold the answer that long, and closing cuts it short."""
        if not wait:
            return self.http.get(path, params=params)
        if self._closed.done():
            raise FollowerClosed("the client is closed")
        answer = self._waiting.submit(self.http.get, path, params={**params, "wait": wait})
        either: list[futures.Future[Any]] = [answer, self._closed]
        done, _ = futures.wait(either, return_when=futures.FIRST_COMPLETED)
        if answer not in done:
            raise FollowerClosed("the client was closed during a long poll")
        return answer.result()


class LedgerFollower:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        page_size: int = 500,
        wait_seconds: float = 20.0,
        transport: httpx.BaseTransport | None = None,
    ):
        self.page_size = page_size
        self.wait_seconds = wait_seconds
        self._upstream = LongPollClient(base_url, token, wait_seconds, transport)

    def close(self) -> None:
        self._upstream.close()

    def head(self) -> ChainHead:
        response = self._upstream.http.get("/v1/ledger/head")
        response.raise_for_status()
        body = response.json()
        return ChainHead(body["position"], body["hash"])

    def checkpoint_keys(self) -> list[PublicKey]:
        """The public keys goal_service lists for its ledger checkpoints, each checked against its key id."""
        response = self._upstream.http.get("/v1/ledger/checkpoints", params={"limit": 0})
        response.raise_for_status()
        keys = []
        for listed in response.json()["keys"]:
            key = public_key(listed["public_key"])
            if key.key_id == listed["key_id"]:
                keys.append(key)
        return keys

    def inclusion_proofs(self, positions: list[int], tree_size: int | None = None) -> dict[str, Any]:
        """goal_service's entries at these positions with their Merkle inclusion proofs in the tree of
        `tree_size` entries (its latest checkpoint's by default), as POST /v1/ledger/inclusion-proofs answers."""
        response = self._upstream.http.post(
            "/v1/ledger/inclusion-proofs", json={"positions": positions, "tree_size": tree_size}
        )
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def read(self, after: ChainHead | int, *, wait: float = 0.0) -> FollowedPage:
        """Entries after a position. Given the hash held at that position too, the page must chain from it."""
        position = after.position if isinstance(after, ChainHead) else after
        response = self._upstream.get("/v1/ledger/events", {"after": position, "limit": self.page_size}, wait)
        response.raise_for_status()
        page = response.json()
        if isinstance(after, ChainHead) and page["previous_hash"] != after.hash:
            raise ChainMismatch(f"upstream's hash at position {position} is not the one this follower holds")
        entries = [ChainedEntry(e["position"], e["entry"], e["hash"]) for e in page["events"]]
        reached = verify_chain(entries, ChainHead(position, page["previous_hash"]))
        if isinstance(reached, ChainBreak):
            raise ChainMismatch(f"upstream entry {reached.position}: {reached.reason}")
        try:
            checkpoint, covering = (
                Checkpoint.from_json(page[name]) if page.get(name) else None
                for name in ("checkpoint", "covering_checkpoint")
            )
        except ValueError as error:
            raise ChainMismatch(f"upstream's checkpoint is malformed: {error}") from None
        head = ChainHead(page["head"]["position"], page["head"]["hash"])
        return FollowedPage(entries, page["previous_hash"], head, checkpoint, covering)

    def read_page(self, after: ChainHead | int, *, wait: float = 0.0) -> list[ChainedEntry]:
        return self.read(after, wait=wait).entries

    def follow(self, after: ChainHead | int, stop: threading.Event) -> Iterator[ChainedEntry]:
        """Every entry after `after`, in order, until `stop` is set; waits out upstream outages."""
        backoff = 0.1
        while not stop.is_set():
            try:
                entries = self.read_page(after, wait=self.wait_seconds)
            except (httpx.TransportError, httpx.HTTPStatusError) as error:
                log.warning("upstream ledger unavailable", error=str(error), retry_in=backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = 0.1
            for entry in entries:
                yield entry
                after = ChainHead(entry.position, entry.hash)
