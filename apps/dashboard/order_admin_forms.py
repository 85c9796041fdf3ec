from decimal import Decimal

from django import forms


class FulfillForm(forms.Form):
    carrier = forms.CharField(max_length=60, required=False)
    tracking_number = forms.CharField(max_length=100, required=False)

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_lines = [line for line in order.lines.all() if line.quantity_unfulfilled]
        for line in self.order_lines:
            self.fields[f"line_{line.id}"] = forms.IntegerField(
                label=f"{line.sku} — {line.product_name} {line.variant_name}".strip(),
                min_value=0,
                max_value=line.quantity_unfulfilled,
                initial=line.quantity_unfulfilled,
                help_text=f"{line.quantity_unfulfilled} of {line.quantity} left to ship",
            )

    def lines(self) -> list[tuple[int, int]]:
        return [(line.id, self.cleaned_data[f"line_{line.id}"]) for line in self.order_lines]


class RefundForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reason = forms.CharField(max_length=200, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False)
    refund = forms.BooleanField(
        required=False, initial=True, help_text="Refund the full payment when the order is paid."
    )
