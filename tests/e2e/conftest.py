"""One fresh local stack for the whole end-to-end session: `up` at the start, `down` at the end, always.

The stack runs under `.local/e2e/` on its own ports (slot 0 of `stack_env`, 31670-31673 by default: below Linux's
ephemeral range, so no client socket can hold them), so a developer's `make up` stack is left alone. It is owned by
this pytest process: if the session dies, the stack stops by itself within a second.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from webhookdev.local import stack
from webhookdev.local.client import StackClient
from webhookdev.local.settings import repo_root

# WEBHOOKDEV_E2E_PORT_BASE moves every e2e stack's ports, for machines that run several suites at once. Each stack
# takes four ports from its slot: the session stack slot 0 (base .. base+3), the AWS_IAM stack slot 1, the runtime
# fixture slot 2, the scaling stack slot 3. The default base keeps them all below Linux's ephemeral range.
PORT_BASE = int(os.environ.get("WEBHOOKDEV_E2E_PORT_BASE") or 31670)


def stack_env(local_dir: str, slot: int) -> dict[str, str]:
    """The environment of one e2e stack: its state directory under .local/ and the four ports of its slot."""
    base = PORT_BASE + 4 * slot
    return {
        "WEBHOOKDEV_LOCAL_DIR": str(repo_root() / ".local" / local_dir),
        "WEBHOOKDEV_MOTO_PORT": str(base),
        "WEBHOOKDEV_GATEWAY_PORT": str(base + 1),
        "WEBHOOKDEV_INVOKE_PORT": str(base + 2),
        "WEBHOOKDEV_PAYPAL_PORT": str(base + 3),
    }


E2E_ENV = stack_env("e2e", 0)


@pytest.fixture(scope="session")
def local_stack() -> Iterator[StackClient]:
    saved = {name: os.environ.get(name) for name in E2E_ENV}
    os.environ.update(E2E_ENV)
    started = time.monotonic()
    try:
        stack.down(quiet=True)  # a previous session killed hard may have left state (never processes) behind
        document = stack.up(stack.Options(owner_pid=os.getpid()))
        print(f"\n[e2e] stack up in {time.monotonic() - started:.0f}s")
        yield StackClient(document)
    finally:
        stack.down(quiet=True)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
