"""Tokenizer tweaks so that currency codes glued to numbers become own tokens."""

from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_prefix_regex, compile_suffix_regex

# "30EUR", "12.50usd" -> "30" "EUR": the ruler matches number and code separately.
CURRENCY_CODE_SUFFIX = r"(?<=[0-9])(?:[Ee][Uu][Rr]|[Uu][Ss][Dd]|[Gg][Bb][Pp])"
# "us$45" -> "us" "$" "45".
US_DOLLAR_PREFIX = r"[Uu][Ss](?=\$)"


def customize_tokenizer(nlp: Language) -> None:
    """Adds the currency prefix and suffix rules to `nlp`'s tokenizer in place.

    The rules are regular expressions, so `nlp.to_disk` saves them with the
    tokenizer and a plain `spacy.load` restores them without this module.
    """
    tokenizer: Tokenizer = nlp.tokenizer  # type: ignore[assignment]
    prefixes = [US_DOLLAR_PREFIX, *(nlp.Defaults.prefixes or [])]
    suffixes = [CURRENCY_CODE_SUFFIX, *(nlp.Defaults.suffixes or [])]
    tokenizer.prefix_search = compile_prefix_regex(prefixes).search
    tokenizer.suffix_search = compile_suffix_regex(suffixes).search
