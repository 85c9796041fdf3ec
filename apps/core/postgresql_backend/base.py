"""django-tenants' PostgreSQL backend, minus a ``SET search_path`` per request.

django-tenants forgets the session's search_path whenever the tenant is set, which the tenant
middleware does on every request: each request then opened with a ``SET search_path``
statement, although a persistent connection serving one store already has exactly that path.
This wrapper remembers the path it last sent on this session and skips re-sending the same one.
Anything that may have undone it (closing or replacing the connection, a rollback, a rollback
to a savepoint) forgets it, as django-tenants itself does.
"""

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper


class DatabaseWrapper(TenantDatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._search_path_in_session = None

    def _handle_search_path(self, cursor=None):
        if (
            self.search_path_set_schemas is None
            and self._search_path_in_session is not None
            and self.schema_name
            and not self._setting_search_path
            and self._search_path_in_session == self._get_cursor_search_paths()
        ):
            self.search_path_set_schemas = self._search_path_in_session
            return
        super()._handle_search_path(cursor)
        if not self._setting_search_path:
            self._search_path_in_session = self.search_path_set_schemas

    def get_new_connection(self, conn_params):
        self._search_path_in_session = None
        return super().get_new_connection(conn_params)

    def close(self):
        self._search_path_in_session = None
        super().close()

    def rollback(self):
        self._search_path_in_session = None
        super().rollback()

    def savepoint_rollback(self, sid):
        try:
            super().savepoint_rollback(sid)
        finally:
            self._search_path_in_session = None
