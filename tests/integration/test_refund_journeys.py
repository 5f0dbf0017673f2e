"""Refunds: the form, the backend's rules, status and policy."""

from __future__ import annotations

from tests.integration.journey import Conversation, backend_client, format_date, format_money

ADA, BEN = "ada@example.com", "ben@example.com"


def _refundable_order(stack, email):
    client = backend_client(stack)
    customer = stack.customer_id(email)
    for order in client.list_orders(customer):
        if order.status == "delivered" and client.get_refund_eligibility(customer, order.id).eligible:
            return order
    raise AssertionError(f"the seed has no refundable order for {email}")


def test_partial_refund_with_the_order_in_the_first_message(stack):
    client = backend_client(stack)
    customer = stack.customer_id(ADA)
    order = _refundable_order(stack, ADA)
    eligibility = client.get_refund_eligibility(customer, order.id)
    conversation = Conversation(stack, ADA)
    ask_amount = conversation.say(f"I want my money back for order {order.id}")
    assert format_money(eligibility.refundable) in ask_amount
    too_much = eligibility.refundable.amount + 100
    assert "more than what can still be refunded" in conversation.say(f"{too_much} euros")
    conversation.say("10 euros")
    confirm = conversation.say("the zipper broke after one day")
    assert "€10.00" in confirm and order.id in confirm
    done = conversation.say("yes, submit it")
    refunds = client.list_refunds(customer, order_id=order.id)
    created = refunds[0]
    assert created.id in done
    assert format_date(created.expected_by) in done
    assert str(created.amount.amount) == "10.00"
    assert created.reason == "the zipper broke after one day"
    assert client.get_refund_eligibility(customer, order.id).refundable.amount == (
        eligibility.refundable.amount - 10
    )


def test_full_refund_with_the_order_chosen_from_buttons(stack):
    client = backend_client(stack)
    customer = stack.customer_id(ADA)
    conversation = Conversation(stack, ADA)
    conversation.say("I'd like a refund please")
    payloads = [button["payload"] for button in conversation.buttons()]
    assert payloads and all(p.startswith('/inform{"order_id":') for p in payloads)
    conversation.say(payloads[0])
    order_id = payloads[0].split('"')[3]
    refundable = client.get_refund_eligibility(customer, order_id).refundable
    conversation.say("full")
    conversation.say("Arrived damaged")
    done = conversation.say("yes")
    created = client.list_refunds(customer, order_id=order_id)[0]
    assert created.id in done
    assert created.amount == refundable


def test_refund_declined_at_confirmation_creates_nothing(stack):
    client = backend_client(stack)
    customer = stack.customer_id(ADA)
    order = _refundable_order(stack, ADA)
    before = len(client.list_refunds(customer))
    conversation = Conversation(stack, ADA)
    conversation.say(f"refund order {order.id}")
    conversation.say("5")
    conversation.say("changed my mind")
    assert "didn't submit" in conversation.say("no")
    assert len(client.list_refunds(customer)) == before


def test_refund_outside_the_window_is_explained(stack):
    client = backend_client(stack)
    customer = stack.customer_id(ADA)
    expired = next(
        order
        for order in client.list_orders(customer)
        if client.get_refund_eligibility(customer, order.id).reason_code == "refund_window_expired"
    )
    reply = Conversation(stack, ADA).say(f"I want a refund for {expired.id}")
    assert "can't be refunded any more" in reply
    assert expired.merchant.name in reply


def test_refund_of_a_fully_refunded_order_is_explained(stack):
    client = backend_client(stack)
    customer = stack.customer_id(BEN)
    refunded = next(
        order
        for order in client.list_orders(customer)
        if client.get_refund_eligibility(customer, order.id).reason_code == "already_refunded"
    )
    reply = Conversation(stack, BEN).say(f"please refund order {refunded.id}")
    assert "already been refunded" in reply


def test_stop_leaves_the_refund_form_without_a_refund(stack):
    client = backend_client(stack)
    customer = stack.customer_id(ADA)
    before = len(client.list_refunds(customer))
    conversation = Conversation(stack, ADA)
    conversation.say("I want a refund")
    assert "stopped" in conversation.say("stop, forget it")
    assert len(client.list_refunds(customer)) == before


def test_question_inside_the_refund_form_is_answered_and_the_form_resumes(stack):
    order = _refundable_order(stack, ADA)
    conversation = Conversation(stack, ADA)
    conversation.say(f"i want to get a refund for {order.id}")
    reply = conversation.say("which payment methods do you take?")
    assert "You can pay with" in reply
    assert "you can get up to" in reply  # the form asks for the amount again


def test_refund_status_shows_the_backend_refunds(stack):
    refunds = backend_client(stack).list_refunds(stack.customer_id(ADA))
    reply = Conversation(stack, ADA).say("where is my refund? it's been ages")
    assert refunds[0].id in reply
    assert format_money(refunds[0].amount) in reply


def test_refund_status_after_an_order_status_shows_every_order_s_refunds(stack):
    # The order asked about earlier stays in the order_id slot; a later "where is
    # my refund?" names no order and must not be filtered by that one.
    client = backend_client(stack)
    customer = stack.customer_id(ADA)
    refunds = client.list_refunds(customer)
    earlier = next(
        order
        for order in client.list_orders(customer)
        if order.status == "delivered" and not client.list_refunds(customer, order_id=order.id)
    )
    conversation = Conversation(stack, ADA)
    assert earlier.id in conversation.say(f"where is my order #{earlier.id.split('-')[1]}?")
    conversation.say("did my last payment go through?")
    assert stack.tracker(conversation.sender_id)["slots"]["order_id"] == earlier.id
    reply = conversation.say("where is my refund? it's been ages")
    assert "don't see any refunds" not in reply
    assert refunds[0].id in reply and refunds[0].order_id in reply
    named = conversation.say(f"any update on my refund for order {refunds[0].order_id}?")
    assert refunds[0].id in named
    assert not [r.id for r in refunds if r.order_id != refunds[0].order_id and r.id in named]


def test_refund_policy_of_a_named_shop_without_login(stack):
    client = backend_client(stack)
    merchant = client.find_merchants("Nordic Threads")[0]
    policy = client.get_refund_policy(merchant.id)
    reply = Conversation(stack).say("what's the return policy at Nordic Threads?")
    assert f"within {policy.window_days} days" in reply
