"""The string-rendered widgets make the same HTML as Django's widget templates."""

import pytest
from django import forms

from apps.core.widgets import PlainRadioSelect

CHOICES = [(1, "Standard — 4.99 USD"), (2, 'Express <fast> & "quick"')]
ATTRS = [
    None,
    {"id": "id_method"},
    {"id": "id_m", "class": "x", "required": True, "data-x": 'a"b', "disabled": False},
]


def _forms():
    class Django(forms.Form):
        method = forms.TypedChoiceField(coerce=int, choices=CHOICES, widget=forms.RadioSelect)

    class Plain(forms.Form):
        method = forms.TypedChoiceField(coerce=int, choices=CHOICES, widget=PlainRadioSelect)

    return Django, Plain


@pytest.mark.parametrize("value", [None, 1, "2", 3])
@pytest.mark.parametrize("attrs", ATTRS)
def test_plain_radio_select_renders_as_django_s_templates(value, attrs):
    django_form, plain_form = _forms()
    expected = django_form().fields["method"].widget.render("method", value, attrs)
    assert plain_form().fields["method"].widget.render("method", value, attrs) == expected
    for kwargs in ({"initial": {"method": value}}, {"data": {"method": value}}):
        assert str(plain_form(**kwargs)["method"]) == str(django_form(**kwargs)["method"])
    assert "&lt;fast&gt; &amp; &quot;quick&quot;" in expected


def test_plain_radio_select_refuses_option_groups():
    widget = PlainRadioSelect(choices=[("Fast", [(1, "Express")])])
    with pytest.raises(ValueError):
        widget.render("method", None)
