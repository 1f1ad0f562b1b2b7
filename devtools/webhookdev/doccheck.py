"""Checks that README.md and docs/ state facts the code agrees with (issue 13).

Checks, each with a name (``--only`` / ``--enforce`` take these):

* ``links``      every relative markdown link resolves to a file in the repository;
* ``anchors``    every ``#fragment`` of such a link (or of a same-page link) is a heading or an explicit anchor there;
* ``make``       every ``make X`` (in backticks or at the start of a shell line in a fence) is a Makefile target;
* ``webhookctl`` every ``webhookctl X [Y]`` names a real subcommand (read from the CLI's own argparse parser);
* ``paths``      every backticked repository path exists (placeholders like ``<fn>``/``{provider}``/``*`` glob);
* ``tfvars``     every ``var.x``, and every name in a table column headed "variable", is a Terraform variable;
* ``tfoutputs``  every ``tofu output [-raw] x`` and every name in a column headed "output" is a Terraform output;
* ``envvars``    every backticked ALL_CAPS_NAME (or ``NAME=value``) occurs as a whole word in the code;
* ``metrics``    every backticked CamelCase name on a line (or table column) about metrics or alarms is a string
  literal in the code (a metric that nothing emits, or an alarm that Terraform does not create, is a finding), and
  every name in a table column headed "filter ..." is a metric filter that Terraform creates;
* ``alarms``     every backticked hyphenated name on a line about alarms matches an ``alarm_name`` template;
* ``loggroups``  every backticked ``/aws/...`` log group name matches a ``"/aws/..."`` name in the Terraform;
* ``mermaid``    every ``mermaid`` fence parses with mermaid's own parser (node + jsdom, see mermaid_parse.mjs);
* ``figures``    every performance or cost figure in the prose (``ms``, ``$``, per-minute rates, KB/MB sizes) is a value
  of docs/figures/bench.json or capacity.json (the files the bench and the capacity model write), and every generated
  page or block (``<!-- generated: bench.docs NAME -->`` ... ``<!-- /generated -->``) equals a fresh rendering. A
  figure that is not measured (a requirement, an AWS limit, a configured value) carries ``<!-- not-a-figure: why -->``
  on its line, or sits between ``<!-- not-a-figure:start why -->`` and ``<!-- not-a-figure:end -->``.

Every check is enforced (``--enforce`` exits 1 on any finding) except those in ``REPORT_ONLY``, the per-check switch:
a check whose findings the docs do not fix yet is listed there (or in ``--report-only``) and only reported. Names that
are not ours (AWS API operations, metric dimensions) are in ``ALLOWED``, each with its reason.

Extraction is deliberately conservative: a backticked span is classified only when its shape or its context says
what it is, and everything else is reported as unclassified (``--unclassified``) rather than guessed at.

    python -m webhookdev.doccheck                 # report every finding, exit 0
    python -m webhookdev.doccheck --enforce       # exit 1 on a finding of any check not in REPORT_ONLY
    python -m webhookdev.doccheck --enforce --report-only ''   # enforce every check
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

CHECKS = (
    "links",
    "anchors",
    "make",
    "webhookctl",
    "paths",
    "tfvars",
    "tfoutputs",
    "envvars",
    "metrics",
    "alarms",
    "loggroups",
    "mermaid",
    "figures",
)
# The per-check switch: checks whose findings are only reported (`--report-only` overrides it). Empty: every check is
# enforced since the README/docs restructure (issue 13) fixed the text.
REPORT_ONLY: tuple[str, ...] = ()
# Names the docs rightly mention that are not ours, so no code of ours emits or declares them: (check, name) -> why.
ALLOWED: dict[tuple[str, str], str] = {
    ("metrics", "QueueName"): "the AWS/SQS metric dimension an SQS alarm is keyed by",
    ("metrics", "PutRecord"): "the Kinesis Data Firehose API operation (and its CloudWatch metric prefix)",
    ("metrics", "PutRecordBatch"): "the Kinesis Data Firehose API operation (and its CloudWatch metric prefix)",
    ("metrics", "FunctionName"): "the AWS/Lambda metric dimension",
    ("metrics", "ApiName"): "the AWS/ApiGateway metric dimension",
    ("metrics", "TableName"): "the AWS/DynamoDB metric dimension",
}

CODE_DIRS = ("lambda", "devtools", "modules", "environments", "schemas", "tests")
CODE_SUFFIXES = {".py", ".tf", ".tfvars", ".sh", ".json", ".mjs", ".toml", ".env", ".hcl", ""}
# The checker and its tests name wrong facts on purpose; they must not make those facts "exist in the code".
SELF_REFERENTIAL = ("devtools/webhookdev/doccheck.py", "tests/unit/docs/")
GENERATED_ROOTS = {".local", "build", ".terraform"}  # created by make up / make build: not in a checkout
# Bare file names (no directory) are classified as paths only with these endings; `*.json` alone is too often a
# payload or an S3 object in the prose.
BARE_SUFFIXES = (".tf", ".py", ".md", ".yaml", ".yml", ".toml", ".hcl", ".tfvars", ".sh", ".mjs")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_ANCHOR = re.compile(r"<a\s+[^>]*(?:id|name)=\"([^\"]+)\"", re.IGNORECASE)
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
# CamelCase with at least two capitals and one lower-case letter: ProcessingFailed, DLQDepth, 4XXError.
CAMEL = re.compile(r"(?=(?:[^A-Z]*[A-Z]){2})(?=.*[a-z])\d?[A-Z][A-Za-z0-9]+")
IDENT = re.compile(r"[a-z][a-z0-9_]*")
PLACEHOLDER = re.compile(r"<[^>]*>|\{[^}]*\}|…|\.\.\.")
SHELL_FENCES = {"sh", "bash", "shell", "console", "zsh", ""}


@dataclass(frozen=True)
class Finding:
    check: str
    file: str
    line: int
    token: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: [{self.check}] `{self.token}`: {self.message}"


@dataclass(frozen=True)
class Span:
    """A backticked span (or a shell line inside a fence) with where it is and what surrounds it."""

    text: str
    file: str
    line: int
    context: str  # the whole source line, lower-cased
    column_header: str | None  # lower-cased header of the table column the span is in, if any
    in_fence: bool = False


@dataclass
class Document:
    path: Path
    rel: str
    lines: list[str]
    spans: list[Span] = field(default_factory=list)
    links: list[tuple[int, str]] = field(default_factory=list)
    mermaid: list[tuple[int, str]] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)


# ---- markdown --------------------------------------------------------------------------------------------------------


def slugify(heading: str) -> str:
    """GitHub's heading anchor: markup dropped, lower-cased, punctuation removed, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links keep their text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _table_cells(line: str) -> list[str] | None:
    stripped = line.strip()
    if not (stripped.startswith("|") and stripped.endswith("|")):
        return None
    # Pipes inside code spans do not split cells.
    masked = CODE_SPAN.sub(lambda m: m.group(0).replace("|", "\0"), stripped[1:-1])
    return [cell.replace("\0", "|").strip() for cell in masked.split("|")]


