"""Authorization fuzz through chat: Ada types Ben's ids; nothing of Ben's ever comes back.

Ada (logged in) names Ben's orders, refunds, payments and instalments in many
phrasings, in the middle of forms, and as `/intent{...}` payloads no button
offered (the slash guard reads those as plain text). Ben's data comes from the
backend: every string, amount and date of his account that Ada's account does not
also show. None of it may appear in a reply, a button or any slot value the
tracker ever held (what Ada typed herself excepted), and neither account may
change: Ada declines every confirmation, and nothing is created for Ben.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import uuid
from decimal import Decimal
from typing import Any, Dict, Iterable, Iterator, List, Set, Tuple

from actions.api import Money
from tests.integration.journey import format_date, format_money

ADA, BEN = "ada@example.com", "ben@example.com"

#: Account routes whose answers make up a customer's data.
ACCOUNT_ROUTES = (
    "/v1/customers/me",
    "/v1/balance",
    "/v1/instalments",
    "/v1/payments?limit=100",
    "/v1/payments/duplicates",
    "/v1/orders?limit=100",
    "/v1/refunds",
    "/v1/fees",
    "/v1/invoices",
    "/v1/payment-methods",
)
ORDER_PHRASES = (
    "where is my order {ref}",
    "what's the status of order {ref}?",
    "I want a refund for order {ref}",
    "refund 5 euros on {ref} please, it arrived broken",
    "cancel order {ref}",
    "I sent {ref} back",
    "can I have the invoice for {ref}",
    "{ref}",
)
ORDER_PAYLOADS = (
    '/request_refund{{"order_id":"{id}"}}',
    '/order_status{{"order_id":"{id}"}}',
    '/cancel_order{{"order_id":"{id}"}}',
    '/inform{{"order_id":"{id}","amount":"5"}}',
)
PAYMENT_PHRASES = (
    "why was payment {id} declined?",
    "did payment {id} go through",
    "I don't recognise the charge {id}",
    '/payment_status{{"payment_id":"{id}"}}',
    '/dispute_charge{{"payment_id":"{id}"}}',
)
REFUND_PHRASES = ("where is my refund {id}", "status of refund {id}?")
INSTALMENT_PHRASES = ("pay instalment {id} now", "extend {id} by 14 days")


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        if set(value) == {"amount", "currency"}:
            yield Money(Decimal(value["amount"]), value["currency"])
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def account_tokens(stack: Any, customer_id: str) -> Set[str]:
    """Every string of an account as the backend shows it and as the bot would word it."""
    tokens: Set[str] = set()
    for route in ACCOUNT_ROUTES:
        for leaf in _leaves(stack.backend_get(route, customer_id)):
            if isinstance(leaf, Money):
                tokens.add(format_money(leaf))
            elif isinstance(leaf, str) and len(leaf) >= 5:
                tokens.add(leaf)
                if _DATE.match(leaf):
                    tokens.add(format_date(dt.date.fromisoformat(leaf[:10])))
    return tokens


def bens_objects(stack: Any, ben_id: str) -> Dict[str, List[str]]:
    """Ben's object ids by kind."""
    return {
        "order": [o["id"] for o in stack.backend_get("/v1/orders?limit=100", ben_id)],
        "payment": [p["id"] for p in stack.backend_get("/v1/payments?limit=100", ben_id)],
        "refund": [r["id"] for r in stack.backend_get("/v1/refunds", ben_id)],
        "instalment": [i["id"] for i in stack.backend_get("/v1/instalments", ben_id)],
    }


def order_forms(order_id: str) -> List[str]:
    """Ways to type an order number."""
    digits = order_id.split("-", 1)[1]
    return [order_id, f"#{digits}", digits, f"kl {digits}", f"order number {digits}"]


