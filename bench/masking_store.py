"""Prints what `MaskingTrackerStore` costs per save, before and after incremental masking.

Issue #7: every save masked every event of the tracker again (~0.14 ms an event in
`mask_event`, plus ~0.05 ms rebuilding it with `Event.from_parameters`), so a save
grew with the conversation. Now each event is masked once (its masked twin is kept on
the event; events read back from the store are masked already). This benchmark runs
both on the same conversations: `before` is the pre-#7 `masked_copy` (in this file),
`after` is the store as it is.

For conversations of `--sizes` events (turns of six events: a user message with its
parse data holding a card and an e-mail, slot, actions, bot reply), it prints the
median time of:

- `masked_copy` of a tracker read back from the store plus one new turn (a turn's
  save), and of the same live tracker saved again with nothing new;
- a whole turn (retrieve, add a turn, save) with the wrapped store in memory, on
  SQLite (`NonBlockingSQLTrackerStore`, files in /dev/shm when there is one), and on
  SQLite with an event broker (one that only serialises the events it gets, so the
  figure holds no broker I/O; Rasa reads the stored tracker back on each save to
  find the events to publish);
- where the remaining time of `after` goes: the replay of `DialogueStateTracker.
  from_events`, the private copies `retrieve` takes, masking the turn's new events,
  and the wrapped store's own read.

A second table compares, on the same SQLite file, Rasa's own `SQLTrackerStore` with
the project's `NonBlockingSQLTrackerStore` (which rebuilds events with a cached class
lookup and, with a broker, counts the stored events instead of reading the session
back): the wrapped store's retrieve, a save's streaming of the new events to a broker,
and a whole turn through `MaskingTrackerStore` on SQLite with and without a broker.

    .venv/bin/python bench/masking_store.py
    .venv/bin/python bench/masking_store.py --sizes 50,200,1000 --repeat 30
"""