def parse(path: Path, root: Path) -> Document:
    lines = path.read_text(encoding="utf-8").splitlines()
    doc = Document(path, path.relative_to(root).as_posix(), lines)
    fence: str | None = None
    fence_lang = ""
    block: list[str] = []
    block_start = 0
    header: list[str] | None = None
    seen: Counter[str] = Counter()
    for number, line in enumerate(lines, start=1):
        opener = FENCE.match(line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence) and not opener.group(2):
                if fence_lang == "mermaid":
                    doc.mermaid.append((block_start, "\n".join(block)))
                fence = None
                continue
            block.append(line)
            if fence_lang in SHELL_FENCES:
                command = re.sub(r"^\s*(?:\$\s+)?", "", line)
                if re.match(r"(make|webhookctl)\s", command) or re.search(r"\b(tofu|terraform) output\b", command):
                    doc.spans.append(Span(command.split(" #")[0].strip(), doc.rel, number, line.lower(), None, True))
            continue
        if opener:
            fence, fence_lang, block, block_start = opener.group(1), opener.group(2).lower(), [], number
            continue
        heading = HEADING.match(line)
        if heading:
            slug = slugify(heading.group(2))
            doc.anchors.add(slug if not seen[slug] else f"{slug}-{seen[slug]}")
            seen[slug] += 1
        doc.anchors.update(HTML_ANCHOR.findall(line))
        cells = _table_cells(line)
        if cells is None:
            header = None
        elif header is None:
            header = [c.strip("`* ").lower() for c in cells]
        without_code = CODE_SPAN.sub("", line)
        doc.links.extend((number, target) for target in LINK.findall(without_code))
        for match in CODE_SPAN.finditer(line):
            column = None
            if cells is not None and header is not None and not re.fullmatch(r"[\s|:-]+", line):
                before = line[: match.start()]
                index = len(_table_cells(before + "|") or []) - 1 if before.strip().startswith("|") else -1
                column = header[index] if 0 <= index < len(header) else None
            doc.spans.append(Span(match.group(2).strip(), doc.rel, number, line.lower(), column))
    return doc


# ---- what the code says ----------------------------------------------------------------------------------------------


