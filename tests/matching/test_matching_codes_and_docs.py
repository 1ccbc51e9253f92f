"""The reason codes are stable, described, and documented."""

from __future__ import annotations

from pathlib import Path

from boligstoette import codes

DOC = Path(__file__).resolve().parents[2] / "docs" / "matching.md"
ALL = set(codes.ELIGIBILITY_ORDER)


def test_every_code_is_described_and_documented():
    text = DOC.read_text(encoding="utf-8")
    assert set(codes.DESCRIPTIONS) >= ALL  # the registry also holds the computation codes (tests/test_codes.py)
    for code in ALL:
        assert f"| `{code}` |" in text, code


def test_codes_are_their_own_names_and_unique():
    assert len(codes.ELIGIBILITY_ORDER) == len(ALL)
    for code in ALL:
        assert getattr(codes, code) == code
    assert codes.ELIGIBILITY_ORDER[: len(codes.MATCH_HOLD_CODES)] == codes.MATCH_HOLD_CODES
