from django import forms


class ContactForm(forms.Form):
    name = forms.CharField(
        max_length=120, label="Your name", widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label="Your email", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    subject = forms.CharField(max_length=160, required=False, label="Subject")
    message = forms.CharField(
        max_length=5000, min_length=5, label="Message", widget=forms.Textarea(attrs={"rows": 6})
    )
    # Honeypot: hidden from people (CSS and aria-hidden), filled in by form-spamming bots.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))
