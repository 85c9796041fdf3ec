"""Store admin for the theme, the pages and the contact messages (plain ModelAdmins)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from apps.content import colors, markup, selectors, services
from apps.content.models import ContactMessage, FooterLink, Page, StoreTheme


class FooterLinkInline(admin.TabularInline):
    model = FooterLink
    extra = 1
    fields = ("label", "url", "position")


@admin.register(StoreTheme)
class StoreThemeAdmin(admin.ModelAdmin):
    """One theme per store: the list page opens the theme itself."""

    change_form_template = "admin/content/storetheme/change_form.html"
    inlines = [FooterLinkInline]
    readonly_fields = ("favicon_preview", "text_colours")
    fieldsets = (
        ("Logo", {"fields": ("logo", "favicon_preview")}),
        ("Colours", {"fields": ("primary_color", "accent_color", "text_colours")}),
        ("Home page banner", {"fields": ("hero_heading", "hero_text", "hero_image")}),
        ("Announcement bar", {"fields": ("announcement", "announcement_link")}),
        ("Footer and contact", {"fields": ("footer_text", "contact_email")}),
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        theme = selectors.get_theme()
        return redirect("admin:content_storetheme_change", theme.pk)

    def get_urls(self):
        preview = path(
            "preview/",
            self.admin_site.admin_view(self.preview_view),
            name="content_storetheme_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request):
        """POST of the unsaved form → the storefront home with those values, signed."""
        if request.method != "POST" or not self.has_change_permission(request):
            return redirect("admin:content_storetheme_changelist")
        theme = selectors.get_theme()
        form = self.get_form(request, theme)(request.POST, instance=theme)
        if not form.is_valid():
            errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
            messages.error(request, f"Cannot preview: {errors}")
            return redirect("admin:content_storetheme_change", theme.pk)
        token = services.sign_theme_preview(form.cleaned_data)
        return HttpResponseRedirect(f"/?theme_preview={token}")

    def save_model(self, request, obj, form, change):
        services.save_theme(theme=obj, logo_changed="logo" in form.changed_data)

    @admin.display(description="Browser-tab icon")
    def favicon_preview(self, obj):
        if not obj.favicon_32:
            return "Made from the logo when you save one (the default icon until then)."
        return format_html(
            '<img src="{}" width="32" height="32" alt=""> <img src="{}" width="60" height="60" '
            'alt="">',
            obj.favicon_32.url,
            obj.favicon_180.url,
        )

    @admin.display(description="Text on these colours")
    def text_colours(self, obj):
        return format_html(
            '<span style="background:{};color:{};padding:4px 10px;border-radius:6px">Button</span>'
            ' <span style="background:{};color:{};padding:4px 10px;border-radius:6px">'
            "Announcement</span> (chosen for contrast when you save)",
            obj.primary_color,
            colors.text_color_on(obj.primary_color),
            obj.accent_color,
            colors.text_color_on(obj.accent_color),
        )


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "kind", "published", "show_in_footer", "position")
    list_editable = ("published", "show_in_footer", "position")
    list_filter = ("kind", "published")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("rendered", "view_on_storefront")
    fields = (
        "title", "slug", "kind", "body", "published", "show_in_footer", "position",
        "rendered", "view_on_storefront",
    )  # fmt: skip

    def save_model(self, request, obj, form, change):
        services.save_page(page=obj)

    @admin.display(description="As shown (sanitised)")
    def rendered(self, obj):
        return format_html(
            '<div style="max-width:60ch">{}</div>',
            # Sanitised by apps.content.markup (nh3 allowlist).
            mark_safe(markup.render_markdown(obj.body)) if obj.body else "—",  # noqa: S308
        )

    @admin.display(description="Storefront")
    def view_on_storefront(self, obj):
        if not obj.pk:
            return "—"
        url = obj.get_absolute_url()
        return format_html('<a href="{}" target="_blank">{}</a>', url, url)


@admin.register(ContactMessage)
class ContactMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "name", "email", "subject", "sent_at")
    search_fields = ("name", "email", "subject", "message")
    readonly_fields = ("name", "email", "subject", "message", "created_at", "sent_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