#: Trees the checks never read: build outputs, local stack state, Terraform's working dirs, git, npm.
PRUNED = frozenset({".git", ".terraform", ".local", "build", "node_modules"})


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _read(self, pattern: str) -> Iterator[tuple[Path, str]]:
        """The checkout's files matching `pattern`; `**` never descends into generated trees (PRUNED)."""
        if pattern.startswith("**/"):
            tops = [p.name for p in self.root.iterdir() if p.is_dir() and p.name not in PRUNED]
            names = glob.glob(str(self.root / pattern[3:]))
            for top in tops:
                names += glob.glob(str(self.root / top / pattern), recursive=True)
        else:
            names = glob.glob(str(self.root / pattern), recursive=True)
        for name in sorted(set(names)):
            path = Path(name)
            if path.is_file() and not PRUNED.intersection(path.relative_to(self.root).parts):
                yield path, path.read_text(encoding="utf-8", errors="replace")

    @cached_property
    def make_targets(self) -> set[str]:
        text = (self.root / "Makefile").read_text(encoding="utf-8")
        return set(re.findall(r"^([A-Za-z0-9_-]+)\s*:", text, re.MULTILINE))

    @cached_property
    def webhookctl_commands(self) -> dict[str, set[str]]:
        """Subcommand -> its own subcommands, from the CLI's argparse parser (the one `webhookctl` runs)."""
        from webhookdev.cli.main import build_parser  # noqa: PLC0415 - only this check needs the CLI (boto3)

        def children(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
            for action in parser._actions:
                if isinstance(action, argparse._SubParsersAction):
                    return dict(action.choices)
            return {}

        return {name: set(children(sub)) for name, sub in children(build_parser()).items()}

    def _hcl_names(self, kind: str) -> tuple[set[str], set[str]]:
        pattern = re.compile(rf'^{kind}\s+"([^"]+)"', re.MULTILINE)
        root = {n for _, text in self._read("*.tf") for n in pattern.findall(text)}
        modules = {n for _, text in self._read("modules/*/*.tf") for n in pattern.findall(text)}
        return root, modules

    @cached_property
    def variables(self) -> tuple[set[str], set[str]]:
        return self._hcl_names("variable")

    @cached_property
    def outputs(self) -> tuple[set[str], set[str]]:
        return self._hcl_names("output")

    @cached_property
    def code_text(self) -> str:
        parts = [text for _, text in self._read("*.tf")]
        parts.append((self.root / "Makefile").read_text(encoding="utf-8"))
        # Contributor tooling configuration (e.g. pre-commit-terraform's PCT_TFPATH is documented beside it).
        precommit = self.root / ".pre-commit-config.yaml"
        if precommit.is_file():
            parts.append(precommit.read_text(encoding="utf-8"))
        for top in CODE_DIRS:
            for path, text in self._read(f"{top}/**/*"):
                own = path.relative_to(self.root).as_posix().startswith(SELF_REFERENTIAL)
                if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts and not own:
                    parts.append(text)
        return "\n".join(parts)

    @cached_property
    def string_literals(self) -> set[str]:
        return set(re.findall(r"[\"']([A-Za-z0-9_.\-]+)[\"']", self.code_text))

    def _templates(self, attribute: str, resource_type: str | None = None) -> list[re.Pattern[str]]:
        """`attribute = "..."` strings of the .tf files (of one resource type, if given) as patterns: ${...} matches
        any name part, and a leading ${local.name}- is optional (the docs often give names without the deployment
        prefix). A name made only of interpolations would match anything, so it is left out."""
        found = re.compile(rf'^\s*{attribute}\s*=\s*"([^"]+)"', re.MULTILINE)
        block = re.compile(rf'^resource "{resource_type}" "\w+" \{{\n(.*?)^\}}', re.MULTILINE | re.DOTALL)
        texts = [text for _, text in self._read("**/*.tf")]
        if resource_type is not None:
            texts = [body for text in texts for body in block.findall(text)]
        names = {n for text in texts for n in found.findall(text)}
        patterns = []
        for name in sorted(names):
            if not re.sub(r"\$\{[^}]*\}|[^a-z0-9]", "", name.lower()):
                continue
            body = re.sub(r"^\$\{local\.name\}-", "", name)
            # An interpolation may be empty (`name_suffix` defaults to ""), so it matches zero or more characters.
            regex = "[a-z0-9-]*".join(re.escape(part) for part in re.split(r"\$\{[^}]*\}", body))
            patterns.append(re.compile(f"(?:[a-z0-9<>-]+-)?{regex}" if body != name else regex))
        return patterns

    @cached_property
    def alarm_templates(self) -> list[re.Pattern[str]]:
        return self._templates("alarm_name")

    @cached_property
    def name_templates(self) -> list[re.Pattern[str]]:
        return self._templates("name")

    @cached_property
    def log_group_templates(self) -> list[re.Pattern[str]]:
        names = {n for _, text in self._read("**/*.tf") for n in re.findall(r'"(/aws/[^"]+)"', text)}
        return [
            re.compile("[A-Za-z0-9_.-]+".join(re.escape(p) for p in re.split(r"\$\{[^}]*\}", name)))
            for name in sorted(names)
        ]

    @cached_property
    def metric_filter_templates(self) -> list[re.Pattern[str]]:
        return self._templates("name", "aws_cloudwatch_log_metric_filter")

    @cached_property
    def class_names(self) -> set[str]:
        return set(re.findall(r"^\s*class\s+(\w+)", self.code_text, re.MULTILINE))

    @cached_property
    def top_level(self) -> set[str]:
        return {p.name for p in self.root.iterdir()} | GENERATED_ROOTS

    @cached_property
    def basenames(self) -> set[str]:
        out = subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["git", "-C", str(self.root), "ls-files", "--cached", "--others", "--exclude-standard"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        return {Path(line).name for line in out.splitlines()}


# ---- checks ----------------------------------------------------------------------------------------------------------


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    checked: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    unclassified: list[Span] = field(default_factory=list)

    def add(self, check: str, span_or_doc: Span | tuple[str, int], token: str, message: str) -> None:
        file, line = (span_or_doc.file, span_or_doc.line) if isinstance(span_or_doc, Span) else span_or_doc
        self.findings.append(Finding(check, file, line, token, message))


def check_links(docs: dict[str, Document], repo: Repo, report: Report) -> None:
    for doc in docs.values():
        for line, target in doc.links:
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # http:, https:, mailto:
                continue
            path_part, _, fragment = target.partition("#")
            report.checked["links"] += 1
            resolved = (doc.path.parent / path_part).resolve() if path_part else doc.path
            if not resolved.exists():
                report.add("links", (doc.rel, line), target, "the linked file does not exist")
                continue
            if not fragment:
                continue
            report.checked["anchors"] += 1
            rel = resolved.relative_to(repo.root).as_posix() if resolved.is_relative_to(repo.root) else ""
            target_doc = docs.get(rel) or (parse(resolved, repo.root) if resolved.suffix == ".md" else None)
            if target_doc is None:
                report.skipped["anchors (not markdown)"] += 1
            elif fragment not in target_doc.anchors:
                report.add("anchors", (doc.rel, line), target, f"no heading or anchor #{fragment} in {rel}")


def _words(command: str) -> list[str]:
    return [w for w in re.split(r"\s+", command.strip()) if w]


def _check_make(span: Span, words: list[str], repo: Repo, report: Report) -> bool:
    if not words or words[0] != "make":
        return False
    for word in words[1:]:
        if word.startswith("-") or "=" in word:
            continue
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", word):
            break
        report.checked["make"] += 1
        if word not in repo.make_targets:
            report.add("make", span, span.text, f"no Makefile target {word!r}")
    return True


def _check_webhookctl(span: Span, words: list[str], repo: Repo, report: Report) -> bool:
    if len(words) < 2 or words[0] != "webhookctl" or words[1].startswith("-"):
        return False
    report.checked["webhookctl"] += 1
    sub, commands = words[1], repo.webhookctl_commands
    if sub not in commands:
        report.add("webhookctl", span, span.text, f"no webhookctl subcommand {sub!r}")
    elif commands[sub] and len(words) > 2 and not words[2].startswith("-") and words[2] not in commands[sub]:
        report.add("webhookctl", span, span.text, f"no webhookctl {sub} subcommand {words[2]!r}")
    return True


def _check_outputs(span: Span, repo: Repo, report: Report) -> bool:
    names = re.findall(r"\b(?:tofu|terraform)\s+output\s+(?:-(?:raw|json)\s+)?([a-z_][a-z0-9_]*)", span.text)
    for name in names:
        report.checked["tfoutputs"] += 1
        if name not in repo.outputs[0]:
            report.add("tfoutputs", span, name, "no root output of that name")
    column = span.column_header or ""
    if IDENT.fullmatch(span.text) and column in {"output", "outputs", "terraform output"}:
        report.checked["tfoutputs"] += 1
        if span.text not in repo.outputs[0] | repo.outputs[1]:
            report.add("tfoutputs", span, span.text, "named in an outputs table but not a Terraform output")
        return True
    return bool(names)


def _check_variables(span: Span, repo: Repo, report: Report) -> bool:
    text, declared = span.text, repo.variables[0] | repo.variables[1]
    names = re.findall(r"\bvar\.([a-z_][a-z0-9_]*)", text)
    for name in names:
        report.checked["tfvars"] += 1
        if name not in declared:
            report.add("tfvars", span, text, f"no Terraform variable {name!r} in the root module or any module")
    # "variable `x`" in the prose (not a stage or environment variable), or a table column headed "variable".
    named = re.search(rf"(?<!stage )(?<!environment )\bvariables? `{re.escape(text)}`", span.context)
    in_column = span.column_header in {"variable", "variables", "terraform variable"}
    if IDENT.fullmatch(text) and (in_column or named):
        report.checked["tfvars"] += 1
        if text not in declared:
            report.add("tfvars", span, text, "named as a Terraform variable, but no module declares it")
        return True
    return bool(names)


def _check_envvar(span: Span, repo: Repo, report: Report) -> bool:
    env = re.fullmatch(r"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:=\S*)?", span.text)
    if not env:
        return False
    report.checked["envvars"] += 1
    if not re.search(rf"(?<![A-Za-z0-9_]){re.escape(env.group(1))}(?![A-Za-z0-9_])", repo.code_text):
        report.add("envvars", span, env.group(1), "does not occur in the code")
    return True


def _check_metric(span: Span, repo: Repo, report: Report) -> bool:
    column = span.column_header or ""
    if "filter" in column and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)+", span.text):  # a metric filter's name
        report.checked["metrics"] += 1
        if not any(t.fullmatch(span.text) for t in repo.metric_filter_templates):
            report.add("metrics", span, span.text, "in a metric filter column, but Terraform creates no such filter")
        return True
    about = any(w in span.context or w in column for w in ("metric", "alarm"))
    if not (about and CAMEL.fullmatch(span.text)):
        return False
    report.checked["metrics"] += 1
    if span.text not in repo.string_literals and span.text not in repo.class_names:
        report.add("metrics", span, span.text, "on a line about metrics/alarms, but no code emits or names it")
    return True


def _check_alarm(span: Span, repo: Repo, report: Report) -> bool:
    text = span.text
    about = "alarm" in span.context or span.column_header == "alarm"
    if not (about and re.fullmatch(r"[a-z0-9<>{}…_-]+", text) and "-" in text.strip("-") and text[-1] != "-"):
        return False
    report.checked["alarms"] += 1
    candidate = PLACEHOLDER.sub("x", text)
    if not any(t.fullmatch(candidate) for t in repo.alarm_templates):
        if any(t.fullmatch(candidate) for t in repo.name_templates):
            report.skipped["alarms (another resource's name on an alarm line)"] += 1
        else:
            report.add("alarms", span, text, "matches no alarm_name that Terraform creates")
    return True


def _check_log_group(span: Span, repo: Repo, report: Report) -> bool:
    if not re.fullmatch(r"/aws/\S+", span.text):
        return False
    report.checked["loggroups"] += 1
    if not any(t.fullmatch(PLACEHOLDER.sub("x", span.text)) for t in repo.log_group_templates):
        report.add("loggroups", span, span.text, "matches no log group name in the Terraform")
    return True


def _check_path(span: Span, repo: Repo, report: Report) -> bool:
    path = _path_candidate(span.text, repo)
    if path is None:
        return False
    if path.split("/")[0] in GENERATED_ROOTS:
        report.skipped["paths (generated: .local/, build/)"] += 1
    else:
        report.checked["paths"] += 1
        if not _path_exists(path, repo):
            report.add("paths", span, span.text, "no such file or directory in the repository")
    return True


def check_span(span: Span, repo: Repo, report: Report) -> None:
    """Every check that recognises the span runs; a span none recognises is listed as unclassified."""
    words = _words(span.text)
    results = [
        _check_make(span, words, repo, report),
        _check_webhookctl(span, words, repo, report),
        _check_outputs(span, repo, report),
    ]
    if not span.in_fence:
        results += [
            _check_variables(span, repo, report),
            _check_envvar(span, repo, report),
            _check_metric(span, repo, report),
            _check_alarm(span, repo, report),
            _check_log_group(span, repo, report),
            _check_path(span, repo, report),
        ]
    if not any(results):
        report.unclassified.append(span)


def _path_candidate(text: str, repo: Repo) -> str | None:
    """A repository path, or None. Conservative: the first segment must be a top-level entry of the repo, or the
    span is a bare file name with a known extension."""
    if re.search(r"\s|://|^[~/$]|^-", text):
        return None
    clean = re.sub(r"(:\d+(-\d+)?|#[\w-]+)$", "", text)
    if "/" in clean:
        first = clean.split("/")[0]
        return clean if first in repo.top_level and re.fullmatch(r"[\w.\-/<>{}*…]+", clean) else None
    if clean.endswith(BARE_SUFFIXES) and re.fullmatch(r"[\w.\-]+", clean) and not clean.startswith("."):
        return clean
    return None


def _path_exists(path: str, repo: Repo) -> bool:
    if "/" not in path:  # a bare name: a file of the checkout, or one the tooling generates (named in the code)
        return path in repo.basenames or path in repo.string_literals
    pattern = PLACEHOLDER.sub("*", path).rstrip("/")
    if any(ch in pattern for ch in "*?["):
        return bool(glob.glob(str(repo.root / pattern)))
    return (repo.root / pattern).exists()


def check_mermaid(docs: dict[str, Document], report: Report, parser_dir: Path | None) -> None:
    blocks = [(doc.rel, line, text) for doc in docs.values() for line, text in doc.mermaid]
    report.checked["mermaid"] += len(blocks)
    if not blocks:
        return
    node = shutil.which("node")
    if parser_dir is None or node is None:
        for rel, line, _ in blocks:
            report.add("mermaid", (rel, line), "mermaid", "no parser: run `make tools` (needs node and npm)")
        return
    script = Path(__file__).with_name("mermaid_parse.mjs")
    payload = json.dumps([{"id": f"{rel}:{line}", "text": text} for rel, line, text in blocks])
    done = subprocess.run(  # noqa: S603 - node from PATH and our own script, no shell
        [node, str(script), str(parser_dir)], input=payload, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"mermaid parser failed: {done.stderr.strip()[-500:]}")
    for result in json.loads(done.stdout):
        if not result["ok"]:
            rel, _, number = str(result["id"]).rpartition(":")
            report.add("mermaid", (rel, int(number)), "mermaid", str(result["error"]))


# ---- figures ---------------------------------------------------------------------------------------------------------

FIGURES_DIR = ("docs", "figures")
FIGURE_FILES = ("bench.json", "capacity.json")
# The AWS unit prices the capacity model computes with (dated, with their sources): a quoted price must be one of them.
PRICES = ("devtools", "webhookdev", "bench", "prices.json")
GENERATED_PAGE = "<!-- Generated by `python -m webhookdev.bench.docs`"
GENERATED_BLOCK = re.compile(r"<!--\s*generated:\s*bench\.docs\s+([\w-]+)\s*-->")
GENERATED_END = re.compile(r"<!--\s*/generated\s*-->")
NOT_A_FIGURE = re.compile(r"<!--\s*not-a-figure:\s*(?!start\b|end\b)\S[^>]*-->")
NOT_A_FIGURE_START = re.compile(r"<!--\s*not-a-figure:start\s+\S[^>]*-->")
NOT_A_FIGURE_END = re.compile(r"<!--\s*not-a-figure:end\s*-->")
_NUMBER = r"\d(?:[\d,]*\d)?(?:\.\d+)?"
# $ amounts, durations in ms, sizes, and per-minute rates: the figures a reader takes for measured or modelled.
FIGURE = re.compile(
    rf"(?P<money>\$)\s?(?P<n1>{_NUMBER})(?:\s?(?P<m1>k|K|M|million|billion)\b)?"
    rf"|(?<![\w.])(?P<n2>{_NUMBER})\s?(?P<m2>k|K)?\s?(?P<unit>ms|kB|KB|KiB|MB|MiB|GB|GiB)\b"
    rf"|(?<![\w.$])(?P<n3>{_NUMBER})\s?(?P<m3>k|K)?\+?\s?(?:[a-z]+\s)?(?:/\s?min\b|per\s+minute\b|a\s+minute\b)"
)
MULTIPLIERS = {None: 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "million": 1e6, "billion": 1e9}
# How a stored value may be shown: bytes as KB/MB (decimal or binary), seconds as ms, per second as per minute.
UNIT_FACTORS: dict[str, tuple[float, ...]] = {
    "money": (1.0,),
    "rate": (1.0, 60.0),
    "ms": (1.0, 1000.0),
    "kB": (1.0, 1e-3, 1 / 1024),
    "KB": (1.0, 1e-3, 1 / 1024),
    "KiB": (1.0, 1 / 1024),
    "MB": (1.0, 1e-6, 1 / 2**20, 1e-3, 1 / 1024),
    "MiB": (1.0, 1 / 2**20, 1 / 1024),
    "GB": (1.0, 1e-9, 1 / 2**30, 1e-3, 1 / 1024),
    "GiB": (1.0, 1 / 2**30, 1 / 1024),
}


def _block_renderers() -> dict[str, Callable[[dict[str, Any], dict[str, Any]], str]]:
    from webhookdev.bench import docs as bench_docs  # noqa: PLC0415 - only this check needs the capacity model

    return {
        "summary": lambda bench, capacity: bench_docs.summary_table(bench),
        "capacity": lambda bench, capacity: "\n".join(bench_docs._capacity(capacity)),
    }


def _figure_sources(root: Path) -> tuple[dict[str, Any], dict[str, Any], list[float]]:
    """bench.json, capacity.json and every number either holds."""
    loaded = []
    for name in FIGURE_FILES:
        path = root.joinpath(*FIGURES_DIR, name)
        loaded.append(json.loads(path.read_text()) if path.is_file() else {})
    values: list[float] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, int | float) and not isinstance(node, bool):
            values.append(float(node))

    prices = root.joinpath(*PRICES)
    walk([loaded, json.loads(prices.read_text()) if prices.is_file() else {}])
    return loaded[0], loaded[1], values


