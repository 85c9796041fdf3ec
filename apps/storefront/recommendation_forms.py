from django import forms


class BackInStockForm(forms.Form):
    variant_id = forms.IntegerField(min_value=1)
    email = forms.EmailField(max_length=254)
    next = forms.CharField(required=False, max_length=500)
