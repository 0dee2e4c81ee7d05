"""The status badges are readable: each tone of ``.badge`` in static/css/portal.css reaches the
WCAG 2 AA contrast of 4.5:1 between its text and its background (axe-core's "serious" line).

The colours are read from the stylesheet itself (custom properties of :root resolved), so a
change of colour there is what the test checks.
"""

import re

from portal import ROOT

CSS = (ROOT / "static" / "css" / "portal.css").read_text(encoding="utf-8")
AA = 4.5


def _declarations(selector: str) -> dict[str, str]:
    rule = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", CSS)
    assert rule, f"no rule {selector} in portal.css"
    return dict(re.findall(r"([\w-]+)\s*:\s*([^;]+);", rule.group(1)))


def _colour(value: str) -> str:
    """A #rrggbb colour, resolving var(--name) from :root."""
    variable = re.fullmatch(r"var\((--[\w-]+)\)", value.strip())
    if variable:
        value = _declarations(":root")[variable.group(1)]
    value = value.strip()
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", value), f"not a #rrggbb colour: {value}"
    return value


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def badge_tones() -> dict[str, tuple[str, str]]:
    """tone → (text colour, background) of every ``.badge`` rule; the plain badge's text is
    the page's ink, which it inherits."""
    plain = _declarations(".badge")
    tones = {"plain": (_colour("var(--ink)"), _colour(plain["background"]))}
    for tone in re.findall(r"\.badge\.([\w-]+)\s*\{", CSS):
        rule = _declarations(f".badge.{tone}")
        tones[tone] = (_colour(rule.get("color", "var(--ink)")),
                       _colour(rule.get("background", plain["background"])))
    return tones


def test_the_contrast_formula_matches_known_pairs():
    assert round(contrast("#000000", "#ffffff"), 2) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic just-too-light grey
    assert round(contrast("#a66300", "#fff1dc"), 2) == 4.28  # the old orange badge


def test_every_badge_tone_reaches_4_5_to_1():
    tones = badge_tones()
    assert {"plain", "ok", "warn", "bad"} <= set(tones)
    weak = {tone: round(contrast(*pair), 2) for tone, pair in tones.items()
            if contrast(*pair) < AA}
    assert not weak, f"badge tones under {AA}:1: {weak}"
