"""Staff roles of a store's admin, as Django groups with permissions.

- Owner: everything. An owner account is a superuser of its store (``create_store`` makes the
  first one); the Owner group carries every permission as well, so a role shows in the admin.
- Staff: orders, inventory, products (catalog) and review moderation, plus reports; no store
  settings (tax, shipping, payment keys, preferences), no user or staff management.

The groups are created by a data migration (``dashboard`` 0002, which runs once the
permissions of every app it names exist), so the ``store_template`` schema holds them and
every cloned store starts with them; ``ensure_roles`` is idempotent and ``create_store`` runs
it again so a new store also covers models added since.

Roles live with the accounts (users, groups, permissions) rather than with the store admin
that shows them, so the platform can give a new store its roles without importing a face
app. Apps and permissions are named by label, never imported.
"""

from django.apps import apps as django_apps
from django.db.models import Q

OWNER_GROUP = "Owner"
STAFF_GROUP = "Staff"
STAFF_APP_LABELS = ("orders", "catalog", "inventory", "reviews")
STAFF_EXTRA_PERMISSIONS = (("dashboard", "view_reports"),)
MANAGE_SETTINGS = "dashboard.manage_settings"
MANAGE_STAFF = "dashboard.manage_staff"
VIEW_REPORTS = "dashboard.view_reports"

ROLE_CHOICES = [("staff", "Staff"), ("owner", "Owner")]


def ensure_roles(*, apps=None) -> None:
    """Create or refresh the Owner and Staff groups (pass historical ``apps`` in migrations)."""
    registry = apps or django_apps
    Group = registry.get_model("auth", "Group")
    Permission = registry.get_model("auth", "Permission")
    owner, _ = Group.objects.get_or_create(name=OWNER_GROUP)
    staff, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    owner.permissions.set(Permission.objects.all())
    extra = Q()
    for app_label, codename in STAFF_EXTRA_PERMISSIONS:
        extra |= Q(content_type__app_label=app_label, codename=codename)
    staff.permissions.set(
        Permission.objects.filter(Q(content_type__app_label__in=STAFF_APP_LABELS) | extra)
    )


def role_of(user) -> str:
    if user.is_superuser:
        return "owner"
    names = {group.name for group in user.groups.all()}
    if OWNER_GROUP in names:
        return "owner"
    if STAFF_GROUP in names:
        return "staff"
    return "custom" if user.is_staff else "customer"
