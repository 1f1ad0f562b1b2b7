"""Fresh ids for sample webhooks that can never look like a card number.

The validators and the processor mask any run of 13 to 19 digits that passes the Luhn check (PCI: a PAN must not be
stored or logged). A random hex id holds such a run now and then (`txn_local_f380239781193879` did: 15 digits, Luhn
valid), is stored masked, and is then not found by its own id. Ids made here put a non-hex letter after every 8 hex
digits, so no digit run is longer than 8.
"""

from __future__ import annotations

import secrets

_GROUP = 8  # hex digits between separators: well below the 13-digit minimum of a card number


def fresh_id(prefix: str, groups: int = 2) -> str:
    """`<prefix>_<8 hex>g<8 hex>…`: unique (32 random bits per group) and never masked as card data."""
    return f"{prefix}_" + "g".join(secrets.token_hex(_GROUP // 2) for _ in range(groups))