def figure_matches(shown: str, scale: float, kind: str, values: Iterable[float]) -> bool:
    """Whether a figure as shown (digits, a k/M scale, a unit) is one of ``values`` rounded as the text rounds it."""
    text = shown.replace(",", "")
    decimals = len(text.partition(".")[2])
    target = float(text)
    tolerance = 0.5 * 10**-decimals + 1e-9
    factors = UNIT_FACTORS.get(kind, (1.0,))
    return any(abs(value * factor / scale - target) <= tolerance for value in values for factor in factors)


def _figures_in(line: str) -> Iterator[tuple[str, str, float]]:
    """(as shown, kind, scale) of every figure on a prose line (code spans and HTML comments are not prose)."""
    prose = re.sub(r"<!--.*?-->", "", CODE_SPAN.sub("", line))
    for match in FIGURE.finditer(prose):
        if match.group("money"):
            yield match.group(0).strip(), "money", MULTIPLIERS[match.group("m1")]
        elif match.group("unit"):
            yield match.group(0).strip(), match.group("unit"), MULTIPLIERS[match.group("m2")]
        else:
            yield match.group(0).strip(), "rate", MULTIPLIERS[match.group("m3")]


def _number_of(figure: str) -> str:
    found = re.search(_NUMBER, figure)
    return found.group(0) if found else "0"


