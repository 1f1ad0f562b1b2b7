"""Sample ids are never masked as card numbers (a masked id is stored masked and then not found by its own id)."""

from __future__ import annotations

import re

import pytest
from webhook_core.masking import mask_id
from webhookdev import ids
from webhookdev.providers import _common

LUHN_VALID_RUN = "txn_local_f380239781193879"  # a real flake: 15 digits, Luhn valid, from the old token_hex ids


def test_the_old_scheme_could_produce_an_id_the_masking_rewrites() -> None:
    assert mask_id(LUHN_VALID_RUN) != LUHN_VALID_RUN


def test_an_all_digit_draw_still_gives_no_run_of_card_length(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids.secrets, "token_hex", lambda nbytes: "4111111111111111"[: 2 * nbytes])
    value = ids.fresh_id("txn_local", groups=3)

    assert max(len(run) for run in re.findall(r"\d+", value)) <= 8
    assert mask_id(value) == value


def test_fresh_ids_are_unique_and_survive_masking() -> None:
    drawn = [ids.fresh_id("evt_local") for _ in range(2000)]

    assert len(set(drawn)) == len(drawn)
    assert all(mask_id(value) == value for value in drawn)


def test_sample_tokens_redraw_a_card_length_digit_run(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter("4111111111111" + "abcdef0123456")  # first draw: 13 digits (a test PAN's prefix), then a safe one
    monkeypatch.setattr(_common.secrets, "choice", lambda alphabet: next(draws))  # the plug-ins' sample ids

    assert _common.token(13, "abcdef0123456789") == "abcdef0123456"
