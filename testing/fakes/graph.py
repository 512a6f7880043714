"""A fake Graph API on loopback: records Send API calls, answers as Meta does (or as scripted)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from testing.fakes.loopback import JsonHandler, close, serve


def graph_ok() -> dict[str, Any]:
    """A scripted reply that lets the call through as usual (to script a later one)."""
    return {"pass": True}


def graph_error(code: int, subcode: int | None = None, message: str = "fake") -> dict[str, Any]:
    """A Send API error reply: (HTTP status, body)."""
    body: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "FAKE",
    }
    if subcode is not None:
        body["error_subcode"] = subcode
    return {"status": 400 if code not in (1, 2) else 500, "body": {"error": body}}


@dataclass
class FakeGraph:
    """Records every call in `calls`; `script(...)` queues error replies for message sends."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    replies: deque[dict[str, Any]] = field(default_factory=deque)
    # For thread-control calls (pass/take_thread_control), scripted separately.
    action_replies: deque[dict[str, Any]] = field(default_factory=deque)
    delay: float = 0.0
    # The ID Matching API: app-scoped id → [(page id, PSID)], for GET /{v}/{asid}/ids_for_pages.
    page_ids: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    lookup_replies: deque[dict[str, Any]] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def script(self, *replies: dict[str, Any]) -> None:
        with self.lock:
            self.replies.extend(replies)

    def script_actions(self, *replies: dict[str, Any]) -> None:
        with self.lock:
            self.action_replies.extend(replies)

    def script_lookups(self, *replies: dict[str, Any]) -> None:
        """Replies (e.g. `graph_error(...)`) for the next ID Matching lookups, in order."""
        with self.lock:
            self.lookup_replies.extend(replies)

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.replies.clear()
            self.action_replies.clear()
            self.page_ids.clear()
            self.lookup_replies.clear()
            self.delay = 0.0

    @property
    def lookups(self) -> list[dict[str, Any]]:
        """The GET calls (ID Matching lookups), with their path and query parameters."""
        with self.lock:
            return [c for c in self.calls if c.get("method") == "GET"]

    def _batch(self, path: str, form: dict[str, str]) -> list[dict[str, Any]]:
        """A batch request (`POST /{version}/` with `batch=[{method, relative_url}]`): each
        GET answered as if sent alone, with the batch's token and proof."""
        shared = {key: form[key] for key in ("access_token", "appsecret_proof") if key in form}
        answers = []
        for call in json.loads(form.get("batch") or "[]"):
            url = urlsplit(call.get("relative_url", ""))
            query = {key: values[-1] for key, values in parse_qs(url.query).items()}
            status, body = self._ids_for_pages(f"{path.rstrip('/')}/{url.path}", query | shared)
            answers.append({"code": status, "body": json.dumps(body)})
        return answers

    def _ids_for_pages(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Answer `GET /{version}/{asid}/ids_for_pages?page=…` as Meta does, from `page_ids`."""
        with self.lock:
            self.calls.append({"method": "GET", "path": path, "query": query, "body": {},
                               "time": time.time()})  # fmt: skip
            reply = self.lookup_replies.popleft() if self.lookup_replies else None
            segments = path.strip("/").split("/")
            known = self.page_ids.get(segments[1], []) if len(segments) == 3 else []
        if reply is not None:
            return reply["status"], reply["body"]
        if len(segments) != 3 or segments[2] != "ids_for_pages":
            return 400, graph_error(100, message="Unsupported get request")["body"]
        page = query.get("page")
        data = [
            {"id": psid, "page": {"id": page_id, "name": f"Page {page_id}"}}
            for page_id, psid in known
            if page is None or page_id == page
        ]
        return 200, {"data": data, "paging": {"cursors": {"before": "QVFI", "after": "QVFJ"}}}

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The message sends (not sender actions), in arrival order."""
        with self.lock:
            return [c for c in self.calls if "message" in c["body"]]

    def texts(self, psid: str | None = None) -> list[str]:
        return [
            c["body"]["message"].get("text", "")
            for c in self.messages
            if psid is None or c["body"]["recipient"]["id"] == psid
        ]

    def start(self) -> FakeGraph:
        fake = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:
                raw = self.read_body() or b"{}"
                if self.headers.get("Content-Type") == "application/x-www-form-urlencoded":
                    form = {key: values[-1] for key, values in parse_qs(raw.decode()).items()}
                    self._send(200, fake._batch(urlsplit(self.path).path, form))
                    return
                body = json.loads(raw)
                if fake.delay:
                    time.sleep(fake.delay)
                with fake.lock:
                    is_message = "message" in body
                    is_action = "thread_control" in self.path
                    queue = (
                        fake.replies if is_message else fake.action_replies if is_action else None
                    )
                    reply = queue.popleft() if queue else None
                    if reply is not None and reply.get("pass"):
                        reply = None
                    if reply is None or reply.get("status") == 200:
                        fake.calls.append({"path": self.path, "body": body, "time": time.time()})
                if reply is None:
                    payload = {"recipient_id": body.get("recipient", {}).get("id")}
                    if is_message:
                        payload["message_id"] = f"m_{uuid.uuid4().hex}"
                    self._send(200, payload)
                else:
                    self._send(reply["status"], reply["body"])

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {key: values[-1] for key, values in parse_qs(url.query).items()}
                self._send(*fake._ids_for_pages(url.path, query))

            def _send(self, status: int, payload: Any) -> None:
                self.send_body(status, json.dumps(payload).encode())

        self.server = serve(Handler)
        return self

    def stop(self) -> None:
        close(self.server)
