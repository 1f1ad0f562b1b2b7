"""CPU savings for the local moto server, found by profiling it under webhook load (docs/performance.md).

Unlike `moto_compat`, nothing here changes what moto answers; only what each request costs the one moto process
(a single Python process: the GIL holds it to one core).

- **Backend lookup.** For every request, moto's dispatcher asks `backends.list_of_moto_modules()`, which lists
  moto's package directory and stats each of its ~180 entries. The answer depends only on the installed package, so it
  is computed once. (About a tenth of moto's busy time under load, a fifth of it in `isdir` alone.)
- **Request log.** werkzeug logs one line per request through the `logging` module; its handler lock is contended by
  moto's request threads (about a fifth of moto's busy time under load, half of it waiting for that lock). The log
  stays on by default, as it is the place to look when a call misbehaves; `WEBHOOKDEV_MOTO_REQUEST_LOG=0` turns it
  off for load runs.
"""

from __future__ import annotations

import functools
import logging
import os


def apply() -> list[str]:
    """Apply the savings; returns their names (logged by the moto process)."""
    names = [_cache_module_list()]
    if os.environ.get("WEBHOOKDEV_MOTO_REQUEST_LOG", "1") == "0":
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        names.append("request log off (WEBHOOKDEV_MOTO_REQUEST_LOG=0)")
    return names


def _cache_module_list() -> str:
    from moto import backends  # noqa: PLC0415 - after the MOTO_* settings are in the environment

    # The dispatcher (moto.moto_server.werkzeug_app) calls it through the module, so replacing the attribute is enough.
    original = backends.list_of_moto_modules
    if not hasattr(original, "cache_info"):
        modules = functools.cache(lambda: frozenset(original()))
        backends.list_of_moto_modules = modules
    return "cached backend module list"
