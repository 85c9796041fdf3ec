"""The store's own pages (about, contact, policies), written by the merchant in Markdown."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from apps.content import markup
from apps.content import selectors as content_selectors
from apps.content import services as content_services
from apps.content.exceptions import ContactRateLimited
from apps.content.models import Page
from apps.storefront.page_forms import ContactForm


@require_http_methods(["GET", "HEAD", "POST"])
def page_detail(request, slug: str):
    try:
        page = content_selectors.get_published_page(slug=slug)
    except Page.DoesNotExist as exc:
        raise Http404("No such page") from exc
    is_contact = page.kind == Page.Kind.CONTACT
    if request.method == "POST" and not is_contact:
        return redirect(page.get_absolute_url())
    form = ContactForm(request.POST or None) if is_contact else None
    status = 200
    if form is not None and request.method == "POST":
        if form.is_valid():
            if form.is_spam():
                # Look sent to the bot; nothing is stored or emailed.
                messages.success(request, "Thank you, your message was sent.")
                return redirect(page.get_absolute_url())
            try:
                content_services.submit_contact_message(
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    subject=form.cleaned_data["subject"],
                    message=form.cleaned_data["message"],
                    client=request.META.get("REMOTE_ADDR", ""),
                )
            except ContactRateLimited as exc:
                messages.error(request, exc.message)
                status = exc.http_status
            else:
                messages.success(request, "Thank you, your message was sent. We reply by email.")
                return redirect(page.get_absolute_url())
        else:
            status = 400
    body = mark_safe(markup.render_markdown(page.body))  # noqa: S308 - sanitised by nh3
    return render(
        request,
        "storefront/page.html",
        {"page": page, "body": body, "contact_form": form},
        status=status,
    )
