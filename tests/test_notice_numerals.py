"""大写金额: capital numerals for the totals of write-off notices."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.finance.numerals import capital_yuan


@pytest.mark.parametrize(("amount", "expected"), [
    ("0.00", "零元整"),
    ("0", "零元整"),
    ("0.01", "壹分"),
    ("0.05", "伍分"),
    ("0.50", "伍角"),
    ("0.35", "叁角伍分"),
    ("1.00", "壹元整"),
    ("1.05", "壹元零伍分"),
    ("1.20", "壹元贰角"),
    ("10.00", "壹拾元整"),
    ("10.05", "壹拾元零伍分"),
    ("10.50", "壹拾元伍角"),
    ("11.00", "壹拾壹元整"),
    ("15.00", "壹拾伍元整"),
    ("20.00", "贰拾元整"),
    ("101.00", "壹佰零壹元整"),
    ("110.00", "壹佰壹拾元整"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("1002.30", "壹仟零贰元叁角"),
    ("1010.00", "壹仟零壹拾元整"),
    ("1409.50", "壹仟肆佰零玖元伍角"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("10010.00", "壹万零壹拾元整"),
    ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("100000.01", "壹拾万元零壹分"),
    ("107000.53", "壹拾万柒仟元伍角叁分"),
    ("110000.00", "壹拾壹万元整"),
    ("1000100.00", "壹佰万零壹佰元整"),
    ("10000001.00", "壹仟万零壹元整"),
    ("10010005.00", "壹仟零壹万零伍元整"),
    ("10100001.00", "壹仟零壹拾万零壹元整"),
    ("20001000.00", "贰仟万壹仟元整"),
    ("100000000.00", "壹亿元整"),
    ("100000001.00", "壹亿零壹元整"),
    ("100010000.00", "壹亿零壹万元整"),
    ("110000000.00", "壹亿壹仟万元整"),
    ("1000000000.00", "壹拾亿元整"),
    ("1234567890.12", "壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾元壹角贰分"),
    ("9999999999.99", "玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ("1000000000000.00", "壹万亿元整"),
    ("1.500", "壹元伍角"),  # a trailing zero is not a third decimal place
])
def test_capital_yuan(amount, expected):
    assert capital_yuan(Decimal(amount)) == expected


@pytest.mark.parametrize(("amount", "error"), [
    (Decimal("-0.01"), ValueError),
    (Decimal("-10"), ValueError),
    (Decimal("1.005"), ValueError),
    (Decimal("0.001"), ValueError),
    (Decimal("NaN"), ValueError),
    (Decimal("Infinity"), ValueError),
    (Decimal("1E16"), ValueError),
    (1.5, TypeError),
    ("1.50", TypeError),
])
def test_capital_yuan_refuses(amount, error):
    with pytest.raises(error):
        capital_yuan(amount)


# -- a small parser back to the number, for the property test -------------------------------

DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
PLACE = {"拾": 10, "佰": 100, "仟": 1000}
ALLOWED = set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")


def parse_capital(text: str) -> Decimal:
    """Read capital numerals back to yuan; strict enough to catch a misplaced unit."""
    cents = 0
    if text.endswith("整"):
        text = text[:-1]
    if "元" in text:
        whole, text = text.split("元")
        cents = _parse_integer(whole) * 100
    for unit, factor in (("角", 10), ("分", 1)):
        if unit in text:
            head, text = text.split(unit)
            cents += DIGIT[head.removeprefix("零")] * factor
    assert text == "", text
    return Decimal(cents) / 100


def _parse_integer(text: str) -> int:
    if "亿" in text:
        high, low = text.split("亿", 1)
        return _parse_integer(high) * 10**8 + _parse_integer(low)
    if "万" in text:
        high, low = text.rsplit("万", 1)
        return _parse_integer(high) * 10**4 + _parse_integer(low)
    total, digit = 0, None
    for char in text:
        if char in PLACE:
            assert digit, f"{char} without its digit"  # 壹拾, never 拾 alone
            total += digit * PLACE[char]
            digit = None
        elif char == "零":
            assert digit is None
        else:
            assert digit is None
            digit = DIGIT[char]
    return total + (digit or 0)


amounts = st.integers(min_value=0, max_value=10**14).map(lambda cents: Decimal(cents) / 100)


@given(amounts)
def test_capital_yuan_round_trips(amount):
    text = capital_yuan(amount)
    assert set(text) <= ALLOWED
    assert parse_capital(text) == amount
    cents = int(amount * 100)
    if cents % 100 == 0:
        assert text.endswith("元整")
    elif cents % 10 == 0:
        assert text.endswith("角") and "整" not in text
    else:
        assert text.endswith("分") and "整" not in text
    assert "零零" not in text
    assert not text.startswith("拾") and "元" not in text[:1]
    if amount >= 1:
        assert not text.startswith("零")


@given(st.integers(min_value=1, max_value=10**12))
def test_whole_yuan_never_ends_a_section_with_zero(yuan):
    text = capital_yuan(Decimal(yuan))
    for unit in "万亿元":
        assert f"零{unit}" not in text
