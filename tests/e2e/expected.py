"""What each provider sample must become once processed: (normalized event_type, amount, currency, payment_status).

Amounts are exact decimal strings in major units, read off the sample files in devtools/webhookdev/samples/data
(Stripe and Square send integer minor units; PayPal sends decimal strings; JPY has no minor unit, KWD has three).
"""

from __future__ import annotations

NORMALIZED: dict[tuple[str, str], tuple[str, str | None, str | None, str | None]] = {
    ("stripe", "charge_dispute_closed"): ("dispute.closed", "20.00", "USD", "won"),
    ("stripe", "charge_dispute_created"): ("dispute.created", "20.00", "USD", "needs_response"),
    ("stripe", "charge_failed"): ("payment.failed", "45.99", "USD", "failed"),
    ("stripe", "charge_refund_updated"): ("refund.updated", "5.00", "USD", "succeeded"),
    ("stripe", "charge_refunded"): ("refund.created", "5.00", "USD", "succeeded"),
    ("stripe", "charge_succeeded"): ("payment.success", "20.00", "USD", "succeeded"),
    ("stripe", "charge_succeeded_kwd"): ("payment.success", "12.340", "KWD", "succeeded"),
    ("stripe", "customer_updated_unknown"): ("unknown", None, None, None),
    ("stripe", "payment_intent_canceled"): ("payment.canceled", "31.50", "GBP", "canceled"),
    ("stripe", "payment_intent_payment_failed"): ("payment.failed", "45.99", "USD", "requires_payment_method"),
    ("stripe", "payment_intent_processing"): ("payment.pending", "1250.00", "EUR", "processing"),
    ("stripe", "payment_intent_succeeded"): ("payment.success", "20.00", "USD", "succeeded"),
    ("stripe", "payment_intent_succeeded_jpy"): ("payment.success", "5000", "JPY", "succeeded"),
    ("paypal", "checkout_order_approved"): ("payment.authorized", "26.99", "USD", "APPROVED"),
    ("paypal", "checkout_order_completed"): ("payment.success", "26.99", "USD", "COMPLETED"),
    ("paypal", "customer_dispute_created"): ("dispute.created", "26.99", "USD", "OPEN"),
    ("paypal", "ipn_express_checkout_pending"): ("payment.pending", "250.00", "USD", "Pending"),
    ("paypal", "ipn_web_accept_completed"): ("payment.success", "19.95", "USD", "Completed"),
    ("paypal", "ipn_web_accept_refunded"): ("refund.created", "19.95", "USD", "Refunded"),
    ("paypal", "ipn_web_accept_reversed"): ("reversal.created", "19.95", "USD", "Reversed"),
    ("paypal", "payment_capture_completed"): ("payment.success", "26.99", "USD", "COMPLETED"),
    ("paypal", "payment_capture_completed_jpy"): ("payment.success", "1500", "JPY", "COMPLETED"),
    ("paypal", "payment_capture_denied"): ("payment.failed", "42.00", "USD", "DECLINED"),
    ("paypal", "payment_capture_pending"): ("payment.pending", "40.00", "EUR", "PENDING"),
    ("paypal", "payment_capture_refunded"): ("refund.created", "10.00", "USD", "COMPLETED"),
    ("square", "dispute_created"): ("dispute.created", "10.50", "USD", "EVIDENCE_REQUIRED"),
    ("square", "dispute_state_updated_won"): ("dispute.closed", "10.50", "USD", "WON"),
    ("square", "payment_created"): ("payment.authorized", "10.50", "USD", "APPROVED"),
    ("square", "payment_updated_canceled"): ("authorization.voided", "42.00", "USD", "CANCELED"),
    ("square", "payment_updated_completed"): ("payment.success", "10.50", "USD", "COMPLETED"),
    ("square", "payment_updated_completed_jpy"): ("payment.success", "3300", "JPY", "COMPLETED"),
    ("square", "payment_updated_failed"): ("payment.failed", "25.99", "USD", "FAILED"),
    ("square", "refund_created"): ("refund.created", "5.00", "USD", "PENDING"),
    ("square", "refund_updated"): ("refund.updated", "5.00", "USD", "COMPLETED"),
}