def check_figures(docs: dict[str, Document], repo: Repo, report: Report) -> None:
    bench, capacity, values = _figure_sources(repo.root)
    for doc in docs.values():
        if doc.lines and any(line.startswith(GENERATED_PAGE) for line in doc.lines[:5]):
            from webhookdev.bench.docs import capacity_all, render  # noqa: PLC0415

            # As `python -m webhookdev.bench.docs --check`: the stored figures, the capacity model run afresh.
            report.checked["figures"] += 1
            if "\n".join(doc.lines) + "\n" != render(bench, json.loads(json.dumps(capacity_all()))):
                report.add(
                    "figures", (doc.rel, 1), doc.rel, "generated page differs from a fresh rendering of "
                    "docs/figures/*.json: run `python -m webhookdev.bench.docs` (never edit it by hand)"
                )  # fmt: skip
            continue
        _check_figure_lines(doc, bench, capacity, values, report)


def _split_generated(doc: Document) -> tuple[list[tuple[int, str]], list[tuple[int, str, list[str] | None]]]:
    """The prose lines (outside code fences and generated blocks), and each generated block (None: never ended)."""
    prose: list[tuple[int, str]] = []
    blocks: list[tuple[int, str, list[str] | None]] = []
    fence: str | None = None
    block: tuple[int, str, list[str]] | None = None
    for number, line in enumerate(doc.lines, start=1):
        if block is not None:
            if GENERATED_END.search(line):
                blocks.append(block)
                block = None
            else:
                block[2].append(line)
            continue
        opener = FENCE.match(line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence) and not opener.group(2):
                fence = None
            continue
        if opener:
            fence = opener.group(1)
            continue
        started = GENERATED_BLOCK.search(line)
        if started:
            block = (number, started.group(1), [])
        else:
            prose.append((number, line))
    if block is not None:
        blocks.append((block[0], block[1], None))
    return prose, blocks