import argparse
import asyncio
import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rasa.core.brokers.broker import EventBroker  # noqa: E402
from rasa.core.tracker_store import (  # noqa: E402
    InMemoryTrackerStore,
    SQLTrackerStore,
    TrackerStore,
)
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import (  # noqa: E402
    ActionExecuted,
    BotUttered,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402

from rasa_plugins.stores.events import mask_event  # noqa: E402
from rasa_plugins.stores.sql_store import NonBlockingSQLTrackerStore  # noqa: E402
from rasa_plugins.stores.tracker_store import (  # noqa: E402
    MaskingTrackerStore,
    masked_twin,
    remember_as_stored,
)

DOMAIN = Domain.from_dict(
    {
        "intents": ["inform"],
        "slots": {
            "refund_reason": {"type": "text", "mappings": [{"type": "from_text"}]},
            "order_id": {
                "type": "text",
                "mappings": [{"type": "from_entity", "entity": "order_id"}],
            },
        },
    }
)
EVENTS_PER_TURN = 6


class FullRemaskStore(MaskingTrackerStore):
    """The store before issue #7: every event masked and rebuilt on every save."""

    def masked_copy(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """The pre-#7 `MaskingTrackerStore.masked_copy`."""
        events = [Event.from_parameters(mask_event(event.as_dict())) for event in tracker.events]
        return DialogueStateTracker.from_events(
            tracker.sender_id,
            events,
            slots=list(tracker.slots.values()),
            max_event_history=tracker._max_event_history,
            sender_source=tracker.sender_source,
        )

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """Reads without remembering anything (as before #7)."""
        return await self.wrapped.retrieve(sender_id)

    async def retrieve_full_tracker(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """Reads without remembering anything (as before #7)."""
        return await self.wrapped.retrieve_full_tracker(sender_id)


class SerialisingBroker(EventBroker):
    """An event broker that only serialises what it is given (no I/O)."""

    def __init__(self) -> None:
        self.published: List[str] = []

    def publish(self, event: Dict[Text, Any], headers: Optional[Dict[Text, Text]] = None) -> None:
        """Keeps the event as JSON."""
        self.published.append(json.dumps(event))


def turn(index: int) -> List[Event]:
    """One turn of six events; the user's text holds a card, an e-mail and an order."""
    text = (
        f"my card is 4111 1111 1111 1111, mail me at ada{index}@example.com "
        f"about order {370795561791 + index}"
    )
    parse_data = {
        "text": text,
        "intent": {"name": "inform", "confidence": 0.93},
        "entities": [
            {"entity": "order_id", "value": str(370795561791 + index), "start": 60,
             "end": 72, "extractor": "RegexEntityExtractor"},
        ],
        "intent_ranking": [{"name": f"intent_{k}", "confidence": 0.01} for k in range(10)],
    }
    return [
        UserUttered(text, parse_data["intent"], parse_data["entities"], parse_data,
                    input_channel="rest", message_id=f"m{index}", metadata={"channel": "rest"}),
        ActionExecuted("action_extract_slots"),
        SlotSet("refund_reason", text),
        ActionExecuted("utter_ask_refund_confirm", policy="RulePolicy", confidence=1.0),
        BotUttered(f"Refund for order {370795561791 + index}, reason: {text}?",
                   {"buttons": [{"title": "Yes", "payload": "/affirm"}]},
                   {"utter_action": "utter_ask_refund_confirm"}),
        ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0),
    ]


def conversation(size: int) -> List[Event]:
    """`size` new events: an initial action_listen, then turns."""
    events: List[Event] = [ActionExecuted("action_listen")]
    index = 0
    while len(events) < size:
        events.extend(turn(index))
        index += 1
    return events[:size]


def add_turn(tracker: DialogueStateTracker) -> None:
    """Adds the next turn the way Rasa's processor does (new timestamps)."""
    tracker.update_with_events(turn(len(tracker.events)), DOMAIN)


def median_ms(samples: List[float]) -> float:
    """Median of seconds, in milliseconds."""
    return statistics.median(samples) * 1000


async def timed(
    repeat: int,
    prepare: Callable[[int], Awaitable[Any]],
    run: Callable[[Any], Awaitable[Any]],
) -> float:
    """Median ms of `run(prepare(i))` over `repeat` rounds; `prepare` is not timed."""
    samples = []
    for index in range(repeat):
        state = await prepare(index)
        gc.collect()  # a full collection of Rasa's heap takes ms: not in one round only
        started = time.perf_counter()
        await run(state)
        samples.append(time.perf_counter() - started)
    return median_ms(samples)


async def seed(store: TrackerStore, sender: Text, size: int) -> None:
    """Stores a conversation of `size` events (masked)."""
    await store.save(DialogueStateTracker.from_events(sender, conversation(size), DOMAIN.slots))


async def new_conversation(store: TrackerStore, prefix: Text, size: int, index: int) -> Text:
    """Stores a fresh `size`-event conversation and returns its sender id."""
    sender = f"{prefix}-{size}-{index}"
    await seed(store, sender, size)
    return sender


async def timed_turn(repeat: int, store: MaskingTrackerStore, prefix: Text, size: int) -> float:
    """Median ms of one turn (retrieve, add a turn, save) on fresh `size`-event conversations."""

    async def fresh_conversation(index: int) -> Text:
        return await new_conversation(store, prefix, size, index)

    async def one_turn(sender: Text) -> None:
        tracker = await store.retrieve(sender)
        add_turn(tracker)
        await store.save(tracker)

    return await timed(repeat, fresh_conversation, one_turn)


def stores(directory: Path, kind: str) -> Dict[str, MaskingTrackerStore]:
    """The `before` and `after` stores around a wrapped store of `kind`."""
    built = {}
    for name, cls in (("before", FullRemaskStore), ("after", MaskingTrackerStore)):
        if kind == "memory":
            inner: TrackerStore = InMemoryTrackerStore(DOMAIN)
        else:
            broker = SerialisingBroker() if kind == "sqlite+broker" else None
            inner = NonBlockingSQLTrackerStore(
                DOMAIN, dialect="sqlite", db=str(directory / f"{name}-{kind}.db"),
                event_broker=broker,
            )
        built[name] = cls(DOMAIN, wrapped=inner, mask_logs=False, allow_memory_fallback=True)
    return built


async def measure_size(size: int, repeat: int, directory: Path) -> List[List[str]]:
    """Rows of the table for conversations of `size` events."""
    rows: List[List[str]] = []
    memory = stores(directory, "memory")
    for name, store in memory.items():
        await seed(store, f"{name}-{size}", size)

    async def read_back_with_turn(
        store: MaskingTrackerStore, sender: Text
    ) -> DialogueStateTracker:
        tracker = await store.retrieve(sender)
        add_turn(tracker)
        return tracker

    figures: Dict[str, Dict[str, float]] = {}
    for name, store in memory.items():
        sender = f"{name}-{size}"

        async def read_back(_i: int, s: MaskingTrackerStore = store, n: Text = sender) -> Any:
            return await read_back_with_turn(s, n)

        async def saved_once(_i: int, s: MaskingTrackerStore = store, n: Text = sender) -> Any:
            tracker = await read_back_with_turn(s, n)
            s.masked_copy(tracker)
            return tracker

        async def copy(tracker: DialogueStateTracker, s: MaskingTrackerStore = store) -> None:
            s.masked_copy(tracker)

        figures.setdefault("masked_copy: read back + 1 new turn", {})[name] = await timed(
            repeat, read_back, copy
        )
        figures.setdefault("masked_copy: same live tracker again", {})[name] = await timed(
            repeat, saved_once, copy
        )

    for kind in ("memory", "sqlite", "sqlite+broker"):
        pair = memory if kind == "memory" else stores(directory, kind)
        for name, store in pair.items():
            label = f"turn (retrieve + save), {kind}"
            figures.setdefault(label, {})[name] = await timed_turn(
                repeat, store, f"{name}-{kind}", size
            )
        for store in pair.values():
            close = getattr(store.wrapped, "close", None)
            if close is not None:
                close()

    for label, by_name in figures.items():
        before, after = by_name["before"], by_name["after"]
        rows.append([str(size), label, f"{before:.2f}", f"{after:.2f}", f"{before / after:.1f}x"])

    # Where the remaining time of `after` goes (in-memory wrapped store).
    after = memory["after"]
    inner = after.wrapped
    sender = f"after-{size}"
    samples: Dict[str, List[float]] = {k: [] for k in ("read", "copies", "mask", "replay")}
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        tracker = await inner.retrieve(sender)
        samples["read"].append(time.perf_counter() - started)
        started = time.perf_counter()
        remember_as_stored(tracker)
        samples["copies"].append(time.perf_counter() - started)
        new = turn(len(tracker.events))
        tracker.update_with_events(new, DOMAIN)
        started = time.perf_counter()
        twins = [masked_twin(event) for event in tracker.events]
        samples["mask"].append(time.perf_counter() - started)
        started = time.perf_counter()
        DialogueStateTracker.from_events(sender, twins, slots=list(tracker.slots.values()))
        samples["replay"].append(time.perf_counter() - started)
    events = len(tracker.events)
    notes = {
        "read": f"wrapped store's retrieve of {events - EVENTS_PER_TURN} events (not ours)",
        "copies": "retrieve: private copies of the stored events (pickle)",
        "mask": f"masked_copy: twins, masking the {EVENTS_PER_TURN} new events",
        "replay": f"masked_copy: DialogueStateTracker.from_events replay of {events}",
    }
    for key, note in notes.items():
        rows.append([str(size), f"  after: {note}", "", f"{median_ms(samples[key]):.2f}", ""])
    return rows


def print_table(
    rows: List[List[str]],
    header: Tuple[str, ...] = ("events", "what (median per call)", "before ms", "after ms",
                               "speed-up"),
) -> None:
    """Prints rows under a header, columns aligned."""
    widths = [max(len(row[i]) for row in rows + [list(header)]) for i in range(len(header))]
    for row in [list(header), ["-" * w for w in widths]] + rows:
        cells = [
            cell.ljust(width) if i == 1 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths))
        ]
        print("  ".join(cells))


