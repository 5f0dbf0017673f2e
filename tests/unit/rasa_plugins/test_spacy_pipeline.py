"""Tests of the project's spaCy pipeline (blank English + entity ruler)."""

from pathlib import Path
from typing import List, Tuple

import pytest
import spacy
from spacy.language import Language

from rasa_plugins.spacy_pipeline import build


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build.build_pipeline()


def _entities(nlp: Language, text: str) -> List[Tuple[str, str]]:
    return [(ent.text, ent.label_) for ent in nlp(text).ents]


@pytest.mark.parametrize(
    "text, mention",
    [
        ("my parcel 370795561790 never came", "370795561790"),
        ("where is #12588", "#12588"),
        ("status of KL-123456", "KL-123456"),
        ("status of kl123456", "kl123456"),
        ("status of KL 123456", "KL 123456"),
        ("cancel order 123 now", "order 123"),
        ("cancel order #4471", "order #4471"),
        ("it is order number 554433", "order number 554433"),
        ("problem with purchase 7731", "purchase 7731"),
        ("order no. 12345 is late", "order no. 12345"),
        ("is #KL-482913 shipped", "#KL-482913"),
    ],
)
def test_recognises_order_ids(nlp: Language, text: str, mention: str) -> None:
    assert _entities(nlp, text) == [(mention, "order_id")]


@pytest.mark.parametrize(
    "text, mention",
    [
        ("I paid $50 twice", "$50"),
        ("it was $1,499.00", "$1,499.00"),
        ("only €12.50", "€12.50"),
        ("only 12,50 € left", "12,50 €"),
        ("only 12.50€ left", "12.50€"),
        ("give me 50 dollars", "50 dollars"),
        ("give me 30 euros", "30 euros"),
        ("give me EUR 30", "EUR 30"),
        ("give me 30 EUR", "30 EUR"),
        ("give me 30EUR", "30EUR"),
        ("just £7.99", "£7.99"),
        ("about 20 bucks", "20 bucks"),
        ("1200 dollars were taken", "1200 dollars"),
        ("usd 45 charged", "usd 45"),
        ("charged us$45", "us$45"),
        ("I paid $1499", "$1499"),
        ("refund of 79.90 please", "of 79.90"),
        ("can I pay 79.90", "pay 79.90"),
    ],
)
def test_recognises_amounts(nlp: Language, text: str, mention: str) -> None:
    assert _entities(nlp, text) == [(mention, "amount")]


@pytest.mark.parametrize(
    "text, mention",
    [
        ("pay tomorrow", "tomorrow"),
        ("pay today", "today"),
        ("charged yesterday", "yesterday"),
        ("move it to next friday", "next friday"),
        ("move it on monday", "monday"),
        ("due March 3rd", "March 3rd"),
        ("due 3 march", "3 march"),
        ("due 2024-05-01", "2024-05-01"),
        ("due 05/01/2024", "05/01/2024"),
        ("due the 15th", "the 15th"),
        ("due in two weeks", "in two weeks"),
        ("due in 10 days", "in 10 days"),
        ("due on the 3rd of march 2025", "the 3rd of march 2025"),
        ("the day after tomorrow works", "day after tomorrow"),
    ],
)
def test_recognises_dates(nlp: Language, text: str, mention: str) -> None:
    assert _entities(nlp, text) == [(mention, "date")]


@pytest.mark.parametrize(
    "text",
    [
        "I have 3 items",
        "I have 79.90",
        "1499",
        "I was charged 2 times",
        "may I pay later",
        "my card ending 4242",
        "order 12 shirts",
        "hello there",
    ],
)
def test_ignores_ambiguous_numbers_and_words(nlp: Language, text: str) -> None:
    assert _entities(nlp, text) == []


def test_order_numbers_are_never_amounts(nlp: Language) -> None:
    assert _entities(nlp, "refund order 12345 dollars") == [("order 12345", "order_id")]
    assert _entities(nlp, "refund $370795 now") == [("$370795", "amount")]


def test_recognises_several_entities(nlp: Language) -> None:
    text = "I want a refund of $50 for order KL-482913 by next friday"

    assert _entities(nlp, text) == [
        ("$50", "amount"),
        ("KL-482913", "order_id"),
        ("next friday", "date"),
    ]


def test_is_case_insensitive_as_rasa_lowercases_tokens(nlp: Language) -> None:
    upper = _entities(nlp, "REFUND OF $50 FOR ORDER NUMBER 554433 TOMORROW")
    lower = _entities(nlp, "refund of $50 for order number 554433 tomorrow")

    assert [label for _, label in upper] == [label for _, label in lower]
    assert [label for _, label in lower] == ["amount", "order_id", "date"]


def test_save_load_round_trip_keeps_tokenizer_and_patterns(tmp_path: Path) -> None:
    output = tmp_path / "spacy_pipeline"
    lines: List[str] = []

    assert build.save_pipeline(output, report=lines.append)
    loaded = spacy.load(output)

    assert loaded.pipe_names == ["entity_ruler"]
    assert loaded.meta["fingerprint"] == build.pipeline_fingerprint()
    assert _entities(loaded, "pay 30EUR for kl 123456 on 2024-05-01") == [
        ("30EUR", "amount"),
        ("kl 123456", "order_id"),
        ("2024-05-01", "date"),
    ]
    assert any(str(output) in line for line in lines)


def test_save_is_idempotent(tmp_path: Path) -> None:
    output = tmp_path / "spacy_pipeline"
    lines: List[str] = []

    assert build.save_pipeline(output, report=lines.append)
    assert not build.save_pipeline(output, report=lines.append)
    assert "up to date" in lines[-1]
    assert build.save_pipeline(output, force=True, report=lines.append)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spacy_pipeline"]


def test_save_replaces_a_stale_pipeline(tmp_path: Path) -> None:
    output = tmp_path / "spacy_pipeline"
    output.mkdir()
    (output / "meta.json").write_text('{"fingerprint": "old"}', encoding="utf-8")
    (output / "leftover.txt").write_text("stale", encoding="utf-8")

    assert build.save_pipeline(output, report=lambda line: None)
    assert not (output / "leftover.txt").exists()
    assert spacy.load(output).meta["fingerprint"] == build.pipeline_fingerprint()


def test_cli_builds_the_pipeline(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    output = tmp_path / "nested" / "spacy_pipeline"

    assert build.main([str(output)]) == 0
    assert build.main([str(output)]) == 0

    printed = capsys.readouterr().out
    assert "Saved spaCy pipeline" in printed
    assert "up to date" in printed
    assert (output / "meta.json").is_file()


def test_is_fast_enough_for_every_message(nlp: Language) -> None:
    import time

    texts = ["I want a refund of $50 for order KL-482913 by next friday"] * 200
    started = time.perf_counter()
    list(nlp.pipe(texts))
    per_message = (time.perf_counter() - started) / len(texts)

    assert per_message < 0.005  # generous for a shared CI machine; ~0.05 ms here
