"""The intent contract's money intents: what a customer comes to the assistant for.

One list for everything outside Rasa that reasons about intents: the NLU scoring
(`bench/nlu_scoring.py`: "not routed to a money intent") and the desk's insights
(topics and journeys). Pure Python, importable from the Rasa and the services' envs.
`desk/tests/insights/test_vocabulary.py` checks it against `domain.yml`.
"""

MONEY_INTENTS = frozenset(
    {
        "check_balance",
        "next_payment",
        "make_payment",
        "extend_due_date",
        "payment_status",
        "payment_problem",
        "update_payment_method",
        "payment_methods",
        "list_purchases",
        "unrecognized_charge",
        "charged_twice",
        "fee_question",
        "get_invoice",
        "request_refund",
        "refund_status",
        "refund_policy",
        "report_return",
        "cancel_order",
        "order_status",
    }
)
