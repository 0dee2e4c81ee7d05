"""大写金额: an amount of yuan in Chinese capital numerals, as financial documents write it.

The conventions followed (those of the People's Bank's rules for filling in bills):
- every 拾 carries its digit, also at the start: 10 → 壹拾元整, never 拾元整;
- one 零 stands for a run of zeros inside the number; zeros at the end of a 万 or 亿 section are
  not written (100000 → 壹拾万), zeros at the start of the section after it are (100010000 →
  壹亿零壹万);
- 整 follows 元 when there are no 角 and 分; nothing follows 角 or 分;
- 零 between 元 and 分 when the 角 is zero (10.05 → 壹拾元零伍分); a zero 元 digit before a
  non-zero 角 is not written (1680.30 → 壹仟陆佰捌拾元叁角), which the rules allow;
- below one yuan the 元 is left out (0.05 → 伍分), and nothing at all is 零元整.
"""

from decimal import Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")  # within a section of four digits
WAN, YI = 10**4, 10**8
LIMIT = 10**16  # 万亿亿 would come next; no invoice reaches it


def capital_yuan(amount: Decimal) -> str:
    """Return ``amount`` (yuan, at most two decimal places, not negative) in capital numerals."""
    cents = _cents(amount)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    text = _integer(yuan) + "元" if yuan else ""
    if jiao:
        text += DIGITS[jiao] + "角"
    if fen:
        text += ("零" if yuan and not jiao else "") + DIGITS[fen] + "分"
    if not jiao and not fen:
        text = (text or "零元") + "整"
    return text


def _cents(amount: Decimal) -> int:
    if not isinstance(amount, Decimal | int):
        raise TypeError("amount must be a Decimal")
    amount = Decimal(amount)
    if not amount.is_finite():
        raise ValueError("amount must be a finite number")
    if amount < 0:
        raise ValueError("a negative amount has no capital numerals")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError("amount has more than two decimal places")
    if amount >= LIMIT:
        raise ValueError("amount too large")
    return int(cents)


def _integer(n: int) -> str:
    """A positive whole number below 10^16 in capital numerals, with 万 and 亿."""
    if n >= YI:
        return _join(_integer(n // YI) + "亿", n % YI, YI)
    if n >= WAN:
        return _join(_section(n // WAN) + "万", n % WAN, WAN)
    return _section(n)


def _join(high: str, low: int, unit: int) -> str:
    """The high part, then the low part; 零 when the low part does not fill its leading place."""
    if not low:
        return high
    return high + ("零" if low < unit // 10 else "") + _integer(low)


def _section(n: int) -> str:
    """1..9999: a 零 for each run of zeros between digits, none at the end."""
    text, pending_zero = "", False
    for place in range(3, -1, -1):
        digit = n // 10**place % 10
        if digit:
            text += ("零" if pending_zero else "") + DIGITS[digit] + PLACES[place]
            pending_zero = False
        elif text:
            pending_zero = True
    return text
