"""Card data never leaves through a log line or a masked record: PANs (Luhn), CVV/CVC, card fields, track data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from webhook_core.log import get_logger
from webhook_core.masking import luhn_valid, mask, mask_text

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
