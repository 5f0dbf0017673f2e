"""Prints how many messages per second `redaction.mask_text` masks.

Builds a seeded corpus of chat-sized messages (about 2,000 characters by default),
one in four holding a card, an IBAN, an e-mail, a phone number or a CVV among
ordinary text with order references, money and dates, then times `mask_text`.

    .venv/bin/python bench/redaction_speed.py
    .venv/bin/python bench/redaction_speed.py --messages 2000 --length 500
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redaction import mask_text  # noqa: E402

PLAIN = [
    "Hi, where is my order KL-482913?",
    "I paid €1,234.56 on 2026-11-27 at 14:30 but the plan still shows 25.00 EUR due.",
    "Refund RF-3FA29C1B was promised for 27/11/2026, it's been 12 days.",
    "I bought 3 items for 120 euros and returned 2 of them.",
    "Can I move instalment IN-482913-2 to next friday? 50% now is too much.",
    "Payment PAY-100101 failed twice, order 482913, expiry 12/27.",
    "thanks for your help, have a nice day",
]
SECRETS = [
    "my card is 4111 1111 1111 1111 exp 12/27 cvv 123",
    "card:5555-5555-5555-4444,",
    "amex 3782 822463 10005 please",
    "send it to DE89 3704 0044 0532 0130 00",
    "mail me at jane.doe+orders@example.co.uk",
    "call me on +44 20 7946 0958 or 020 7946 0958",
    "the verification code is 482913",
]


def corpus(messages: int, length: int, seed: int = 7) -> list[str]:
    """Returns `messages` texts of about `length` characters."""
    rng = random.Random(seed)
    texts = []
    for index in range(messages):
        parts: list[str] = []
        while sum(map(len, parts)) < length:
            parts.append(rng.choice(PLAIN))
        if index % 4 == 0:
            parts.insert(rng.randrange(len(parts)), rng.choice(SECRETS))
        texts.append(" ".join(parts)[: length + 80])
    return texts


def main() -> None:
    """Times `mask_text` over the corpus and prints messages/second."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--length", type=int, default=2000, help="characters per message")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    texts = corpus(args.messages, args.length)
    for text in texts[:50]:
        mask_text(text)  # warm up (regex compilation happens at import)
    rates = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        for text in texts:
            mask_text(text)
        rates.append(len(texts) / (time.perf_counter() - started))
    mean_chars = statistics.mean(map(len, texts))
    best = max(rates)
    print(f"python {sys.version.split()[0]}: {len(texts)} messages of ~{mean_chars:.0f} chars")
    print(
        f"mask_text: {best:,.0f} messages/s best, {statistics.median(rates):,.0f} median "
        f"({1000 / best:.3f} ms/message)"
    )


if __name__ == "__main__":
    main()
