"""Small pieces of the local stack: token buckets, policies, artifacts, pid files, seeding, TLS, provider override."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from cryptography import x509
from webhookdev.local import seeding, tls
from webhookdev.local.artifacts import ArtifactIndex, CodeMismatch, code_sha256
from webhookdev.local.authorizers import Denied, Grant, check_policy
from webhookdev.local.deployed import Deployment, Throttle
from webhookdev.local.paypal_stub import SentMessages
from webhookdev.local.procs import PidFiles, pid_alive
from webhookdev.local.terraform import ENDPOINT_SERVICES, prepare_workdir, provider_override
from webhookdev.local.throttle import TokenBucket

from .builders import function_spec

ARN = "arn:aws:execute-api:us-east-1:123456789012:api123/local/POST/api/v1/webhooks/stripe"


def test_token_bucket_allows_the_burst_then_refills_at_the_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(Throttle(rate_limit=1.0, burst_limit=2), clock=lambda: now[0])

    assert [bucket.take(), bucket.take(), bucket.take()] == [True, True, False]
    now[0] = 1.0
    assert [bucket.take(), bucket.take()] == [True, False]


def grant(*statements: dict[str, object]) -> Grant:
    return Grant("p", {"Version": "2012-10-17", "Statement": list(statements)}, {}, None)


def test_policy_allow_with_wildcards_matches_the_method_arn() -> None:
    check_policy(
        grant({"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*/local/*"}), ARN
    )


def test_policy_without_a_matching_allow_or_with_a_deny_refuses() -> None:
    other = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": ARN.replace("stripe", "square")}
    deny = {"Effect": "Deny", "Action": "execute-api:*", "Resource": "*"}
    allow = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": ARN}

    with pytest.raises(Denied):
        check_policy(grant(other), ARN)
    with pytest.raises(Denied, match="explicit deny"):
        check_policy(grant(allow, deny), ARN)


def make_zip(path: Path, name: str, content: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(name, content)
    return path


def test_code_sha256_is_lambdas_base64_sha256(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "a.zip", "index.py", "x = 1\n")

    assert code_sha256(artifact) == base64.b64encode(hashlib.sha256(artifact.read_bytes()).digest()).decode()


def test_artifact_is_found_by_hash_and_unpacked_once(tmp_path: Path) -> None:
    build = tmp_path / "build" / "functions"
    build.mkdir(parents=True)
    artifact = make_zip(build / "fn.zip", "index.py", "x = 1\n")
    index = ArtifactIndex((tmp_path / "build",), tmp_path / "cache")

    unpacked = index.unpack(code_sha256(artifact))

    assert (unpacked / "index.py").read_text() == "x = 1\n"
    assert index.unpack(code_sha256(artifact)) == unpacked


def test_code_that_matches_no_artifact_is_refused(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", "index.py", "x = 1\n")
    deployed_sha = code_sha256(artifact)
    make_zip(artifact, "index.py", "x = 2\n")  # rebuilt after the deploy: no longer what was deployed
    index = ArtifactIndex((tmp_path,), tmp_path / "cache")

    with pytest.raises(CodeMismatch):
        index.find(deployed_sha)


def test_functions_are_found_by_name_full_arn_and_partial_arn() -> None:
    spec = function_spec("webhook-processor")
    deployment = Deployment(api=None, functions={"webhook-processor": spec})

    assert deployment.function("webhook-processor") is spec
    assert deployment.function(spec.arn) is spec
    assert deployment.function(f"{spec.arn}:$LATEST") is spec
    assert deployment.function("function:webhook-processor") is spec
    assert deployment.function("other") is None


def test_pid_files_round_trip(tmp_path: Path) -> None:
    pids = PidFiles(tmp_path)
    pids.write("moto", 11)
    pids.write("workers/fn-1", 12)

    assert pids.all() == {"moto": 11, "workers/fn-1": 12}
    pids.remove("moto")
    assert pids.all() == {"workers/fn-1": 12}


def test_a_process_started_with_die_with_parent_ends_when_its_parent_ends() -> None:
    code = (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'from webhookdev.local.procs import die_with_parent;"
        " die_with_parent(); import time; time.sleep(60)'])\n"
        "print(child.pid, flush=True)\n"
        "import time; time.sleep(0.5)\n"
    )
    parent = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30)
    orphan = int(parent.stdout.strip())

    deadline = time.monotonic() + 5
    while pid_alive(orphan) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not pid_alive(orphan)


def test_secret_strings_follow_the_design_formats() -> None:
    values = {"stripe": {"secret": "whsec_a"}, "square": {"signature_key": "k"}, "paypal": {"webhook_id": "WH-1"}}

    strings = {k: json.loads(v) for k, v in seeding.secret_strings(values).items()}

    assert strings == {
        "stripe": {"signing_secrets": ["whsec_a"]},
        "square": {"signature_key": "k"},
        "paypal": {"webhook_id": "WH-1"},
    }


def test_fresh_secrets_differ_per_stack() -> None:
    first, second = seeding.generate(), seeding.generate()

    assert first["stripe"]["secret"].startswith("whsec_")
    assert first["paypal"]["webhook_id"].startswith("WH-")
    assert first != second


def test_secret_ids_come_from_the_deployed_validators() -> None:
    specs = {
        "stripe-webhook-validator": function_spec(
            "stripe-webhook-validator", environment={"PROVIDER_NAME": "stripe", "PROVIDER_SECRET_ARN": "arn:s"}
        ),
        "webhook-processor": function_spec("webhook-processor"),
    }

    assert seeding.secret_ids(specs) == {"stripe": "arn:s"}


def test_generated_certificates_chain_to_the_local_ca(tmp_path: Path) -> None:
    files = tls.TlsFiles(tmp_path)
    tls.generate(files)
    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    server = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
    signing = x509.load_pem_x509_certificate(files.signing_cert.read_bytes())

    server.verify_directly_issued_by(ca)
    signing.verify_directly_issued_by(ca)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert signing.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == tls.PAYPAL_SIGNING_CN


def test_ipn_postback_is_verified_only_for_registered_messages() -> None:
    messages = SentMessages()
    messages.add(b"txn_id=1&payment_status=Completed")

    assert messages.verdict(b"cmd=_notify-validate&txn_id=1&payment_status=Completed") == b"VERIFIED"
    assert messages.verdict(b"cmd=_notify-validate&txn_id=1&payment_status=Refunded") == b"INVALID"
    assert messages.verdict(b"txn_id=1&payment_status=Completed") == b"INVALID"


def test_provider_override_points_every_service_at_moto() -> None:
    text = provider_override("http://127.0.0.1:45660")

    for service in ENDPOINT_SERVICES:
        assert f'{service} = "http://127.0.0.1:45660"' in text
    for flag in ("skip_credentials_validation", "skip_metadata_api_check", "skip_region_validation"):
        assert f"{flag} = true" in " ".join(text.split())
    assert "s3_use_path_style = true" in " ".join(text.split())


def test_workdir_links_the_root_module_without_override_files(tmp_path: Path) -> None:
    source = tmp_path / "repo"
    (source / "modules").mkdir(parents=True)
    (source / "main.tf").write_text("")
    (source / "stray_override.tf").write_text("")
    work = tmp_path / "work"

    prepare_workdir(source, work, "http://127.0.0.1:1")

    assert sorted(p.name for p in work.iterdir()) == ["main.tf", "modules", "providers_override.tf"]
    assert (work / "main.tf").resolve() == (source / "main.tf").resolve()
    assert sorted(p.name for p in source.iterdir()) == ["main.tf", "modules", "stray_override.tf"]
