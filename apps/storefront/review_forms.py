from django import forms

from apps.reviews.models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH

RATING_CHOICES = [(5, "5 stars"), (4, "4 stars"), (3, "3 stars"), (2, "2 stars"), (1, "1 star")]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect, label="Your rating"
    )
    title = forms.CharField(max_length=TITLE_MAX_LENGTH, label="Title")
    body = forms.CharField(
        max_length=BODY_MAX_LENGTH,
        required=False,
        label="Your review",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
