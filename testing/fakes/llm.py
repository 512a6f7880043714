"""A fake OpenAI-compatible chat completions server on loopback, scripted per model.

LiteLLM reaches it through LLM_API_BASE exactly as it would reach a real provider.
Each request pops the next step of the model's script (or the default script):
a reply (text or tool calls), an HTTP error, a delay, or a garbage body.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from testing.fakes.loopback import JsonHandler, close, serve

Step = dict[str, Any]


def text(content: str) -> Step:
    """A plain assistant reply."""
    return {"kind": "message", "message": {"role": "assistant", "content": content}}


def tool_calls(*calls: tuple[str, Any]) -> Step:
    """An assistant message calling tools: (name, arguments as dict or raw string)."""
    return {
        "kind": "message",
        "message": {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": f"call_{uuid.uuid4().hex[:16]}",
                    "type": "function",
                    "function": {
                        "name": name,
                        "arguments": args if isinstance(args, str) else json.dumps(args),
                    },
                }
                for name, args in calls
            ],
        },
    }


def error(status: int, message: str = "fake error") -> Step:
    """An HTTP error with an OpenAI-shaped body."""
    return {"kind": "error", "status": status, "body": {"error": {"message": message, "type": "x"}}}


def delay(seconds: float, then: Step) -> Step:
    """Wait, then answer with `then` (for timeouts)."""
    return {**then, "delay": seconds}


def garbage() -> Step:
    """A 200 whose body is not JSON."""
    return {"kind": "garbage"}


@dataclass
class FakeLLM:
    """The server: script replies with `script(model, *steps)`, read `requests` afterwards."""

    scripts: dict[str, deque[Step]] = field(default_factory=lambda: defaultdict(deque))
    requests: list[dict[str, Any]] = field(default_factory=list)
    responder: Callable[[dict[str, Any]], Step] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        """The api_base to give LiteLLM."""
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def script(self, model: str, *steps: Step) -> None:
        """Queue replies for `model` ("*" for any model without its own script)."""
        with self.lock:
            self.scripts[model].extend(steps)

    def reset(self) -> None:
        """Forget scripts, requests and the responder."""
        with self.lock:
            self.scripts.clear()
            self.requests.clear()
            self.responder = None

    def next_step(self, body: dict[str, Any]) -> Step:
        with self.lock:
            self.requests.append(body)
            model = str(body.get("model", ""))
            for key in (model, model.split("/")[-1], "*"):
                if self.scripts.get(key):
                    return self.scripts[key].popleft()
        if self.responder is not None:
            return self.responder(body)
        return text("default fake reply")

    def start(self) -> FakeLLM:
        fake = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:
                body = json.loads(self.read_body() or b"{}")
                step = fake.next_step(body)
                if step.get("delay"):
                    time.sleep(step["delay"])
                if step["kind"] == "error":
                    self.send_body(step["status"], json.dumps(step["body"]).encode())
                elif step["kind"] == "garbage":
                    self.send_body(200, b"<html>definitely not json")
                else:
                    self.send_body(200, json.dumps(_completion(body, step["message"])).encode())

        self.server = serve(Handler)
        return self

    def stop(self) -> None:
        close(self.server)


def _completion(request: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fake"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
    }
