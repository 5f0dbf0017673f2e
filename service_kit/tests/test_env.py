import pytest

from service_kit.env import parse_bool, parse_float, parse_origins


@pytest.mark.parametrize("raw", ["1", "true", "YES", " on "])
def test_true_words(raw: str) -> None:
    assert parse_bool("X_FLAG", raw) is True


@pytest.mark.parametrize("raw", ["0", "False", "no", "off"])
def test_false_words(raw: str) -> None:
    assert parse_bool("X_FLAG", raw) is False


def test_an_unknown_word_names_the_variable() -> None:
    with pytest.raises(ValueError, match="X_FLAG must be one of .* got 'maybe'"):
        parse_bool("X_FLAG", "maybe")


def test_origins_are_trimmed_and_blank_entries_dropped() -> None:
    raw = " http://localhost:5005/ ,, https://chat.example.com ,*"
    assert parse_origins("X_ORIGINS", raw) == (
        "http://localhost:5005",
        "https://chat.example.com",
        "*",
    )
    assert parse_origins("X_ORIGINS", "") == ()


def test_an_origin_without_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="X_ORIGINS entries must start with http"):
        parse_origins("X_ORIGINS", "http://ok.example.com,chat.example.com")


def test_float_accepts_the_minimum_and_above() -> None:
    assert parse_float("X_SECONDS", "0", 0.0) == 0.0
    assert parse_float("X_SECONDS", "2.5", 0.1) == 2.5


@pytest.mark.parametrize(("raw", "message"), [("soon", "a number"), ("0.05", "at least 0.1")])
def test_float_refuses_bad_values(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"X_SECONDS must be {message}"):
        parse_float("X_SECONDS", raw, 0.1)
