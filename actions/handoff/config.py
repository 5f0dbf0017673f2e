"""The handoff triggers of `handoff.yml`: which reasons open a ticket, and thresholds.

Parsing only: `actions/settings.py` reads the file (it is the one reader of the
environment and of configuration) and hands the decoded YAML to
`parse_handoff_config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

CUSTOMER_REQUEST = "customer_request"
COMPLAINT = "complaint"
FRAUD = "fraud"
DISPUTE = "dispute"
REPEATED_FALLBACK = "repeated_fallback"
FORM_VALIDATION_FAILED = "form_validation_failed"
BACKEND_UNAVAILABLE = "backend_unavailable"

#: Every reason the agent desk accepts, in the order of `handoff.yml`.
REASONS: Tuple[str, ...] = (
    CUSTOMER_REQUEST,
    COMPLAINT,
    FRAUD,
    DISPUTE,
    REPEATED_FALLBACK,
    FORM_VALIDATION_FAILED,
    BACKEND_UNAVAILABLE,
)

#: Reasons that fire after a number of events in a row, with the default number.
DEFAULT_THRESHOLDS: Dict[str, int] = {REPEATED_FALLBACK: 2, FORM_VALIDATION_FAILED: 3}

#: Largest threshold accepted: beyond it the trigger would practically never fire.
MAX_THRESHOLD = 20


@dataclass(frozen=True)
class HandoffTrigger:
    """One reason for handing a conversation to a person.

    Attributes:
        reason: One of `REASONS`.
        enabled: Whether the assistant opens a ticket for it; when not, the
            customer gets the support team's contact details instead.
        threshold: Events in a row that fire it (only for the reasons of
            `DEFAULT_THRESHOLDS`), else `None`.
    """

    reason: str
    enabled: bool = True
    threshold: Optional[int] = None


@dataclass(frozen=True)
class HandoffConfig:
    """The triggers, one per reason.

    Attributes:
        triggers: One trigger for each of `REASONS`.
    """

    triggers: Tuple[HandoffTrigger, ...]

    def __post_init__(self) -> None:
        """Checks that every reason has exactly one trigger."""
        reasons = [trigger.reason for trigger in self.triggers]
        if sorted(reasons) != sorted(REASONS):
            raise ValueError(f"Handoff triggers must cover {list(REASONS)} once each, got {reasons}.")

    @classmethod
    def default(cls) -> "HandoffConfig":
        """Every trigger enabled with its default threshold (what `handoff.yml` ships)."""
        return cls(
            tuple(
                HandoffTrigger(reason, True, DEFAULT_THRESHOLDS.get(reason)) for reason in REASONS
            )
        )

    def trigger(self, reason: str) -> HandoffTrigger:
        """The trigger of a reason.

        Args:
            reason: One of `REASONS`.

        Returns:
            Its trigger.

        Raises:
            KeyError: Not a known reason.
        """
        for trigger in self.triggers:
            if trigger.reason == reason:
                return trigger
        raise KeyError(reason)

    def enabled(self, reason: str) -> bool:
        """Whether a ticket is opened for `reason`."""
        return self.trigger(reason).enabled

    def threshold(self, reason: str) -> int:
        """The number of events in a row that fires a counting trigger."""
        threshold = self.trigger(reason).threshold
        if threshold is None:
            raise KeyError(f"{reason} has no threshold")
        return threshold


def parse_handoff_config(data: Any, source: str = "handoff.yml") -> HandoffConfig:
    """Validates decoded `handoff.yml` content.

    Every reason must be listed (so nothing is switched on or off by omission),
    `enabled` must be a boolean, and the counting reasons need a whole
    `threshold` between 1 and `MAX_THRESHOLD`; other reasons take none.

    Args:
        data: The decoded YAML document.
        source: Where it came from, named in error messages.

    Returns:
        The configuration.

    Raises:
        ValueError: The document is invalid; the message names the entry.
    """
    if not isinstance(data, dict) or set(data) != {"triggers"}:
        raise ValueError(f"{source}: expected a mapping with one key 'triggers'.")
    entries = data["triggers"]
    if not isinstance(entries, dict):
        raise ValueError(f"{source}: 'triggers' must map each reason to its settings.")
    unknown = sorted(set(entries) - set(REASONS), key=str)
    if unknown:
        raise ValueError(f"{source}: unknown reason(s) {unknown}; known: {list(REASONS)}.")
    missing = [reason for reason in REASONS if reason not in entries]
    if missing:
        raise ValueError(f"{source}: reason(s) {missing} missing: list every reason.")
    return HandoffConfig(tuple(_trigger(reason, entries[reason], source) for reason in REASONS))


def _trigger(reason: str, entry: Any, source: str) -> HandoffTrigger:
    where = f"{source}: triggers.{reason}"
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be a mapping like {{enabled: true}}.")
    allowed = {"enabled", "threshold"} if reason in DEFAULT_THRESHOLDS else {"enabled"}
    extra = sorted(set(entry) - allowed, key=str)
    if extra:
        raise ValueError(f"{where}: unexpected key(s) {extra}; allowed: {sorted(allowed)}.")
    enabled = entry.get("enabled")
    if not isinstance(enabled, bool):
        raise ValueError(f"{where}.enabled must be true or false, got {enabled!r}.")
    threshold = None
    if reason in DEFAULT_THRESHOLDS:
        threshold = entry.get("threshold")
        # bool is an int subclass: `threshold: yes` must not read as 1.
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int)
            or not 1 <= threshold <= MAX_THRESHOLD
        ):
            raise ValueError(
                f"{where}.threshold must be a whole number from 1 to {MAX_THRESHOLD}, "
                f"got {threshold!r}."
            )
    return HandoffTrigger(reason, enabled, threshold)