def _check_figure_lines(
    doc: Document, bench: dict[str, Any], capacity: dict[str, Any], values: list[float], report: Report
) -> None:
    prose, blocks = _split_generated(doc)
    for block in blocks:
        _compare_block(doc, block, bench, capacity, report)
    exempt = False
    for number, line in prose:
        if NOT_A_FIGURE_START.search(line):
            exempt = True
        if NOT_A_FIGURE_END.search(line):
            exempt = False
            continue
        if exempt or NOT_A_FIGURE.search(line):
            report.skipped["figures (marked not-a-figure)"] += sum(1 for _ in _figures_in(line))
            continue
        for shown, kind, scale in _figures_in(line):
            report.checked["figures"] += 1
            if not figure_matches(_number_of(shown), scale, kind, values):
                report.add(
                    "figures", (doc.rel, number), shown, "typed by hand: no value of docs/figures/bench.json, "
                    "capacity.json or bench/prices.json; quote a generated block, or mark it <!-- not-a-figure: why -->"
                )  # fmt: skip


def _compare_block(
    doc: Document,
    block: tuple[int, str, list[str] | None],
    bench: dict[str, Any],
    capacity: dict[str, Any],
    report: Report,
) -> None:
    start, name, lines = block
    report.checked["figures"] += 1
    renderers = _block_renderers()
    if lines is None:
        report.add("figures", (doc.rel, start), name, "generated block has no <!-- /generated --> end")
    elif name not in renderers:
        report.add(
            "figures", (doc.rel, start), name, f"no generated block of that name (known: {', '.join(renderers)})"
        )
    elif "\n".join(lines).strip() != renderers[name](bench, capacity).strip():
        report.add(
            "figures", (doc.rel, start), name, "generated block differs from a fresh rendering of docs/figures/*.json: "
            "paste the output of the renderer (webhookdev.doccheck, _block_renderers)"
        )  # fmt: skip


