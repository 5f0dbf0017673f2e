"""Payment card numbers: 12-19 digits passing Luhn, contiguous or in groups.

A run of digit groups ("2 4111 1111-1111.1111 12") is cut into windows of whole
groups; a window is a card when it passes Luhn and looks typed as one number:
contiguous, or a first group of 4 followed by groups of 2-6 digits (the last 1-6).
Overlapping card windows are masked together, so no digit of any of them survives
but the last four of the most card-like one. Twelve digits are a rare card length and
the project's marketplace order numbers ("order 370795561791"), so a 12-digit window
right after an order word is left alone.
"""

import re

from redaction import placeholders
from redaction.luhn import luhn_valid

MIN_DIGITS = 12
MAX_DIGITS = 19
# Digit groups joined by one separator: spaces/tabs, or one dash or dot with optional spaces.
# Every separator holds a non-digit, so the regex cannot split digits two ways (linear).
# The look-ahead skips runs too short to hold 12 digits without calling Python.
_RUN = re.compile(r"(?<!\w)(?=[\d \t.\-]{12})\d+(?:(?:[ \t]*[\-.][ \t]*|[ \t]+)\d+)*")
_GROUP = re.compile(r"\d+")
# Cheap pre-check: twelve digits with at most separators between them.
_TWELVE_DIGITS = re.compile(r"\d(?:[ \t.\-]*\d){11}")
# Lengths by how common they are among cards; used to pick the last four to show.
_LENGTH_RANK = {16: 0, 15: 1, 14: 2, 19: 3, 13: 4, 18: 5, 17: 6, 12: 7}

_ORDER_CONTEXT = re.compile(
    r"\b(?:orders?|purchases?|invoices?|ref|reference|refunds?|tracking|parcel|shipment)\b"
    r"[^\d\[\]]{0,20}$",
    re.IGNORECASE,
)

Window = tuple[int, int]  # indices of the first and last group


def _standard_layout(sizes: list[int]) -> bool:
    """Tells whether group sizes are a usual card layout (4-4-4-4, 4-6-5, 4-6-4...)."""
    if len(sizes) == 1:
        return True
    if sizes[1:] in ([6, 5], [6, 4]) and sizes[0] == 4:
        return True
    return all(size == 4 for size in sizes[:-1]) and 1 <= sizes[-1] <= 4


def _windows(groups: list[str]) -> list[Window]:
    """Returns every window of whole groups that reads as a card number.

    A grouped window starts the run, follows a card, or follows a group that is not
    4 digits long ("qty 2 4111 1111 ..."), so "5158 9215 2758 9292" failing Luhn is not
    searched for a 12-digit card in its last three groups; 12 grouped digits must fill
    the run (up to a card before them). A card ends where the next may start, so
    masking the first card never uncovers another one (idempotence).
    """
    found: list[Window] = []
    covered = -1  # index of the last group inside a card found so far
    for first, group in enumerate(groups):
        if MIN_DIGITS <= len(group) <= MAX_DIGITS and luhn_valid(group):
            found.append((first, first))
            covered = max(covered, first)
        opens = first == 0 or covered >= first - 1
        if len(group) != 4 or not (opens or len(groups[first - 1]) != 4):
            continue
        digits = group
        for last in range(first + 1, len(groups)):
            size = len(groups[last])
            if size > 6 or len(digits) + size > MAX_DIGITS:
                break
            digits += groups[last]
            whole = opens and last == len(groups) - 1
            long_enough = len(digits) > MIN_DIGITS or (whole and len(digits) == MIN_DIGITS)
            if long_enough and luhn_valid(digits):
                found.append((first, last))
                covered = max(covered, last)
            if size < 2:  # a 1-digit group can only end a card
                break
    return found


def _score(window: Window, groups: list[str]) -> tuple[bool, int, int]:
    """Orders windows from the most card-like: usual layout, usual length, leftmost."""
    sizes = [len(group) for group in groups[window[0] : window[1] + 1]]
    return (not _standard_layout(sizes), _LENGTH_RANK[sum(sizes)], window[0])


def _clusters(windows: list[Window]) -> list[list[Window]]:
    """Groups windows whose group ranges overlap."""
    clusters: list[list[Window]] = []
    end = -1
    for window in sorted(windows):
        if clusters and window[0] <= end:
            clusters[-1].append(window)
            end = max(end, window[1])
        else:
            clusters.append([window])
            end = window[1]
    return clusters


def _after_order_word(text: str, start: int) -> bool:
    """Tells whether an order/refund/invoice word comes just before offset `start`."""
    return _ORDER_CONTEXT.search(text, max(0, start - 40), start) is not None


def _mask_run(text: str, match: "re.Match[str]") -> str:
    """Returns the run of `match` with its card windows replaced."""
    run = match.group(0)
    if len(run) < MIN_DIGITS:
        return run
    spans = [(m.start(), m.end()) for m in _GROUP.finditer(run)]
    following: str | None = text[match.end()] if match.end() < len(text) else None
    if following is not None and (following.isalpha() or following == "_"):
        spans.pop()  # glued to a word: part of an identifier, not a card
    groups = [run[start:end] for start, end in spans]
    windows = _windows(groups)
    windows = [
        window
        for window in windows
        if sum(len(group) for group in groups[window[0] : window[1] + 1]) > MIN_DIGITS
        or not _after_order_word(text, match.start() + spans[window[0]][0])
    ]
    if not windows:
        return run
    pieces: list[str] = []
    done = 0
    for cluster in _clusters(windows):
        best = min(cluster, key=lambda window: _score(window, groups))
        last4 = "".join(groups[best[0] : best[1] + 1])[-4:]
        first = min(window[0] for window in cluster)
        last = max(window[1] for window in cluster)
        pieces.append(run[done : spans[first][0]])
        pieces.append(placeholders.card(last4))
        done = spans[last][1]
    pieces.append(run[done:])
    return "".join(pieces)


def mask_cards(text: str) -> str:
    """Replaces every payment card number in `text` by `[card •••• 4242]`."""
    if not _TWELVE_DIGITS.search(text):
        return text
    return _RUN.sub(lambda match: _mask_run(text, match), text)
