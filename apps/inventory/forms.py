from django import forms

from apps.inventory.models import StockMovement, Warehouse
from apps.inventory.services import ADJUSTMENT_REASONS
from apps.inventory.validation import MAX_QUANTITY


class AdjustStockForm(forms.Form):
    """The admin's "adjust stock" action: a signed change with a reason, for the ledger."""

    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.all(), required=False)
    delta = forms.IntegerField(
        label="Change",
        min_value=-MAX_QUANTITY,
        max_value=MAX_QUANTITY,
        help_text="Units to add (positive) or remove (negative).",
    )
    reason = forms.ChoiceField(
        choices=[(reason.value, reason.label) for reason in ADJUSTMENT_REASONS],
        initial=StockMovement.Reason.ADJUSTMENT,
    )
    note = forms.CharField(max_length=255, required=False)

    def __init__(self, *args, needs_warehouse: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_warehouse:
            self.fields["warehouse"].required = True
        else:
            del self.fields["warehouse"]

    def clean_delta(self) -> int:
        delta = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError("Enter a change other than zero.")
        return delta
