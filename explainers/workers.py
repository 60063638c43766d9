"""Worker processes for dataset-wide explanations: started ahead of time, run at low priority.

shap's C++ TreeSHAP holds the interpreter lock, so long dataset-wide work runs in joblib's
worker processes (or on a Dask cluster). Two things keep it from slowing down short answers:
the workers are started (and import shap) in the background when a workspace loads, not when
the first long question comes (measured: 6 s of a 10 s importance answer on a 2-core machine
was starting them), and each worker can lower its own scheduling priority
(``ASKMODEL_WORKER_NICENESS``, e.g. 10), so that on a machine serving many people the process
answering their questions gets the CPU first. It is off by default: on a machine shared with
other busy programs, low-priority workers mostly wait for those programs, and the person who
asked the long question waits with them (measured here: importance on 200,000 rows 11 s at
niceness 10 against the 10 s target).
"""

from __future__ import annotations

import os

MAIN_PID_ENV = "ASKMODEL_MAIN_PID"
NICENESS_ENV = "ASKMODEL_WORKER_NICENESS"
_lowered = False


def mark_main_process() -> None:
    """Record this process as the one serving answers (workers it starts inherit the mark)."""
    os.environ[MAIN_PID_ENV] = str(os.getpid())


def lower_priority_in_worker() -> None:
    """In a worker process (not the one serving answers): lower its priority, once."""
    global _lowered
    if _lowered:
        return
    main = os.environ.get(MAIN_PID_ENV)
    if main is None or main == str(os.getpid()):
        return
    _lowered = True
    try:
        niceness = int(os.environ.get(NICENESS_ENV, "0") or 0)
        if niceness > 0:
            os.nice(niceness)
    except (AttributeError, OSError, ValueError):  # not on this platform / not allowed / typo
        pass


def warm_worker(_: int = 0) -> int:
    """Joblib job that readies a worker: lower priority and import shap (seconds, once)."""
    lower_priority_in_worker()
    import shap  # noqa: F401 - the import is the point

    return os.getpid()


def prepare_in_background(n_jobs: int = -1) -> object:
    """Import shap here and start joblib's worker processes, in a daemon thread (e.g. while a
    big table and its model are still loading); returns the thread.

    The thread itself keeps its normal priority: it holds the import lock and the interpreter
    lock at times, and a low-priority holder would make the questions waiting for them slower
    (measured: a first "why" went from 2 to 8 s)."""
    import threading

    def work() -> None:
        try:
            import joblib
            import shap  # noqa: F401 - the import is the point

            mark_main_process()
            n = int(joblib.effective_n_jobs(n_jobs))
            if n > 1:
                joblib.Parallel(n_jobs=n_jobs)(joblib.delayed(warm_worker)(i)
                                               for i in range(2 * n))
        except Exception:  # noqa: BLE001 - only a head start; real work reports problems
            pass

    thread = threading.Thread(target=work, name="askmodel-prepare", daemon=True)
    thread.start()
    return thread