# ---- entry point -----------------------------------------------------------------------------------------------------


def mermaid_parser_dir(root: Path) -> Path | None:
    """The cached npm install of mermaid + jsdom that `make tools` builds (versions from devtools/toolchain.env)."""
    pins = dict(re.findall(r"^([A-Z_]+)=(\S+)", (root / "devtools" / "toolchain.env").read_text(), re.MULTILINE))
    cache = Path(os.environ.get("WEBHOOKS_CACHE") or Path.home() / ".cache" / "payment-webhooks")
    path = cache / f"mermaid-{pins.get('MERMAID_VERSION')}-jsdom-{pins.get('JSDOM_VERSION')}"
    return path if (path / ".complete").exists() else None


def default_documents(root: Path) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def run(root: Path, files: Iterable[Path], only: Sequence[str] = CHECKS, parser_dir: Path | None = None) -> Report:
    repo = Repo(root)
    docs = {doc.rel: doc for doc in (parse(path, root) for path in files)}
    report = Report()
    if {"links", "anchors"} & set(only):
        check_links(docs, repo, report)
    for doc in docs.values():
        for span in doc.spans:
            check_span(span, repo, report)
    if "mermaid" in only:
        check_mermaid(docs, report, parser_dir)
    if "figures" in only:
        check_figures(docs, repo, report)
    kept = []
    for finding in report.findings:
        if finding.check not in only:
            continue
        if (finding.check, finding.token) in ALLOWED:
            report.skipped[f"{finding.check} (allowed: not our name)"] += 1
            continue
        kept.append(finding)
    report.findings = kept
    return report


