"""The assistant's names the insights rely on: intents, responses and slots.

They mirror ``domain.yml`` (a test checks that every name still exists there).
"""

from __future__ import annotations

from datetime import timedelta

# The "money intents": what a customer came for. A conversation's topics and journey
# are made of these; conversation intents (greet, affirm...) are not topics.
from intent_contract import MONEY_INTENTS

#: The intent Rasa's FallbackClassifier gives a message it did not understand.
FALLBACK_INTENT = "nlu_fallback"

#: Answers that end a journey successfully: the customer got what they came for.
#: After each of them the assistant asks whether the problem was solved.
RESOLVING_RESPONSES = frozenset(
    {
        # something was done
        "utter_refund_created",
        "utter_payment_receipt",
        "utter_extension_done",
        "utter_order_cancelled",
        "utter_return_reported",
        "utter_duplicate_refunded",
        "utter_payment_update_link",
        # an account question answered with the customer's own figures
        "utter_balance",
        "utter_balance_overdue",
        "utter_balance_nothing_due",
        "utter_next_payment",
        "utter_next_payment_overdue",
        "utter_nothing_due",
        "utter_refund_status",
        "utter_refund_status_completed",
        "utter_invoice",
    }
)

#: The satisfaction question (its bot message marks "asked").
CSAT_QUESTION_RESPONSE = "utter_ask_csat_solved"
#: Slot holding the answer to "was your problem solved?" (true / false).
CSAT_SOLVED_SLOT = "csat_solved"
#: Slot holding the 1-5 rating.
CSAT_RATING_SLOT = "csat_rating"
CSAT_RATING_RANGE = range(1, 6)

#: Slot in which the action server keeps a verified visitor's identity grant
#: (``v1.<customer id>.<expires>.<signature>``).
IDENTITY_GRANT_SLOT = "identity_grant"
#: User-message metadata key set by the project's channels for a logged-in customer.
VERIFIED_CUSTOMER_KEY = "verified_customer_id"

#: A conversation is a repeat contact when the same customer had a conversation on
#: one of the same topics this long before.
REPEAT_WINDOW = timedelta(days=7)

#: Channel name of a conversation whose first user message names none.
UNKNOWN_CHANNEL = "unknown"
#: Handoff "intent" of a handover that came before any money intent.
NO_TOPIC = "(no topic)"
