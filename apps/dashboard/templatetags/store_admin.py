"""Template tags of the store admin's frame (sidebar, tabs), used by templates/admin/*.html."""

from django import template
from django.db import connection
from django_tenants.utils import get_public_schema_name

from apps.dashboard import navigation

register = template.Library()


@register.simple_tag(takes_context=True)
def store_admin_nav(context) -> navigation.Navigation | None:
    """The merchant sidebar on a store host; None on the platform host (its stock admin)."""
    request = context.get("request")
    if request is None or connection.schema_name == get_public_schema_name():
        return None
    if not (request.user.is_authenticated and request.user.is_staff):
        return None
    cached = getattr(request, "_store_admin_nav", None)
    if cached is None:
        cached = request._store_admin_nav = navigation.build_navigation(request)
    return cached