def sql_stores(path: Path, broker: bool) -> Dict[str, TrackerStore]:
    """Rasa's SQL store and the project's on the same SQLite file."""
    return {
        "rasa": SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path),
                                event_broker=SerialisingBroker() if broker else None),
        "ours": NonBlockingSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path),
                                           event_broker=SerialisingBroker() if broker else None),
    }


async def measure_sql(size: int, repeat: int, directory: Path) -> List[List[str]]:
    """Rows comparing Rasa's `SQLTrackerStore` with `NonBlockingSQLTrackerStore`."""
    figures: Dict[str, Dict[str, float]] = {}
    for broker in (False, True):
        path = directory / f"sql-{size}-{'broker' if broker else 'plain'}.db"
        wrapped = sql_stores(path, broker)
        masking = {
            name: MaskingTrackerStore(DOMAIN, wrapped=inner, mask_logs=False,
                                      allow_memory_fallback=True)
            for name, inner in wrapped.items()
        }
        for name in ("rasa", "ours"):
            store, inner = masking[name], wrapped[name]
            label = f"turn (retrieve + save), sqlite{'+broker' if broker else ''}"
            figures.setdefault(label, {})[name] = await timed_turn(
                repeat, store, f"{name}-{broker}", size
            )
            if not broker:
                continue

            async def fresh_conversation(index: int, s: MaskingTrackerStore = store,
                                         n: str = name) -> Text:
                return await new_conversation(s, f"{n}-stream", size, index)

            async def retrieve(sender: Text, w: TrackerStore = inner) -> None:
                await w.retrieve(sender)

            async def turn_to_stream(index: int, s: MaskingTrackerStore = store,
                                     n: str = name) -> DialogueStateTracker:
                sender = await fresh_conversation(index, s, n)
                tracker = await s.retrieve(sender)
                add_turn(tracker)
                return s.masked_copy(tracker)

            async def stream(tracker: DialogueStateTracker, w: TrackerStore = inner) -> None:
                await w.stream_events(tracker)

            figures.setdefault(f"wrapped store: retrieve of {size} events", {})[name] = (
                await timed(repeat, fresh_conversation, retrieve)
            )
            figures.setdefault(
                f"wrapped store: stream_events of a save ({EVENTS_PER_TURN} new)", {}
            )[name] = await timed(repeat, turn_to_stream, stream)
        wrapped["ours"].close()
    rows = []
    for label, by_name in sorted(figures.items(), key=lambda item: item[0].startswith("turn")):
        rasa, ours = by_name["rasa"], by_name["ours"]
        rows.append([str(size), label, f"{rasa:.2f}", f"{ours:.2f}", f"{rasa / ours:.1f}x"])
    return rows


async def main_async(sizes: List[int], repeat: int) -> None:
    """Measures every size and prints the table."""
    rows: List[List[str]] = []
    sql_rows: List[List[str]] = []
    shm = Path("/dev/shm")
    parent = str(shm) if shm.is_dir() else None
    with tempfile.TemporaryDirectory(prefix="masking-store-", dir=parent) as directory:
        for size in sizes:
            rows.extend(await measure_size(size, repeat, Path(directory)))
            sql_rows.extend(await measure_sql(size, repeat, Path(directory)))
    print_table(rows)
    print()
    print("The wrapped SQLite store (after #7 masking): Rasa's own vs the project's")
    print_table(sql_rows, ("events", "what (median per call)", "Rasa's SQLTrackerStore ms",
                           "NonBlockingSQLTrackerStore ms", "speed-up"))


def main() -> None:
    """Parses the options and runs the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200", help="events stored before the turn")
    parser.add_argument("--repeat", type=int, default=15, help="rounds per figure (median)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"python {sys.version.split()[0]}; {EVENTS_PER_TURN} new events per turn; "
          f"median of {args.repeat} rounds")
    asyncio.run(main_async(sizes, args.repeat))


if __name__ == "__main__":
    main()