def attacks(objects: Dict[str, List[str]]) -> Iterator[Tuple[str, List[str]]]:
    """(typed object id, messages of one conversation).

    One message a conversation, so that neither the per-sender rate limit nor the
    hand-over after repeated rejected answers cuts the fuzz short; the flows
    through forms are short conversations of their own.
    """
    forms = itertools.cycle(range(5))
    for order_id in objects["order"]:
        for phrase in ORDER_PHRASES:
            yield order_id, [phrase.format(ref=order_forms(order_id)[next(forms)])]
        for payload in ORDER_PAYLOADS:
            yield order_id, [payload.format(id=order_id)]
    for payment_id in objects["payment"]:
        for phrase in PAYMENT_PHRASES:
            yield payment_id, [phrase.format(id=payment_id)]
    for refund_id in objects["refund"]:
        for phrase in REFUND_PHRASES:
            yield refund_id, [phrase.format(id=refund_id)]
    for instalment_id in objects["instalment"][:3]:
        for phrase in INSTALMENT_PHRASES:
            yield instalment_id, [phrase.format(id=instalment_id)]
    # Inside forms: the refund form asks for an order, the payment form to confirm.
    order = objects["order"][-1]
    yield order, ["I want a refund", order, f'/inform{{"order_id":"{order}"}}', "stop"]
    yield order, ["I want to cancel an order", f"cancel {order}", "no"]
    yield objects["instalment"][0], ["pay now", f"pay {objects['instalment'][0]} instead", "no"]


def contains(text: str, token: str) -> bool:
    """Whether `token` is in `text` as a whole (`5 December` is not in `15 December`)."""
    return re.search(rf"(?<![\w.]){re.escape(token)}(?![\w])", text) is not None


def reply_texts(replies: Iterable[Dict[str, Any]]) -> List[str]:
    """Texts, button titles and payloads of the bot's replies."""
    texts = []
    for reply in replies:
        texts.append(reply.get("text") or "")
        for button in reply.get("buttons") or []:
            texts += [str(button.get("title", "")), str(button.get("payload", ""))]
        if reply.get("custom"):
            texts.append(json.dumps(reply["custom"]))
    return texts


def slot_values(tracker: Dict[str, Any]) -> List[str]:
    """Every value any slot took in the conversation, and the final slots."""
    values = [json.dumps(e.get("value")) for e in tracker["events"] if e.get("event") == "slot"]
    return values + [json.dumps(tracker["slots"])]


def test_ada_never_sees_or_changes_anything_of_bens(stack: Any) -> None:
    ada_id, ben_id = stack.customer_id(ADA), stack.customer_id(BEN)
    token = stack.login(ADA)
    ada_before = {r: stack.backend_get(r, ada_id) for r in ACCOUNT_ROUTES}
    ben_before = {r: stack.backend_get(r, ben_id) for r in ACCOUNT_ROUTES}
    secrets = account_tokens(stack, ben_id) - account_tokens(stack, ada_id)
    objects = bens_objects(stack, ben_id)
    assert secrets and all(objects.values()), "Ben's seed has data of his own"
    # The check can fail: asked by Ben himself, the same question shows his data.
    own = stack.send(
        f"authz-control-{uuid.uuid4().hex[:8]}", "what do I owe?", token=stack.login(BEN)
    )
    assert any(contains(text, s) for text in reply_texts(own) for s in secrets), own
    sent, leaks, unanswered = 0, [], []
    for index, (typed, messages) in enumerate(attacks(objects)):
        sender = f"authz-fuzz-{index}-{uuid.uuid4().hex[:8]}"
        for message in messages:
            replies = stack.send(sender, message, token=token)
            sent += 1
            if not replies:
                unanswered.append(message)
            if any(b.get("payload") == "/deny" for r in replies for b in r.get("buttons") or []):
                replies = replies + stack.send(sender, "no", token=token)  # Ada changes nothing
            for text in reply_texts(replies):
                leaks += [(message, s, text) for s in secrets if contains(text, s) and s != typed]
        tracker = stack.tracker(sender)
        heard = [e["text"] for e in tracker["events"] if e.get("event") == "user"]
        assert len(heard) >= len(messages), f"messages were dropped: {messages} vs {heard}"
        in_slots = {s for v in slot_values(tracker) for s in secrets if contains(v, s)}
        leaks += [(sender, s, "a slot") for s in in_slots if s != typed]
    print(f"\n{sent} messages with Ben's ids, {len(secrets)} private strings of Ben's checked")
    assert sent >= 80
    assert leaks == [], leaks
    assert unanswered == [], unanswered
    ben_after = {r: stack.backend_get(r, ben_id) for r in ACCOUNT_ROUTES}
    ada_after = {r: stack.backend_get(r, ada_id) for r in ACCOUNT_ROUTES}
    assert [r for r in ACCOUNT_ROUTES if ben_after[r] != ben_before[r]] == []
    assert [r for r in ACCOUNT_ROUTES if ada_after[r] != ada_before[r]] == []
