"""A local HTTP test double that speaks both wire formats, OpenAI `/v1/chat/completions` and
Anthropic `/v1/messages`, so the real SDKs can be pointed at it.

Answers come from the `scripted` model's showcase brain (decoded from the wire request, encoded
back). Faults are queued per wire format and consumed one per request: `429` (Retry-After: 1),
`500`, `529`, `401`, `status:CODE:MESSAGE`, `hang`, `malformed_body`, `empty`, `refusal`,
`bad_plan` (an answer that is not a plan), and `tools:bad_tool_args` (applies to the next
request that offers tools).
`always[wire] = FAULT` repeats a fault on every request.
"""

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from examples.shop import brain as showcase_brain
from examples.shop.app import app as shop
from relay.agents.llm_models import LlmRequest, Message, ToolCall, ToolSchema
from relay.testing.scripted import count_replies

WIRES = {"/v1/chat/completions": "openai", "/v1/messages": "anthropic"}
STATUS_FAULTS = {"429": 429, "500": 500, "529": 529, "401": 401}


@dataclass
class Seen:
    wire: str
    at: float
    fault: str | None
    body: dict[str, Any]
    tokens: tuple[int, int] = (0, 0)  # usage this answer reported, when it carried any
    port: int = 0  # the client's port: one per connection the SDK opened


@dataclass
class FakeLlmState:
    faults: dict[str, list[str]] = field(default_factory=lambda: {"openai": [], "anthropic": []})
    always: dict[str, str] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    reported_input: int = 0  # tokens reported in successful answers
    reported_output: int = 0
    hang_seconds: float = 5.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_fault(self, wire: str, has_tools: bool) -> str | None:
        with self.lock:
            if wire in self.always:
                return self.always[wire]
            queue = self.faults[wire]
            for index, fault in enumerate(queue):
                if not fault.startswith("tools:") or has_tools:
                    del queue[index]
                    return fault.removeprefix("tools:")
            return None

    def requests(self, wire: str) -> list[Seen]:
        return [s for s in self.seen if s.wire == wire]


def _purpose(messages: list[Message], tools: list[ToolSchema]) -> tuple[str, str]:
    first_user = next((m.content for m in messages if m.role == "user"), "")
    if "Split the goal into tasks" in first_user:
        return "plan", "planner"
    if tools:
        agent = next(a.name for a in shop.agents.values() if tools[0].name in a.tools)
        return "agent", agent
    return "synthesize", "supervisor"


def decode_openai(body: dict[str, Any]) -> LlmRequest:
    messages = []
    for m in body["messages"]:
        calls = [
            ToolCall(
                id=c["id"],
                name=c["function"]["name"],
                arguments=json.loads(c["function"]["arguments"]),
            )
            for c in m.get("tool_calls") or []
        ]
        messages.append(
            Message(
                role=m["role"],
                content=m.get("content") or "",
                tool_calls=calls,
                tool_call_id=m.get("tool_call_id"),
            )
        )
    tools = [
        ToolSchema(
            name=t["function"]["name"],
            description=t["function"]["description"],
            parameters=t["function"]["parameters"],
        )
        for t in body.get("tools", [])
    ]
    return _request(body["model"], messages, tools)


def decode_anthropic(body: dict[str, Any]) -> LlmRequest:
    messages = [Message(role="system", content=body["system"])] if body.get("system") else []
    for m in body["messages"]:
        if isinstance(m["content"], str):
            messages.append(Message(role=m["role"], content=m["content"]))
            continue
        text = "".join(b["text"] for b in m["content"] if b["type"] == "text")
        calls = [
            ToolCall(id=b["id"], name=b["name"], arguments=b["input"])
            for b in m["content"]
            if b["type"] == "tool_use"
        ]
        results = [b for b in m["content"] if b["type"] == "tool_result"]
        if results:
            messages += [
                Message(role="tool", content=b["content"], tool_call_id=b["tool_use_id"])
                for b in results
            ]
        else:
            messages.append(Message(role=m["role"], content=text, tool_calls=calls))
    tools = [
        ToolSchema(name=t["name"], description=t["description"], parameters=t["input_schema"])
        for t in body.get("tools", [])
    ]
    return _request(body["model"], messages, tools)


