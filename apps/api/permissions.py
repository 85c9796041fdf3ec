from rest_framework import permissions

from apps.api.models import ApiKey


class ScopedAccess(permissions.BasePermission):
    """Per-view scopes: ``scope = "orders"`` → GET needs orders:read, others orders:write.

    - API key: must hold the scope (403 otherwise).
    - Staff session (the store's admins): everything.
    - Customer session or anonymous: only what the view lists in ``public_methods`` (e.g.
      reading active products, using a cart by its token); views narrow further per object.
    """

    message = "This API key lacks the scope needed here."

    def has_permission(self, request, view):
        scope = f"{view.scope}:{'read' if request.method in permissions.SAFE_METHODS else 'write'}"
        if isinstance(request.auth, ApiKey):
            self.message = f"This API key lacks the {scope} scope."
            return request.auth.has_scope(scope)
        if request.user.is_authenticated and request.user.is_staff:
            return True
        allowed = getattr(view, "public_methods", ())
        if request.method in allowed:
            return True
        if request.method in getattr(view, "customer_methods", ()):
            return request.user.is_authenticated
        return False


def is_integrator(request) -> bool:
    """An API key or a staff session: may see every customer's data in this store."""
    return isinstance(request.auth, ApiKey) or (
        request.user.is_authenticated and request.user.is_staff
    )
