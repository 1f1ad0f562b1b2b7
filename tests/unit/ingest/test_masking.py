"""Card data never leaves through a log line or a masked record: PANs (Luhn), CVV/CVC, card fields, track data."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from webhook_core.errors import RedactedError
from webhook_core.log import get_logger
from webhook_core.masking import clip, luhn_valid, mask, mask_text
from webhook_core.processing import build_lambda_handler

VISA = "4111111111111111"
AMEX = "378282246310005"
MASTERCARD_19 = "6011000990139424"  # Discover, 16


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"card {VISA} ok", "card ************1111 ok"),
        ("card 4111 1111 1111 1111 ok", "card ************1111 ok"),
        ("card 4111-1111-1111-1111 ok", "card ************1111 ok"),
        (f"amex {AMEX}", "amex ***********0005"),
        (f"{VISA} 2030", "************1111 2030"),
        ("order 1234567890123 total", "order 1234567890123 total"),  # 13 digits, Luhn-invalid
        ("id 12345678901234567890123456", "id 12345678901234567890123456"),  # contiguous 26-digit identifier
        ("ts 1795000000", "ts 1795000000"),
    ],
)
def test_card_numbers_in_text_keep_only_last_four(text: str, expected: str) -> None:
    assert mask_text(text) == expected


def test_luhn() -> None:
    assert luhn_valid(VISA)
    assert luhn_valid(AMEX)
    assert not luhn_valid("4111111111111112")


@pytest.mark.parametrize(
    "text",
    [
        "cvv: 123",
        "CVC=4567",
        '"cvc": "123"',
        "security code 999",
        "cvv2 321",
    ],
)
def test_cvv_fragments_in_text_are_redacted(text: str) -> None:
    masked = mask_text(text)

    assert "***" in masked
    assert not any(code in masked for code in ("123", "4567", "999", "321"))


def test_track_data_in_text_is_redacted() -> None:
    track1 = f"%B{VISA}^DOE/JOHN^2512101000000000000?"
    track2 = f";{VISA}=25121010000000000?"

    assert mask_text(f"swipe {track1} end") == "swipe [track data redacted] end"
    assert mask_text(f"swipe {track2} end") == "swipe [track data redacted] end"


def test_nested_structures_are_masked_by_field_and_by_content() -> None:
    data: dict[str, Any] = {
        "card": {"number": "4242 4242 4242 4242", "cvc": "123", "last4": "4242", "exp_year": 2030, "brand": "visa"},
        "payment_method_details": {"card": {"number": 4242424242424242}},
        "pan": VISA,
        "card_number": "5555-5555-5555-4444",
        "security_code": "999",
        "cvv2": 123,
        "track2": "anything at all",
        "items": [{"note": f"pay with {AMEX}"}, "cvv: 321"],
        "created": 1795000000,
        "amount": 2000,
        "description": None,
        "captured": True,
        "ratio": 1.5,
        "account_reference": 4242424242424242,
    }
    original = json.loads(json.dumps(data))

    masked = mask(data)

    assert masked["card"] == {
        "number": "************4242",
        "cvc": "***",
        "last4": "4242",
        "exp_year": 2030,
        "brand": "visa",
    }
    assert masked["payment_method_details"]["card"]["number"] == "************4242"
    assert masked["pan"] == "************1111"
    assert masked["card_number"] == "************4444"
    assert masked["security_code"] == "***"
    assert masked["cvv2"] == "***"
    assert masked["track2"] == "***"
    assert masked["items"] == [{"note": "pay with ***********0005"}, "cvv: ***"]
    assert masked["created"] == 1795000000
    assert masked["amount"] == 2000
    assert (masked["description"], masked["captured"], masked["ratio"]) == (None, True, 1.5)
    assert masked["account_reference"] == "************4242"
    assert data == original  # input untouched


def test_logger_masks_message_extra_keys_and_exceptions(capsys: pytest.CaptureFixture[str]) -> None:
    logger = get_logger(service="masking-test-logger")

    logger.info(f"charging {VISA}", extra={"card": {"number": AMEX, "cvc": "123"}, "note": "cvv: 987"})
    try:
        raise ValueError(f"declined {MASTERCARD_19}")
    except ValueError:
        logger.exception("failed")

    out = capsys.readouterr().out
    for secret in (VISA, AMEX, MASTERCARD_19, '"123"', "987"):
        assert secret not in out
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0]["message"] == "charging ************1111"
    assert lines[0]["card"] == {"number": "***********0005", "cvc": "***"}
    assert "************9424" in lines[1]["exception"]


# --- issue 8: shapes, keys, prefixed names, bounded cost --------------------------------------------------------------


@pytest.mark.parametrize("separator", [".", "/", "_", "  ", "\t", "\n", "\u00a0", " - ", "-", " "], ids=repr)
def test_card_numbers_grouped_with_any_short_separator_are_masked(separator: str) -> None:
    text = separator.join(["4111", "1111", "1111", "1111"])

    assert mask_text(f"pay {text} now") == "pay ************1111 now"


def test_a_card_number_as_a_mapping_key_is_masked() -> None:
    assert mask({VISA: "x"}) == {"************1111": "x"}


@pytest.mark.parametrize("key", ["meta.cvv", "metadata.cvc", "meta[cvv]", "card_cvv", "cardCvc", "CVV2"])
def test_cvv_under_a_prefixed_or_dotted_name_is_redacted(key: str) -> None:
    assert mask({key: "9731"}) == {key: "***"}


@pytest.mark.parametrize("key", ["meta.pan", "card.number", "metadata.card_number"])
def test_pan_under_a_prefixed_name_keeps_last_four(key: str) -> None:
    assert mask({key: "4000056655665556"}) == {key: "************5556"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CVV is 9731", "CVV is ***"),
        ("my cvc was 123 ok", "my cvc was *** ok"),
        ("card verification code = 1234", "card verification code = ***"),
    ],
)
def test_cvv_in_free_text_is_redacted(text: str, expected: str) -> None:
    assert mask_text(text) == expected


def test_ordinary_identifiers_and_times_are_left_alone() -> None:
    for text in ("2026-11-29T08:04:39Z", "order 2026-11-29 #12", "ch_3QP8fW2eZvKYlo2C1a9XbK7d", "192.168.100.200"):
        assert mask_text(text) == text


def test_masking_cost_is_linear_in_the_number_of_digit_groups() -> None:
    small = " ".join(["1"] * 400)
    large = " ".join(["1"] * 6400)  # 16x the groups

    def cpu(text: str) -> float:
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            mask_text(text)
            best = min(best, time.process_time() - started)
        return best

    ratio = cpu(large) / max(cpu(small), 1e-5)
    print(f"\n[issue 8 item 1] mask_text 6,400 vs 400 digit groups: CPU ratio {ratio:.1f} (linear: ~16)")
    assert ratio < 64  # quadratic would be ~256, cubic ~4096


def test_clip_bounds_ids_and_keeps_long_ones_distinct() -> None:
    a, b = "x" * 500 + "a", "x" * 500 + "b"

    assert len(clip(a)) == 128
    assert clip(a) != clip(b)
    assert clip("evt_1") == "evt_1"


def test_an_exception_leaving_the_processor_handler_carries_no_card_number(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    handler = build_lambda_handler()
    event = {"version": int(VISA), "provider": "stripe", "event_id": "e", "received_at": 1, "body_base64": "e30="}

    with pytest.raises(RedactedError) as raised:
        handler(event, None)

    assert VISA not in str(raised.value)
    assert "************1111" in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__
