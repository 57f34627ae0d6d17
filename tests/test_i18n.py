"""Numbers and strings in bokmål and English."""

import pytest

from pipeline import i18n


def test_norwegian_numbers_use_thin_space_and_decimal_comma():
    assert i18n.fmt_number(1234567.891, "nb", 1) == "1\u202f234\u202f567,9"
    assert i18n.fmt_number(-1500, "nb") == "\u22121\u202f500"
    assert i18n.fmt_percent(12.34, "nb") == "12,3\u202f%"


def test_english_numbers():
    assert i18n.fmt_number(1234567.891, "en", 1) == "1,234,567.9"
    assert i18n.fmt_number(-1500, "en") == "-1,500"
    assert i18n.fmt_percent(12.34, "en") == "12.3%"


def test_negative_zero_has_no_sign_and_missing_is_a_dash():
    assert i18n.fmt_number(-0.04, "nb", 1) == "0,0"
    assert i18n.fmt_number(float("nan"), "en") == "–"


def test_interval_and_translation():
    assert i18n.fmt_interval(1000, 2000, "nb") == "1\u202f000 til 2\u202f000"
    assert i18n.t("demo_banner", "en") == "Demo data – not official statistics"
    with pytest.raises(KeyError, match="no translation"):
        i18n.t("no-such-key", "nb")
    with pytest.raises(ValueError, match="defined twice"):
        i18n.register({"demo_banner": {"nb": "x", "en": "y"}})
