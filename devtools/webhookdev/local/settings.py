"""Where the local stack lives and which loopback ports it uses (overridable with environment variables)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REGION = "us-east-1"
HOST = "127.0.0.1"
#: moto accepts any credentials; these only satisfy the SDKs' signers.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(frozen=True)
class Ports:
    moto: int
    gateway: int
    invoke: int
    paypal: int

    @classmethod
    def from_env(cls) -> Ports:
        return cls(
            moto=_port("WEBHOOKDEV_MOTO_PORT", 45660),
            gateway=_port("WEBHOOKDEV_GATEWAY_PORT", 45661),
            invoke=_port("WEBHOOKDEV_INVOKE_PORT", 45662),
            paypal=_port("WEBHOOKDEV_PAYPAL_PORT", 45663),
        )

    @property
    def moto_url(self) -> str:
        return f"http://{HOST}:{self.moto}"

    @property
    def invoke_url(self) -> str:
        return f"http://{HOST}:{self.invoke}"

    @property
    def gateway_url(self) -> str:
        return f"http://{HOST}:{self.gateway}"

    @property
    def paypal_url(self) -> str:
        # `localhost`, not the IP: the PayPal validator allow-lists certificate hosts by name.
        return f"https://localhost:{self.paypal}"


def repo_root() -> Path:
    """The repository this package was loaded from (devtools/webhookdev/local/settings.py -> repo)."""
    override = os.environ.get("WEBHOOKDEV_REPO")
    return Path(override).resolve() if override else Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Layout:
    """Every path the local stack reads or writes. All state is under `.local/` (git-ignored)."""

    repo: Path
    #: The state folder; `.local/` in the repository unless WEBHOOKDEV_LOCAL_DIR says otherwise (tests use a tmp dir).
    local: Path

    @classmethod
    def default(cls) -> Layout:
        repo = repo_root()
        override = os.environ.get("WEBHOOKDEV_LOCAL_DIR")
        return cls(repo, Path(override).resolve() if override else repo / ".local")

    @property
    def tf_dir(self) -> Path:
        return self.local / "tf"

    @property
    def logs_dir(self) -> Path:
        return self.local / "logs"

    @property
    def pids_dir(self) -> Path:
        return self.local / "pids"

    @property
    def faults_file(self) -> Path:
        """Fault rules for the functions' AWS calls, written only by the test harness (worker.py reads them)."""
        return self.local / "faults.json"

    @property
    def tls_dir(self) -> Path:
        return self.local / "tls"

    @property
    def code_cache(self) -> Path:
        return self.local / "code"

    @property
    def stack_json(self) -> Path:
        return self.local / "stack.json"

    @property
    def secrets_json(self) -> Path:
        return self.local / "secrets.json"

    @property
    def runtime_json(self) -> Path:
        """Written by `up` for the runtime: which REST API and stage to serve, where to find artifacts."""
        return self.local / "runtime.json"

    @property
    def build_dir(self) -> Path:
        return self.repo / "build"
