"""django-tenants' PostgreSQL backend, minus a ``SET search_path`` per request.

django-tenants forgets the session's search_path whenever the tenant is set, which the tenant
middleware does on every request: each request then opened with a ``SET search_path``
statement, although a persistent connection serving one store already has exactly that path.
This wrapper remembers the path it last sent on a session and skips re-sending the same one.

The memory belongs to the psycopg connection (the database session), not to the wrapper: with
the connection pool (``DB_POOL_SIZE``) one session serves many wrappers in turn and a wrapper
gets a different session at each checkout, so "already sent" has to travel with the session.
Anything that may have undone it forgets it, as django-tenants itself does: a rollback, a
rollback to a savepoint, a session going back to the pool inside a transaction (the pool
rolls it back), and of course a new session, which starts with no memory.
"""

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from psycopg.pq import TransactionStatus

# The attribute of a psycopg connection holding the search_path last sent on it (a list of
# schema names), if it is known to be in effect.
_SENT = "_mercato_search_path"


class DatabaseWrapper(TenantDatabaseWrapper):
    def _handle_search_path(self, cursor=None):
        session = self.connection
        in_session = getattr(session, _SENT, None)
        if (
            self.search_path_set_schemas is None
            and in_session is not None
            and self.schema_name
            and not self._setting_search_path
            and in_session == self._get_cursor_search_paths()
        ):
            self.search_path_set_schemas = in_session
            return
        super()._handle_search_path(cursor)
        if not self._setting_search_path and session is not None:
            setattr(session, _SENT, self.search_path_set_schemas)

    def _forget_session_search_path(self):
        if self.connection is not None:
            setattr(self.connection, _SENT, None)

    def _close(self):
        # A session given back to the pool inside a transaction is rolled back by the pool,
        # which may undo a SET sent in that transaction.
        if (
            self.pool
            and self.connection is not None
            and self.connection.pgconn.transaction_status != TransactionStatus.IDLE
        ):
            self._forget_session_search_path()
        return super()._close()

    def rollback(self):
        self._forget_session_search_path()
        super().rollback()

    def savepoint_rollback(self, sid):
        try:
            super().savepoint_rollback(sid)
        finally:
            self._forget_session_search_path()