def _request(model: str, messages: list[Message], tools: list[ToolSchema]) -> LlmRequest:
    purpose, agent = _purpose(messages, tools)
    step = count_replies(messages) + 1
    return LlmRequest(
        model=model,
        purpose=purpose,
        agent=agent,
        step=step,  # type: ignore[arg-type]
        messages=messages,
        tools=tools,
    )


def usage_for(request: LlmRequest, content: str) -> tuple[int, int]:
    """Deterministic token counts the tests can add up."""
    return 100 + 10 * len(request.messages), 20 + len(content) // 10


def encode_openai(
    model: str, content: str, calls: list[ToolCall], tokens: tuple[int, int], bad_args: bool
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content or None}
    if calls:
        message["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {
                    "name": c.name,
                    "arguments": "{oops" if bad_args else json.dumps(c.arguments),
                },
            }
            for c in calls
        ]
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}
        ],
        "usage": {
            "prompt_tokens": tokens[0],
            "completion_tokens": tokens[1],
            "total_tokens": sum(tokens),
        },
    }


def encode_anthropic(
    model: str, content: str, calls: list[ToolCall], tokens: tuple[int, int]
) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": content}] if content else []
    blocks += [
        {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in calls
    ]
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": "tool_use" if calls else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": tokens[0], "output_tokens": tokens[1]},
    }


def _status_fault(fault: str) -> tuple[int, str]:
    """`529`, or `status:400:message text` for any status with a message."""
    if fault in STATUS_FAULTS:
        return STATUS_FAULTS[fault], f"fault {fault}"
    _, code, *message = fault.split(":", 2)
    return int(code), message[0] if message else f"fault {code}"


class _Handler(BaseHTTPRequestHandler):
    state: FakeLlmState
    protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs: a client may reuse its connection

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        wire = WIRES.get(self.path.split("?")[0])
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if wire is None:
            self._send(404, b'{"error": {"message": "no such route"}}')
            return
        fault = self.state.take_fault(wire, bool(body.get("tools")))
        seen = Seen(wire, time.monotonic(), fault, body, port=self.client_address[1])
        with self.state.lock:
            self.state.seen.append(seen)
        # The client may have given up already (a hang past its timeout).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer(seen)

    def _answer(self, seen: Seen) -> None:
        wire, body, fault = seen.wire, seen.body, seen.fault
        if fault and (fault in STATUS_FAULTS or fault.startswith("status:")):
            status, message = _status_fault(fault)
            delay = "1" if status == 429 else "0.05"
            error = (
                {"type": "error", "error": {"type": "api_error", "message": message}}
                if wire == "anthropic"
                else {"error": {"message": message, "type": "x"}}
            )
            self._send(status, json.dumps(error).encode(), {"Retry-After": delay})
            return
        if fault == "hang":
            time.sleep(self.state.hang_seconds)
        if fault == "malformed_body":
            self._send(200, b'{"id": "truncated", "choices": [')
            return
        request = decode_openai(body) if wire == "openai" else decode_anthropic(body)
        content, calls = showcase_brain.respond(request)
        if fault == "bad_plan":
            content, calls = "Sure, here is my plan: first orders, then returns.", []
        if fault in ("empty", "refusal"):
            content, calls = "", []
        tokens = usage_for(request, content)
        answer = (
            encode_openai(body["model"], content, calls, tokens, fault == "bad_tool_args")
            if wire == "openai"
            else encode_anthropic(body["model"], content, calls, tokens)
        )
        if fault == "refusal":
            if wire == "openai":
                answer["choices"][0]["message"]["refusal"] = "I cannot help with that."
            else:
                answer["stop_reason"] = "refusal"
        seen.tokens = tokens
        with self.state.lock:
            self.state.reported_input += tokens[0]
            self.state.reported_output += tokens[1]
        self._send(200, json.dumps(answer).encode())


class FakeLlmServer:
    def __init__(self) -> None:
        self.state = FakeLlmState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def __enter__(self) -> "FakeLlmServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()
