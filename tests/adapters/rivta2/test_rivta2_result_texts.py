"""The citizen texts for the scheduling 2 result codes: one per code, in Swedish and English."""

from __future__ import annotations

import pytest

from adapters.domain import ErrorCode
from adapters.rivta2.result_texts import GENERIC_REFUSAL, RESULT_TEXTS, citizen_text


def test_every_error_code_has_a_swedish_and_an_english_text() -> None:
    assert set(RESULT_TEXTS) == set(ErrorCode)
    for error, text in RESULT_TEXTS.items():
        assert text.sv.strip() and text.en.strip(), error
        assert text.sv != text.en, error


def test_texts_tell_codes_apart() -> None:
    swedish = [text.sv for text in RESULT_TEXTS.values()]
    english = [text.en for text in RESULT_TEXTS.values()]
    assert len(set(swedish)) == len(swedish)
    assert len(set(english)) == len(english)


@pytest.mark.parametrize("error", list(ErrorCode))
def test_texts_are_sentences_for_people_not_codes(error: ErrorCode) -> None:
    for text in (citizen_text(error), citizen_text(error, "en")):
        assert text[0].isupper() and text.endswith(".")
        assert "_" not in text and error.value not in text


def test_a_plain_error_gets_the_generic_refusal() -> None:
    assert citizen_text(None) == GENERIC_REFUSAL.sv
    assert citizen_text(None, "en") == GENERIC_REFUSAL.en
    assert citizen_text(ErrorCode.TOO_LATE_TO_CANCEL_APPOINTMENT) == (
        "Det är för sent att avboka tiden. Kontakta mottagningen."
    )
