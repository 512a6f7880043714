"""A fake Graph API on loopback: records Send API calls, answers as Meta does (or as scripted)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from testing.fakes.loopback import JsonHandler, close, serve

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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
    # Attachment uploads (POST /me/message_attachments): what arrived, and scripted replies.
    uploads: list[dict[str, Any]] = field(default_factory=list)
    upload_replies: deque[dict[str, Any]] = field(default_factory=deque)
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
            self.uploads.clear()
            self.upload_replies.clear()
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

    def _upload(self, path: str, content_type: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        """`POST /{version}/me/message_attachments` as Meta answers it: a multipart form with a
        `message` JSON field and the file in `filedata` → `{"attachment_id": …}`."""
        form = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        fields: dict[str, Any] = {}
        upload: dict[str, Any] = {}
        for part in form.iter_parts():
            name = part.get_param("name", header="content-disposition")
            decoded = part.get_payload(decode=True)
            payload = decoded if isinstance(decoded, bytes) else b""
            if name == "filedata":
                upload = {
                    "filename": part.get_filename(),
                    "content_type": part.get_content_type(),
                    "size": len(payload),
                    "png": payload.startswith(PNG_SIGNATURE),
                    "content": payload,
                }
            elif isinstance(name, str):
                fields[name] = payload.decode()
        with self.lock:
            reply = self.upload_replies.popleft() if self.upload_replies else None
            if reply is not None and reply.get("pass"):
                reply = None
        if reply is not None:
            return reply["status"], reply["body"]
        try:
            message = json.loads(fields.get("message") or "null")
        except json.JSONDecodeError:
            message = None
        attachment = message.get("attachment") if isinstance(message, dict) else None
        if not path.endswith("/me/message_attachments") or not upload or not attachment:
            return 400, graph_error(100, message="(#100) Upload attachment failure.")["body"]
        attachment_id = str(uuid.uuid4().int % 10**16)
        with self.lock:
            self.uploads.append(
                {"path": path, "message": message, "fields": fields, "attachment_id":
                 attachment_id, "time": time.time(), **upload}
            )  # fmt: skip
        return 200, {"attachment_id": attachment_id}

    def script_uploads(self, *replies: dict[str, Any]) -> None:
        """Replies (e.g. `graph_error(...)`) for the next attachment uploads, in order."""
        with self.lock:
            self.upload_replies.extend(replies)

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
                if self.headers.get("Content-Type", "").startswith("multipart/form-data"):
                    self._send(*fake._upload(self.path, self.headers["Content-Type"], raw))
                    return
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
