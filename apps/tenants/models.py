from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import schema_exists

from apps.tenants import pods, template_schema


class Store(TenantMixin):
    """A merchant's store. Its data lives in its own PostgreSQL schema, named after the slug."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code")
    timezone = models.CharField(max_length=64, default="UTC")
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166-1 alpha-2 code")
    prices_include_tax = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # The platform's cut of the store's paid orders, in percent (2.50 = 2.5 %).
    commission_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Percent of the store's paid order totals (net of refunds) the platform keeps.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the owner opened the link emailed at signup: until then the store takes no live
    # (real-money) payments; test mode works (apps/tenants/confirmation.py).
    owner_email_confirmed_at = models.DateTimeField(null=True, blank=True)
    # The PostgreSQL server holding the store's schema (settings.PODS, apps/tenants/pods.py).
    pod = models.CharField(max_length=63, default="default", db_index=True)
    # Set while the store is switched to another pod: its writes wait or get a 503.
    writes_paused_at = models.DateTimeField(null=True, blank=True)

    auto_create_schema = True  # cloned from settings.TENANT_BASE_SCHEMA
    auto_drop_schema = True

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(commission_rate__gte=0) & models.Q(commission_rate__lte=100),
                name="tenants_store_commission_percent",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Claim a pooled schema, else clone the template; with no template, fall back to
        django-tenants' migrate-from-scratch.

        django-tenants' own path reinstalls its clone function and runs a fake migration on
        every clone; both are unneeded (the cloned rows include the migration records).
        Runs on the connection of the store's pod (``create_store`` activates it).
        """
        from apps.tenants import fleet, schema_pool

        template = template_schema.template_schema_name()
        if not sync_schema or not schema_exists(template):
            return super().create_schema(check_if_exists, sync_schema, verbosity)
        _check_schema_name(self.schema_name)
        if check_if_exists and schema_exists(self.schema_name):
            return False
        connection.set_schema_to_public()
        # The pool's schemas wait on the default pod; another pod clones its own template.
        on_default_pod = self.pod == "default"
        if not (on_default_pod and schema_pool.claim(self.schema_name)):
            template_schema.clone_template_schema(self.schema_name)
        fleet.record_clone_of_template(self.schema_name)
        connection.set_schema_to_public()
        return True

    def _drop_schema(self, force_drop=False):
        """Drop the schema on the store's own pod (django-tenants drops it on the default)."""
        with pods.using_pod(self.pod):
            super()._drop_schema(force_drop)

    @property
    def slug(self) -> str:
        return self.schema_name

    @property
    def primary_host(self) -> str:
        return f"{self.schema_name}.{settings.PLATFORM_DOMAIN}"


class Domain(DomainMixin):
    """A host name that routes to a store: ``<slug>.<PLATFORM_DOMAIN>`` or a custom domain."""

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class SchemaState(models.Model):
    """The migration state of one store-shaped schema (a store's or the template), recorded in
    the public schema so a fleet migration knows every store's state in one query.

    ``fingerprint`` identifies the migrations the schema has applied (``apps/tenants/fleet.py``):
    a store whose fingerprint equals the code's is skipped. Keyed by schema name, not by store,
    because the template has no ``Store`` row (and a later pod column belongs on ``Store``).
    """

    class Status(models.TextChoices):
        CURRENT = "current", "Current"
        RUNNING = "running", "Migrating"
        FAILED = "failed", "Failed"

    schema_name = models.CharField(max_length=63, unique=True)
    fingerprint = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CURRENT)
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.schema_name} ({self.status})"


class PooledSchema(models.Model):
    """A schema made ahead of time from the template, waiting for a signup to claim it
    (``apps/tenants/schema_pool.py``). ``fingerprint`` is the template's applied migrations when
    it was made: only a schema as current as the template is ever claimed."""

    schema_name = models.CharField(max_length=63, unique=True)
    fingerprint = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.schema_name


class StoreWork(models.Model):
    """When a store next needs periodic work of one kind (``apps/tenants/due.py``).

    For a *due* kind (``holds``, ``outbox``) ``at`` is when the work falls due; beat's fan-out
    claims the rows whose time has come. For the ``active`` kind it is the store's last write,
    and the fan-out of work that follows activity picks stores active within its window.
    """

    schema_name = models.CharField(max_length=63)
    kind = models.CharField(max_length=32)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "schema_name"], name="tenants_storework_kind")
        ]
        indexes = [models.Index(fields=["kind", "at"], name="tenants_storework_due")]

    def __str__(self) -> str:
        return f"{self.schema_name} {self.kind} at {self.at:%Y-%m-%d %H:%M:%S}"


class StoreMove(models.Model):
    """One move of a store's schema between pods (``manage.py move_store``): what was copied,
    how long writes were paused, and when the old copy was dropped. Public: a platform record."""

    class Status(models.TextChoices):
        COPYING = "copying", "Copying"
        SWITCHED = "switched", "Switched"
        FAILED = "failed", "Failed"

    store = models.ForeignKey(Store, related_name="moves", on_delete=models.CASCADE)
    from_pod = models.CharField(max_length=63)
    to_pod = models.CharField(max_length=63)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.COPYING)
    tables = models.PositiveIntegerField(default=0)
    rows = models.BigIntegerField(default=0)
    pause_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    switched_at = models.DateTimeField(null=True, blank=True)
    old_dropped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.store} {self.from_pod} → {self.to_pod} ({self.status})"
