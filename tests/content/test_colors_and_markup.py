import pytest
from django.core.exceptions import ValidationError

from apps.content import colors
from apps.content.markup import render_markdown


def test_text_on_a_dark_colour_is_white_and_on_a_light_colour_is_ink():
    assert colors.text_color_on("#0b3d91") == colors.WHITE
    assert colors.text_color_on("#ffd400") == colors.INK


def test_contrast_ratio_matches_the_wcag_reference_values():
    assert colors.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert colors.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_a_primary_colour_too_light_to_read_on_white_is_refused_with_a_darker_suggestion():
    with pytest.raises(ValidationError) as caught:
        colors.validate_readable_on_white("#7fd1ae")

    message = caught.value.messages[0]
    suggestion = colors.darken_until_readable("#7fd1ae")
    assert "4.5:1" in message and suggestion in message
    assert colors.contrast_ratio(suggestion, colors.WHITE) >= 4.5
    colors.validate_readable_on_white(suggestion)  # the suggestion itself passes


@pytest.mark.parametrize("value", ["0b6e4f", "#0b6e4", "#gggggg", "red", "#0b6e4f;}"])
def test_only_hash_and_six_hex_digits_is_a_colour(value):
    with pytest.raises(ValidationError):
        colors.validate_hex_color(value)


def test_markdown_is_rendered_and_scripts_styles_and_event_handlers_are_removed():
    html = render_markdown(
        "# Our story\n\n**Bold** and [a link](https://example.com).\n\n"
        "<script>alert('x')</script>\n\n<style>body{display:none}</style>\n\n"
        '<img src=x onerror="alert(1)"> <a href="javascript:alert(1)">bad</a> '
        '<p onclick="steal()">para</p>'
    )

    assert "<h2>Our story</h2>" in html
    assert "<strong>Bold</strong>" in html
    assert 'href="https://example.com"' in html and "nofollow" in html
    for unsafe in ("<script", "alert('x')", "<style", "display:none", "onerror", "javascript:",
                   "onclick", "<img"):  # fmt: skip
        assert unsafe not in html
    assert "para" in html


def test_markdown_tables_and_lists_survive_sanitising():
    html = render_markdown("| Zone | Days |\n|---|---|\n| EU | 3 |\n\n1. one\n2. two\n")

    assert "<table>" in html and "<td>EU</td>" in html
    assert "<ol>" in html and "<li>two</li>" in html
