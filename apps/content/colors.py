"""Brand colours: hex parsing, WCAG 2.1 contrast, and the readable text colour on a colour.

A store picks two colours. The primary colours links, prices and buttons on the light page, so
it must itself be readable there (4.5:1 against white, WCAG AA for body text): a lighter one is
refused with a darker shade of the same hue suggested. Text *on* a brand colour (button labels,
the announcement bar) is never the merchant's choice: white or ink, whichever contrasts more.
"""

import re

from django.core.exceptions import ValidationError

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
WHITE = "#ffffff"
INK = "#1d1d1f"  # the storefront's text colour (static/css/mercato.css --ink)
MIN_TEXT_CONTRAST = 4.5


def parse_hex(value: str) -> tuple[int, int, int]:
    if not HEX_COLOR.match(value or ""):
        raise ValueError(f"not a #rrggbb colour: {value!r}")
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def to_hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def relative_luminance(value: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in parse_hex(value))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_color_on(background: str) -> str:
    """White or ink, whichever reads better on ``background``."""
    if contrast_ratio(background, WHITE) >= contrast_ratio(background, INK):
        return WHITE
    return INK


def darken_until_readable(value: str, *, on: str = WHITE) -> str:
    """The same hue, darkened in 5 % steps until it reaches 4.5:1 on ``on``."""
    r, g, b = parse_hex(value)
    for step in range(21):
        factor = 1 - step * 0.05
        candidate = to_hex((r * factor, g * factor, b * factor))
        if contrast_ratio(candidate, on) >= MIN_TEXT_CONTRAST:
            return candidate
    return "#000000"


def validate_hex_color(value: str) -> None:
    if not HEX_COLOR.match(value or ""):
        raise ValidationError(
            "Enter a colour as # and six hex digits, e.g. #0b6e4f.", code="invalid_color"
        )


def validate_readable_on_white(value: str) -> None:
    """The primary colour is used for text on the white page: refuse one that is too light."""
    if not HEX_COLOR.match(value or ""):
        return  # validate_hex_color reports it
    ratio = contrast_ratio(value, WHITE)
    if ratio < MIN_TEXT_CONTRAST:
        raise ValidationError(
            "Text in %(value)s on the white page has a contrast of %(ratio).1f:1; links and "
            "prices need at least 4.5:1. Try %(suggestion)s, a darker shade of the same colour.",
            code="low_contrast",
            params={"value": value, "ratio": ratio, "suggestion": darken_until_readable(value)},
        )
