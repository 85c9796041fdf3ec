"""Form widgets rendered by string formatting instead of Django's per-widget templates.

On the checkout and payment pages, rendering a dozen inputs through the template engine cost
more than the rest of the page. The HTML is the same as Django's ``input.html`` makes.
"""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class PlainInputMixin:
    """An ``<input>`` rendered by string formatting, as Django's input template renders it."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        shown = format_html(' value="{}"', value) if value is not None else ""
        return format_html(
            '<input type="{}" name="{}"{}{}>', self.input_type, name, shown, flatatt(attrs)
        )


class PlainTextInput(PlainInputMixin, forms.TextInput):
    pass


class PlainEmailInput(PlainInputMixin, forms.EmailInput):
    pass


def _attrs_html(attrs: dict) -> str:
    """Attributes in the order and form of Django's ``attrs.html`` (True: bare, False: left out)."""
    return format_html_join(
        "",
        "{}{}",
        (
            (format_html(" {}", name), "" if value is True else format_html('="{}"', str(value)))
            for name, value in attrs.items()
            if value is not False
        ),
    )


class PlainRadioSelect(forms.RadioSelect):
    """Radio buttons rendered by string formatting, as Django's ``multiple_input.html`` and
    ``input_option.html`` templates render them (three template includes per option otherwise).
    Option groups are not supported: choices must be flat."""

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)["widget"]
        rows = []
        for group, options, _index in context["optgroups"]:
            if group:
                raise ValueError("PlainRadioSelect does not render option groups")
            for option in options:
                option_attrs = option["attrs"]
                shown = option["value"]
                input_html = format_html(
                    '<input type="{}" name="{}"{}{}>',
                    option["type"],
                    option["name"],
                    format_html(' value="{}"', str(shown)) if shown is not None else "",
                    _attrs_html(option_attrs),
                )
                label_for = (
                    format_html(' for="{}"', option_attrs["id"]) if option_attrs.get("id") else ""
                )
                rows.append(
                    format_html(
                        "<div>\n    <label{}>{}\n {}</label>\n\n</div>",  # the templates' line ends
                        label_for,
                        input_html,
                        option["label"],
                    )
                )
        widget_attrs = context["attrs"]
        return format_html(
            "<div{}{}>{}\n</div>",
            format_html(' id="{}"', widget_attrs["id"]) if widget_attrs.get("id") else "",
            format_html(' class="{}"', widget_attrs["class"]) if widget_attrs.get("class") else "",
            mark_safe("".join(rows)),
        )
