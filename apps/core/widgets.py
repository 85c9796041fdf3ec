"""Form widgets rendered by string formatting instead of Django's per-widget templates.

On the checkout and payment pages, rendering a dozen inputs through the template engine cost
more than the rest of the page. The HTML is the same as Django's ``input.html`` makes.
"""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html


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
