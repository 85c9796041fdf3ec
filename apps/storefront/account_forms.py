from django import forms

NEW_PASSWORD = forms.PasswordInput(attrs={"autocomplete": "new-password"})


class SignupForm(forms.Form):
    first_name = forms.CharField(
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password1 = forms.CharField(label="Password", widget=NEW_PASSWORD, strip=False)
    password2 = forms.CharField(label="Password again", widget=NEW_PASSWORD, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data
