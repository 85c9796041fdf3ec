"""mypy plugin: the attributes django-tenants gives ``django.db.connection``.

The database backend (``apps.core.postgresql_backend``, built on django-tenants') carries the
current schema and store on the connection: ``connection.schema_name``, ``connection.tenant``,
``connection.set_tenant(store)`` and so on. django-stubs types ``django.db.connection`` as
Django's ``BaseDatabaseWrapper``, which has none of them, so every tenant-aware module would
report them as missing. This declares them on ``BaseDatabaseWrapper`` while mypy reads that
class (so they are in mypy's cache with it). Only used by mypy (``[tool.mypy] plugins``).
"""

from collections.abc import Callable

from mypy.plugin import ClassDefContext, Plugin
from mypy.plugins.common import add_attribute_to_class
from mypy.types import AnyType, Type, TypeOfAny

BASE_WRAPPER = "django.db.backends.base.base.BaseDatabaseWrapper"


def _declare_tenant_attributes(ctx: ClassDefContext) -> None:
    def str_type() -> Type:
        return ctx.api.named_type("builtins.str")

    def any_type() -> Type:
        return AnyType(TypeOfAny.explicit)

    attributes: dict[str, Callable[[], Type]] = {
        "schema_name": str_type,
        # The store (tenants.Store) or a FakeTenant; the methods are typed loosely on purpose.
        "tenant": any_type,
        "set_tenant": any_type,
        "set_schema": any_type,
        "set_schema_to_public": any_type,
        "get_schema": any_type,
        "get_tenant": any_type,
    }
    for name, make_type in attributes.items():
        if name not in ctx.cls.info.names:
            add_attribute_to_class(ctx.api, ctx.cls, name, make_type())


class TenantConnectionPlugin(Plugin):
    def get_customize_class_mro_hook(
        self, fullname: str
    ) -> Callable[[ClassDefContext], None] | None:
        if fullname == BASE_WRAPPER:
            return _declare_tenant_attributes
        return None


def plugin(version: str) -> type[Plugin]:
    return TenantConnectionPlugin
