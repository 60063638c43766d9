"""Answer-time benchmark on the built-in demo: p50 / p95 over a mixed set of 50 questions.

Run: ``python bench/answers.py [--no-figures] [--repeat N] [--cold]``. Answers include
rendering their charts to PNG, as the app does. The workspace build
(data, cached model), the warm-up the app runs at start (``dialogue.app_support.
warm_up_in_background``: model, predictions, explainers; waited for here) and the first answer
are timed separately; the other 49 questions run in one conversation, in order, so follow-ups
and references to earlier turns are part of the mix. ``--cold`` skips the warm-up, as a script
that calls ``Conversation.demo()`` directly would.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from dialogue.demo import demo_workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUESTIONS: tuple[str, ...] = (
    "how many patients are there?",
    "what does the model predict for patient 12?",
    "why?",
    "how likely is a malignant diagnosis for patient 12?",
    "what would have to change for patient 12 to get the other diagnosis?",
    "what are the three most important features?",
    "how important is worst area?",
    "what is the average mean radius?",
    "how many patients have a mean radius above 15?",
    "what does the model predict for them?",
    "how accurate is the model on them?",
    "and for patients with a mean radius of 15 or less?",
    "how accurate is the model overall?",
    "yes",
    "what is the roc auc?",
    "what is the recall?",
    "what is the specificity?",
    "how many mistakes does the model make?",
    "show me a few of the mistakes",
    "what do the mistakes have in common?",
    "which features interact the most?",
    "rank all the features",
    "show me patient 40",
    "what is the true diagnosis of patient 40?",
    "what if patient 40's worst area were 600?",
    "and how likely would malignancy be then?",
    "explain patient 40 with shap",
    "explain patient 40 with lime",
    "what does mean concave points mean?",
    "what is the average worst texture of malignant tumours?",
    "how many tumours does the model call benign?",
    "how many of them are actually malignant?",
    "describe the data",
    "what kind of model is this?",
    "who are you?",
    "what can you do?",
    "how many patients have a worst concave points above 0.2?",
    "what if their worst concave points dropped by 0.1?",
    "why does the model predict what it does for them?",
    "how many patients have a mean texture below 15 and a mean area above 800?",
    "precision for patients with a worst radius over 20?",
    "what is the f1 score?",
    "statistics of the diagnosis",
    "show the patients with a mean radius over 25",
    "what does the model predict for patient 300?",
    "and patient 301?",
    "what's the likelihood for patient 500?",
    "how important is mean smoothness for patients over a mean radius of 14?",
    "top 5 features for benign tumours?",
    "thanks, how many patients with a worst area above 2000?",
)


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-figures", action="store_true", help="do not draw charts")
    parser.add_argument("--cold", action="store_true",
                        help="no warm-up: the first questions pay for loading the explainers")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the 49 questions this many times (new conversation each)")
    args = parser.parse_args(argv)
    assert len(QUESTIONS) == 50

    from dialogue.conversation import Conversation

    started = time.perf_counter()
    workspace = demo_workspace()
    build = time.perf_counter() - started
    warm = None
    if not args.cold:
        from dialogue.app_support import warm_up_in_background

        started = time.perf_counter()
        warm_up_in_background(workspace).join()
        warm = time.perf_counter() - started

    conversation = Conversation(workspace, figures=not args.no_figures)
    started = time.perf_counter()
    first = conversation.ask(QUESTIONS[0])
    first_time = time.perf_counter() - started

    times: list[tuple[float, str, bool]] = []
    for round_number in range(args.repeat):
        if round_number:
            conversation = Conversation(workspace, figures=not args.no_figures)
            conversation.ask(QUESTIONS[0])
        for question in QUESTIONS[1:]:
            started = time.perf_counter()
            reply = conversation.ask(question)
            for chart in reply.charts:  # drawn as the app draws them (cached by content)
                chart.png()
            times.append((time.perf_counter() - started, question, reply.ok))

    durations = [t for t, _, _ in times]
    not_ok = [q for _, q, ok in times if not ok]
    print(f"demo workspace build:     {build:8.3f} s")
    if warm is None:
        print("warm-up:                  skipped (--cold)")
    else:
        print(f"warm-up (as the app):     {warm:8.3f} s   (in the background in the app)")
    print(f"first answer:             {first_time:8.3f} s   ({QUESTIONS[0]!r}, ok={first.ok})")
    print(f"other answers:            n={len(durations)}  figures={'off' if args.no_figures else 'on'}")
    print(f"  p50                     {_percentile(durations, 50):8.3f} s")
    print(f"  p95                     {_percentile(durations, 95):8.3f} s")
    print(f"  mean                    {statistics.fmean(durations):8.3f} s")
    print(f"  max                     {max(durations):8.3f} s")
    print("slowest questions:")
    for duration, question, ok in sorted(times, reverse=True)[:5]:
        print(f"  {duration:7.3f} s  {question}{'' if ok else '   (not answered)'}")
    if not_ok:
        print(f"{len(not_ok)} question(s) got an error/clarification reply:")
        for question in dict.fromkeys(not_ok):
            print(f"  - {question}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