def _print(report: Report, report_only: Sequence[str], show_unclassified: bool) -> None:
    by_check: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_check[finding.check].append(finding)
    for check in CHECKS:
        mark = "report  " if check in report_only else "enforced"
        print(f"{check:<11} {mark}  checked {report.checked[check]:>4}  findings {len(by_check[check]):>3}")
    for reason, count in sorted(report.skipped.items()):
        print(f"skipped: {count} {reason}")
    print(f"unclassified backticked spans (not checked): {len(report.unclassified)}")
    for finding in report.findings:
        print(finding)
    if show_unclassified:
        for text, count in Counter(span.text for span in report.unclassified).most_common():
            print(f"  unclassified x{count}: `{text}`")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="doccheck", description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("files", nargs="*", type=Path, help="markdown files (default: README.md and docs/**/*.md)")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("--only", help=f"comma-separated checks (default: all of {','.join(CHECKS)})")
    parser.add_argument("--enforce", action="store_true", help="exit 1 on a finding of a check not reported only")
    parser.add_argument(
        "--report-only",
        default=",".join(REPORT_ONLY),
        help=f"comma-separated checks only reported, not enforced (default: {','.join(REPORT_ONLY) or 'none'})",
    )
    parser.add_argument("--unclassified", action="store_true", help="list the spans no check could classify")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    only = tuple(args.only.split(",")) if args.only else CHECKS
    unknown = set(only) - set(CHECKS)
    if unknown:
        parser.error(f"unknown checks: {', '.join(sorted(unknown))}")
    files = [p.resolve() for p in args.files] or default_documents(root)
    report = run(root, files, only, mermaid_parser_dir(root))
    report_only = tuple(c for c in args.report_only.split(",") if c)
    if set(report_only) - set(CHECKS):
        parser.error(f"unknown checks in --report-only: {', '.join(sorted(set(report_only) - set(CHECKS)))}")
    _print(report, report_only, args.unclassified)
    failing = sorted({f.check for f in report.findings} - set(report_only))
    if args.enforce and failing:
        print(f"FAILED: findings in enforced checks ({', '.join(failing)})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
