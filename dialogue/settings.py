"""Settings read from the environment, in one place: the model cache, the fallback backend, the
Dask scheduler, and the sizes from which a table counts as big.

An explicit argument always wins over the environment; nothing else in the dialogue layer reads
``os.environ``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

FALLBACK_ENV = "ASKMODEL_FALLBACK"
DASK_ENV = "ASKMODEL_DASK_SCHEDULER"
CACHE_ENV = "ASKMODEL_CACHE"
BIG_TABLE_ROWS = 20_000  # from here on, dataset-wide work runs in worker processes
PREPARE_WAIT_SECONDS = 30.0  # longest a big table's opening waits for its worker processes


class ClusterUnavailable(RuntimeError):
    """The Dask scheduler that was asked for cannot be reached (the message says why)."""


def cache_dir() -> Path:
    """Where trained default models are cached: ``$ASKMODEL_CACHE`` or ``~/.cache/askmodel``."""
    root = os.environ.get(CACHE_ENV)
    return Path(root) if root else Path.home() / ".cache" / "askmodel"


def default_fallback(fallback: str | None = None) -> str:
    """The fallback backend to use: the given name, else ``$ASKMODEL_FALLBACK``, else ``"off"``.

    ``"off"`` (no language model, clarifying options still on) is the default because loading a
    model costs seconds to minutes and startup must stay fast; nothing is ever downloaded.
    """
    name = fallback if fallback is not None else os.environ.get(FALLBACK_ENV, "")
    return name.strip() or "off"


def dask_scheduler_setting(dask_scheduler: Any = None) -> Any:
    """The Dask scheduler to use: the given address (or ``distributed.Client``), else
    ``$ASKMODEL_DASK_SCHEDULER``, else ``None`` (explain in this process)."""
    if dask_scheduler is not None and not isinstance(dask_scheduler, str):
        return dask_scheduler
    address = dask_scheduler if dask_scheduler is not None else os.environ.get(DASK_ENV, "")
    address = address.strip()
    return address or None


def connect_dask(dask_scheduler: Any, timeout: float = 10.0) -> Any:
    """A ``distributed.Client`` for an address (a client is returned as it is); raises
    ``ClusterUnavailable`` with a sentence a user can act on."""
    if dask_scheduler is None or not isinstance(dask_scheduler, str):
        return dask_scheduler
    try:  # imported here: distributed takes a second to import and most sessions never use it
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - distributed is a dependency
        raise ClusterUnavailable("Dask's distributed package is not installed.") from exc
    try:
        return Client(dask_scheduler, timeout=timeout, set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, bad address, ...
        raise ClusterUnavailable(
            f"Could not reach the Dask scheduler at {dask_scheduler!r} ({type(exc).__name__}: "
            f"{exc}). Check the address (e.g. tcp://host:8786) and that the scheduler is "
            "running, or leave the option out to explain on this machine.") from exc
