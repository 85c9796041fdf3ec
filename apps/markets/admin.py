from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from apps.core.templatetags import money as money_tags
from apps.markets import services
from apps.markets.exceptions import RateFileInvalid
from apps.markets.models import Market, MarketPrice, MarketShippingRate, MarketVoucher


class MarketPriceInline(admin.TabularInline):
    model = MarketPrice
    extra = 0
    raw_id_fields = ("variant",)
    verbose_name = "fixed price"
    verbose_name_plural = "Fixed prices (instead of the conversion)"


class MarketShippingRateInline(admin.TabularInline):
    model = MarketShippingRate
    extra = 0
    verbose_name_plural = "Shipping rates in this currency (else converted)"


class MarketVoucherInline(admin.TabularInline):
    model = MarketVoucher
    extra = 0
    raw_id_fields = ("voucher",)
    verbose_name_plural = "Voucher amounts in this currency (else converted)"


class MarketForm(forms.ModelForm):
    countries = forms.CharField(
        required=False,
        help_text="ISO country codes separated by commas, e.g. DE, FR, IT",
    )

    class Meta:
        model = Market
        fields = ("name", "currency", "countries", "exchange_rate", "rounding", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["countries"] = ", ".join(self.instance.countries)

    def clean_countries(self):
        return [c.strip().upper() for c in self.cleaned_data["countries"].split(",") if c.strip()]


class RateFileForm(forms.Form):
    file = forms.FileField(help_text="eurofxref-daily.xml or eurofxref.csv (rates per euro)")


@admin.register(Market)
class MarketAdmin(admin.ModelAdmin):
    """Markets: a currency, its rate and rounding, the countries that see it by default."""

    form = MarketForm
    list_display = ("name", "currency", "rate", "rounding", "rate_source",
                    "rate_updated_at", "is_active")  # fmt: skip
    list_filter = ("is_active",)
    readonly_fields = ("rate_source", "rate_updated_at")
    inlines = [MarketPriceInline, MarketShippingRateInline, MarketVoucherInline]
    change_list_template = "admin/markets/market/change_list.html"

    @admin.display(description="Exchange rate", ordering="exchange_rate")
    def rate(self, obj: Market) -> str:
        """1 unit of the store's currency in this one, without trailing zeros (0.9195)."""
        return money_tags.rate(obj.exchange_rate)

    def save_model(self, request, obj, form, change):
        if "exchange_rate" in form.changed_data:
            obj.rate_source = "manual"
            obj.rate_updated_at = timezone.now()
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [
            path(
                "import-rates/",
                self.admin_site.admin_view(self.import_rates_view),
                name="markets_market_import_rates",
            ),
            *super().get_urls(),
        ]

    def import_rates_view(self, request):
        if not self.has_change_permission(request):
            return redirect("admin:markets_market_changelist")
        form = RateFileForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = services.import_exchange_rates(content=upload.read(), filename=upload.name)
            except RateFileInvalid as exc:
                form.add_error("file", f"{exc.message} Nothing was changed.")
            else:
                rates = ", ".join(f"{c} {r}" for c, r in sorted(result.updated.items()))
                note = f" No rate for {', '.join(result.missing)}." if result.missing else ""
                messages.success(request, f"Rates updated: {rates}.{note}")
                return redirect(reverse("admin:markets_market_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import exchange rates",
            "form": form,
        }
        return TemplateResponse(request, "admin/markets/market/import_rates.html", context)
