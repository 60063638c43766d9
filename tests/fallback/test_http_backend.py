"""The OpenAI-compatible backend, against a tiny chat-completions server on loopback."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from grammar.fallback import FallbackConfig, build_parser
from grammar.fallback.backends import ChatEndpoint, EndpointConfig
from grammar.nl_parser import ParseResult

SECRET = "sk-test-do-not-leak-1234567890"


class ChatServer:
    """Answers every chat completion with ``reply`` and remembers what it was sent."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                outer.requests.append(json.loads(self.rfile.read(length)))
                outer.headers.append(dict(self.headers))
                body = json.dumps({
                    "id": "chatcmpl-1", "object": "chat.completion",
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": outer.reply}}],
                }).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class Unsure:
    def parse(self, utterance, context=None):
        return ParseResult(None, 0.0, "rules", error="no reading")


def endpoint_parser(schema, url, monkeypatch, **config):
    monkeypatch.setenv("ASKMODEL_LLM_API_KEY", SECRET)
    monkeypatch.setenv("ASKMODEL_LLM_MODEL", "tiny-test")
    parser = build_parser(schema, f"openai:{url}", first=Unsure(),
                          config=FallbackConfig(lm_weight=1.0, ask_below=0.5, **config))
    parser._retriever = None  # keep this test free of the sentence encoder
    return parser


def test_endpoint_program_is_validated_and_used(schema, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    with ChatServer("filter smoker true and score recall [E]") as server:
        parser = endpoint_parser(schema, server.url, monkeypatch)
        result = parser.parse("recall for smokers")
    assert result.text == "filter smoker true and score recall [E]"
    assert result.source == "fallback"
    sent = server.requests[0]
    assert sent["model"] == "tiny-test"
    assert sent["messages"][-1]["content"].endswith("Question: recall for smokers\nProgram:")
    assert server.headers[0]["Authorization"] == "Bearer " + SECRET
    assert SECRET not in caplog.text
    assert SECRET not in repr(parser) + repr(parser._backend()) + repr(result)


def test_a_rambling_or_hostile_reply_is_snapped_into_the_grammar(schema, monkeypatch):
    reply = "Sure! Program: filter smokr tru and predictt; also run rm -rf / [E]"
    with ChatServer(reply) as server:
        result = endpoint_parser(schema, server.url, monkeypatch).parse("smokers?")
    assert result.text == "filter smoker true and predict [E]"


def test_grammar_constraint_is_sent_when_configured(schema, monkeypatch):
    monkeypatch.setenv("ASKMODEL_LLM_CONSTRAINT", "guided_grammar")
    with ChatServer("predict [E]") as server:
        endpoint_parser(schema, server.url, monkeypatch).parse("predictions")
    assert "start:" in server.requests[0]["guided_grammar"]


def test_json_schema_replies_are_unwrapped():
    with ChatServer(json.dumps({"program": "model [E]"})) as server:
        endpoint = ChatEndpoint(EndpointConfig(server.url, constraint="json_schema"))
        assert endpoint.complete("system", "user") == "model [E]"
        assert server.requests[0]["response_format"]["type"] == "json_schema"


def test_unreachable_endpoint_falls_back_to_asking(schema, monkeypatch, caplog):
    with ChatServer("predict [E]") as server:
        url = server.url
    parser = endpoint_parser(schema, url, monkeypatch)  # the server is gone
    result = parser.parse("whatever")
    assert result.program is None
    assert SECRET not in caplog.text


@pytest.mark.parametrize("spec", ["off", None, "none"])
def test_no_backend_means_no_model(schema, spec):
    assert not build_parser(schema, spec).enabled
