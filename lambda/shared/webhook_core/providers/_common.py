"""Small helpers shared by the provider plug-ins (header lookup, JSON and form parsing)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from webhook_core.errors import MalformedPayload, MissingHeader, UnsupportedContentType

JSON_CONTENT_TYPE = "application/json"
# Real webhooks nest fewer than 10 levels; anything deeper than this is refused (400) before any other work.
MAX_JSON_DEPTH = 64
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def media_type(content_type: str) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return content_type.split(";", 1)[0].strip().lower()


def header(headers: Mapping[str, str], name: str) -> str:
    """A required header (``headers`` has lowercase names); :class:`MissingHeader` when absent or empty."""
    value = headers.get(name.lower(), "").strip()
    if not value:
        raise MissingHeader(f"missing {name} header")
    return value


def parse_json_object(raw: bytes, content_type: str) -> dict[str, Any]:
    """The body as a JSON object; the content type, when given, must be JSON."""
    kind = media_type(content_type)
    if kind and kind != JSON_CONTENT_TYPE and not kind.endswith("+json"):
        raise UnsupportedContentType("Content-Type must be application/json")
    try:
        parsed = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedPayload("body is not valid JSON") from exc
    except RecursionError as exc:
        raise MalformedPayload(f"body nests deeper than {MAX_JSON_DEPTH} levels") from exc
    if not isinstance(parsed, dict):
        raise MalformedPayload("body is not a JSON object")
    if json_depth(parsed) > MAX_JSON_DEPTH:
        raise MalformedPayload(f"body nests deeper than {MAX_JSON_DEPTH} levels")
    return parsed


def json_depth(value: Any) -> int:
    """Nesting depth of parsed JSON, computed without recursion (a list or object adds one level)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            return depth
        stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_form(raw: bytes, charset: str = "utf-8") -> dict[str, Any]:
    """A form-encoded body as a dict (last value wins for repeated names)."""
    try:
        text = raw.decode(charset)
    except (LookupError, UnicodeDecodeError) as exc:
        raise MalformedPayload(f"form body is not {charset}") from exc
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise MalformedPayload("body is not form-encoded") from exc
    return dict(pairs)


def required_str(parsed: Mapping[str, Any], field: str) -> str:
    value = parsed.get(field)
    if not isinstance(value, str) or not value.strip():
        raise MalformedPayload(f"body has no {field!r}")
    return value


def dig(parsed: Mapping[str, Any], *path: str) -> str:
    """The string at ``path`` inside nested objects, or "" when any step is missing."""
    current: Any = parsed
    for step in path:
        if not isinstance(current, Mapping):
            return ""
        current = current.get(step)
    return current if isinstance(current, str) else ""
