"""Paying now, failed payments, fees, payment methods and extensions."""

from __future__ import annotations

from actions.api import Money
from tests.integration.journey import Conversation, backend_client, format_date, format_money

ADA, BEN = "ada@example.com", "ben@example.com"


def test_pay_now_asks_confirmation_and_pays_once(stack):
    client = backend_client(stack)
    customer = stack.customer_id(ADA)
    instalment = client.get_next_instalment(customer)
    paid_before = len(client.list_payments(customer, status="succeeded"))
    conversation = Conversation(stack, ADA)
    ask = conversation.say("I'd like to pay my instalment right now")
    due = Money(instalment.amount.amount + instalment.late_fee.amount, instalment.amount.currency)
    assert format_money(due) in ask
    receipt = conversation.say("yes")
    assert "Receipt" in receipt
    assert client.get_instalment(customer, instalment.id).status == "paid"
    assert len(client.list_payments(customer, status="succeeded")) == paid_before + 1


def test_pay_now_declined_by_the_customer_pays_nothing(stack):
    client = backend_client(stack)
    customer = stack.customer_id(ADA)
    before = len(client.list_payments(customer))
    conversation = Conversation(stack, ADA)
    conversation.say("settle my next bill now please")
    assert "didn't make any payment" in conversation.say("no")
    assert len(client.list_payments(customer)) == before


def test_payment_problem_gives_the_decline_reason(stack):
    declined = backend_client(stack).list_payments(
        stack.customer_id(BEN), status="declined", limit=1
    )[0]
    reply = Conversation(stack, BEN).say("why did my payment fail?")
    assert declined.decline_message in reply
    assert format_money(declined.amount) in reply


def test_fee_question_explains_the_late_fee(stack):
    fees = backend_client(stack).list_fees(stack.customer_id(BEN))
    assert fees
    reply = Conversation(stack, BEN).say("what is this fee you charged me")
    assert format_money(fees[0].amount) in reply
    assert fees[0].explanation in reply


def test_payment_methods_without_login(stack):
    supported = backend_client(stack).list_supported_payment_methods()
    reply = Conversation(stack).say("which payment options do you accept?")
    for method in supported:
        assert method.name in reply


def test_update_payment_method_sends_a_link_not_a_form(stack):
    reply = Conversation(stack, ADA).say("I need to change the card on my account")
    assert "http" in reply
    assert "never type card numbers" in reply


def test_extend_due_date_applies_the_backend_rules(stack):
    client = backend_client(stack)
    customer = stack.customer_id(ADA)
    instalment = client.get_next_instalment(customer)
    options = client.get_extension_options(customer, instalment.id)
    assert options.allowed
    option = options.options[0]
    conversation = Conversation(stack, ADA)
    ask = conversation.say("can I push back my due date?")
    assert format_date(instalment.due_date) in ask
    confirm = conversation.say(f"{option.days} days")
    assert format_date(option.new_due_date) in confirm
    done = conversation.say("yes please")
    assert f"now due on {format_date(option.new_due_date)}" in done
    assert client.get_instalment(customer, instalment.id).due_date == option.new_due_date


def test_overdue_instalment_cannot_be_extended(stack):
    reply = Conversation(stack, BEN).say("I need more time to pay my instalment")
    assert "can't extend" in reply
