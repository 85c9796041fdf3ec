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
    """Refund by lines (shipped units, restocked unless unticked) and/or by amount."""

    restock = forms.BooleanField(
        required=False,
        initial=True,
        label="Restock these items",
        help_text="Put the items chosen above back into stock (untick for damaged goods).",
    )
    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text="Leave blank to refund the value of the items chosen above.",
    )
    reason = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_lines = [
            line for line in order.lines.all() if line.quantity_fulfilled > line.quantity_returned
        ]
        for line in self.order_lines:
            returnable = line.quantity_fulfilled - line.quantity_returned
            self.fields[f"line_{line.id}"] = forms.IntegerField(
                label=f"{line.product_name} {line.variant_name} ({line.sku})".replace("  ", " "),
                min_value=0,
                max_value=returnable,
                initial=0,
                required=False,
                help_text=f"{returnable} shipped and not returned · {line.unit_price} each",
            )
        self.order_fields([f"line_{line.id}" for line in self.order_lines])
        if not self.order_lines:
            del self.fields["restock"]
            self.fields["amount"].required = True
            self.fields["amount"].initial = order.refundable_amount
            self.fields["amount"].help_text = (
                f"Up to {order.refundable_amount} {order.currency}. Items can be refunded by "
                "line once they are shipped."
            )

    def lines(self) -> list[tuple[int, int]]:
        return [
            (line.id, self.cleaned_data.get(f"line_{line.id}") or 0)
            for line in self.order_lines
            if self.cleaned_data.get(f"line_{line.id}")
        ]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.lines() and cleaned.get("amount") is None:
            raise forms.ValidationError("Choose the items to refund or enter an amount.")
        return cleaned


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False)
    refund = forms.BooleanField(
        required=False, initial=True, help_text="Refund the full payment when the order is paid."
    )
