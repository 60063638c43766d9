"""Load benchmark for the web app: N concurrent browser sessions on loopback.

Each session is its own ``gradio_client.Client`` (so its own server-side conversation) and asks a
mixed sequence through ``/chat``, the endpoint the chat box uses: a filter with a threshold only
that session uses, a follow-up about "them", global importance, a prediction and an explanation
for a patient only that session uses, and the accuracy. Reports p50/p95 answer time overall and
per kind, and checks isolation: every session's answer to each question must equal the answer a
session gets when it asks the same sequence alone (recorded first, serially).

The 20 clients are threads of this one process, on the same machine as the server. For a plain
``http://`` URL they are created with ``ssl_verify=False``: otherwise gradio_client builds a new
TLS context (loading every CA certificate) for each request, about 100 ms of CPU per answer on
this 2-core machine, and that client cost, not the app, is what the benchmark measured. No TLS is
involved on loopback ``http://`` either way. ``--tls-contexts`` restores the old behaviour.

    python bench/app_load.py                 # starts app.py on a free port, 20 sessions
    python bench/app_load.py --url http://127.0.0.1:7860/ --sessions 20
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from gradio_client import Client

ROOT = Path(__file__).resolve().parents[1]
TIMING = re.compile(r"\*[^*\n]*\d+\.\d s\*")  # the "· 1.2 s" line under each answer


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"app.py exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"app.py did not answer within {timeout:.0f} s")


@dataclass(frozen=True)
class Answer:
    session: int
    kind: str
    question: str
    text: str
    seconds: float


def questions_for(session: int) -> list[tuple[str, str]]:
    """(kind, question) pairs; thresholds and patient ids differ between sessions."""
    radius = 11 + session * 0.5  # 11.0 .. 20.5: every session selects a different group
    patient = 20 + session * 7
    return [
        ("filter", f"how many patients have a mean radius above {radius:g}?"),
        ("follow-up", "how many of them are malignant?"),
        ("importance", "what are the most important features?"),
        ("predict", f"what does the model predict for patient {patient}?"),
        ("explain", f"why did the model predict that for patient {patient}?"),
        ("score", "how accurate is the model?"),
    ]


def answer_text(history: list[dict]) -> str:
    """The answer's prose and the collapsible parse (so a wrong program shows up too)."""
    parts = []
    for message in history[1:]:
        for item in message["content"]:
            if item.get("type") == "text":
                parts.append(item["text"])
    return TIMING.sub("", "\n".join(parts))


def client_for(url: str, tls_contexts: bool = False) -> Client:
    """A gradio client; see the module docstring for ``ssl_verify``."""
    plain_http = url.startswith("http://") and not tls_contexts
    return Client(url, verbose=False, download_files=False, ssl_verify=not plain_http)


def run_session(url: str, session: int, out: list[Answer], barrier: threading.Barrier,
                tls_contexts: bool = False) -> None:
    client = client_for(url, tls_contexts)
    barrier.wait()
    for kind, question in questions_for(session):
        started = time.perf_counter()
        history = client.predict(question, [], api_name="/chat")
        seconds = time.perf_counter() - started
        out.append(Answer(session, kind, question, answer_text(history), seconds))


def reference(url: str, sessions: int, tls_contexts: bool = False) -> dict[tuple[int, str], str]:
    """Each session's sequence asked alone, one after another."""
    expected = {}
    for session in range(sessions):
        client = client_for(url, tls_contexts)
        for kind, question in questions_for(session):
            expected[(session, question)] = answer_text(
                client.predict(question, [], api_name="/chat")
            )
            del kind
    return expected


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="an already running app (default: start app.py)")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument("--tls-contexts", action="store_true",
                        help="let every request build a TLS context, as gradio_client does by "
                             "default (measures the client's cost too)")
    args = parser.parse_args()

    process = None
    url = args.url
    if url is None:
        port = free_port()
        log = ROOT / "artifacts" / "bench-app-server.log"
        log.parent.mkdir(exist_ok=True)
        env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
        with log.open("w") as handle:
            process = subprocess.Popen(
                [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}/"
        wait_until_up(url, process, 300)
    try:
        t0 = time.perf_counter()
        expected = reference(url, args.sessions, args.tls_contexts)
        serial_s = time.perf_counter() - t0
        answers: list[Answer] = []
        barrier = threading.Barrier(args.sessions)
        threads = [
            threading.Thread(target=run_session,
                             args=(url, s, answers, barrier, args.tls_contexts))
            for s in range(args.sessions)
        ]
        t0 = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall_s = time.perf_counter() - t0
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)

    wrong = [a for a in answers if expected.get((a.session, a.question)) != a.text]
    times = [a.seconds for a in answers]
    report = {
        "sessions": args.sessions,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "answers": len(answers),
        "expected_answers": sum(len(questions_for(s)) for s in range(args.sessions)),
        "wall_s": round(wall_s, 2),
        "serial_reference_s": round(serial_s, 2),
        "p50_s": round(percentile(times, 50), 3),
        "p95_s": round(percentile(times, 95), 3),
        "max_s": round(max(times), 3),
        "by_kind": {
            kind: {
                "p50_s": round(percentile(ts, 50), 3),
                "p95_s": round(percentile(ts, 95), 3),
            }
            for kind in dict.fromkeys(k for k, _ in questions_for(0))
            if (ts := [a.seconds for a in answers if a.kind == kind])
        },
        "mismatched_answers": len(wrong),
    }
    print(json.dumps(report, indent=2))
    for answer in wrong[:5]:
        print(
            f"MISMATCH session {answer.session}: {answer.question!r}\n  got: {answer.text[:200]!r}"
            f"\n  expected: {expected.get((answer.session, answer.question), '')[:200]!r}"
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    ok = not wrong and len(answers) == report["expected_answers"]
    print("isolation:", "OK — every answer matched its own session" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
