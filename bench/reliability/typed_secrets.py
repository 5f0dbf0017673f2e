"""The secrets customers type in a scenario: cards in several layouts, CVVs, IBANs, e-mails, phones.

Each scenario gets its own generated secrets (`tests.secret_samples`), so a
secret found in a sink at the end names the scenario that typed it.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

from tests.secret_samples import SecretSamples, generate_samples

#: The order in which kinds take turns; a message with a CVV also holds a card.
KINDS = ("cards", "cvvs", "ibans", "emails", "phones")


def typed_secrets(seed: int, count: int) -> Tuple[List[str], SecretSamples]:
    """`count` customer messages with secrets, the kinds taking turns, and what they hold.

    Cards come in a different layout each time (spaces, dashes, dots...).

    Args:
        seed: Seed of the generator: another seed gives other secrets.
        count: How many messages.

    Returns:
        The messages, and the secrets in exactly those messages.
    """
    generated = generate_samples(seed=seed, cards_per_format=1)
    by_kind: Dict[str, List[str]] = {kind: [] for kind in KINDS}
    for message in generated.messages:
        found = generated.leaks(message)
        by_kind["cvvs" if "cvvs" in found else next(iter(found))].append(message)
    messages: List[str] = []
    position = 0
    while len(messages) < count:
        pool = by_kind[KINDS[position % len(KINDS)]]
        index = position // len(KINDS)
        messages.append(pool[index % len(pool)])
        position += 1
    return messages, secrets_in(generated, messages)


def secrets_in(generated: SecretSamples, messages: List[str]) -> SecretSamples:
    """The secrets of `generated` that occur in `messages` (what to look for afterwards)."""
    used = SecretSamples(messages=list(messages))
    for message in messages:
        for kind, values in generated.leaks(message).items():
            kept = getattr(used, kind)
            kept.extend(value for value in values if value not in kept)
    return used


def merge(samples: List[SecretSamples]) -> SecretSamples:
    """All secrets of several scenarios in one (one scan of each sink finds them all)."""
    merged = SecretSamples()
    for sample in samples:
        for kind in KINDS + ("messages",):
            getattr(merged, kind).extend(getattr(sample, kind))
    return merged
