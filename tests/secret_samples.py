"""Generated secrets in customer sentences, and a scanner that finds any of them in text.

Shared by the unit tests of the masking stores and log filters and by the integration
test of secrets at rest. Cards come from the generator of `tests/unit/redaction`
(every brand and length, Luhn-valid) written in every layout it knows; a card is
found again by its digits alone, whatever separators a sink kept.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List

from tests.unit.redaction.test_cards import FORMATS, generate_cards
from tests.unit.redaction.test_iban import generate_iban, spaced

IBAN_COUNTRIES = ("DE", "FR", "GB", "NL", "ES", "IT", "BE", "AT", "CH", "PL")


@dataclass
class SecretSamples:
    """Customer messages holding secrets, and the secrets to look for afterwards.

    Attributes:
        messages: What a customer types, one secret or more per message.
        cards: Card numbers (digits only).
        emails: E-mail addresses.
        ibans: IBANs without spaces.
        phones: Phone numbers as typed.
        cvvs: CVVs, each typed after a card as `cvv 123`.
    """

    messages: List[str] = field(default_factory=list)
    cards: List[str] = field(default_factory=list)
    emails: List[str] = field(default_factory=list)
    ibans: List[str] = field(default_factory=list)
    phones: List[str] = field(default_factory=list)
    cvvs: List[str] = field(default_factory=list)

    def leaks(self, text: str) -> Dict[str, List[str]]:
        """Every generated secret still readable in `text`, by kind.

        Cards are compared on digits only (the text's digits with any separators
        removed), IBANs without spaces and in any case, phones on their digits,
        e-mails in any case, CVVs as `cvv <digits>` as they were typed.
        """
        digits = re.sub(r"\D", "", text)
        compact = re.sub(r"[\s\-]", "", text).upper()
        lowered = text.lower()
        found = {
            "cards": [card for card in self.cards if card in digits],
            "emails": [email for email in self.emails if email.lower() in lowered],
            "ibans": [iban for iban in self.ibans if iban in compact],
            "phones": [phone for phone in self.phones if re.sub(r"\D", "", phone) in digits],
            "cvvs": [cvv for cvv in self.cvvs if f"cvv {cvv}" in lowered],
        }
        return {kind: values for kind, values in found.items() if values}

    def count_leaks(self, texts: Iterable[str]) -> int:
        """The number of (text, secret) pairs where a secret is readable."""
        return sum(
            len(values) for text in texts for values in self.leaks(text).values()
        )


def generate_samples(seed: int = 2026, cards_per_format: int = 6) -> SecretSamples:
    """Builds sentences with cards in every layout, CVVs, IBANs, e-mails and phones.

    Args:
        seed: Random seed (the same seed gives the same secrets).
        cards_per_format: How many distinct cards are written in each layout.

    Returns:
        The samples; every secret is unique (a phone's digits never occur in a card).
    """
    rng = random.Random(seed)
    samples = SecretSamples()
    pool = generate_cards(seed=seed, per_length=2)
    rng.shuffle(pool)
    # 12 digits read as an order number after an order word: not used here.
    pool = [card for card in pool if len(card) >= 13]
    for index, layout in enumerate(FORMATS.values()):
        for card in pool[index * cards_per_format : (index + 1) * cards_per_format]:
            samples.cards.append(card)
            samples.messages.append(f"my card is {layout(card)} please check it")
    for _ in range(6):
        cvv = f"{rng.randint(100, 999)}"
        card = pool[-1 - len(samples.cvvs)]
        samples.cards.append(card)
        samples.cvvs.append(cvv)
        samples.messages.append(f"card {FORMATS['spaces'](card)} cvv {cvv}")
    for country in IBAN_COUNTRIES:
        iban = generate_iban(rng, country)
        samples.ibans.append(iban)
        samples.messages.append(f"please refund to my IBAN {spaced(iban)} thanks")
    for index in range(6):
        email = f"cust{rng.randint(10**5, 10**6 - 1)}.{index}@mail{rng.randint(10, 99)}.example.org"
        samples.emails.append(email)
        samples.messages.append(f"write to me at {email} please")
    for _ in range(6):
        number = f"7{rng.randint(10**8, 10**9 - 1)}"
        phone = f"+44 {number[:4]} {number[4:]}"
        samples.phones.append(phone)
        samples.messages.append(f"call me on {phone} tomorrow")
    return samples
