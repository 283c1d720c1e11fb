"""PostgreSQL with every query counted and timed for /metrics (django-prometheus's counters:
django_db_execute_total, django_db_query_duration_seconds, django_db_errors_total).

django-prometheus's own backend (`django_prometheus.db.backends.postgresql`, 2.4) wraps the
connection's cursor class each time Django gets a connection: with the psycopg pool that is
every borrow of the same connection, so the wrappers pile up and each query is counted once
more per borrow (and gets slower). Here the cursor class is wrapped once, in the connection
parameters, which the pool reads once when it is created (the fix django-prometheus merged
upstream after 2.4). With the pool, django_db_new_connections_total counts borrows.
"""

from django.db.backends.postgresql import base
from django_prometheus.db.common import DatabaseWrapperMixin, ExportingCursorWrapper


class DatabaseWrapper(DatabaseWrapperMixin, base.DatabaseWrapper):
    def get_connection_params(self) -> dict:
        params = super().get_connection_params()
        params["cursor_factory"] = ExportingCursorWrapper(
            params["cursor_factory"], self.alias, self.vendor
        )
        return params

    def create_cursor(self, name=None):
        # The connection's cursor_factory counts already; the mixin's would count twice.
        return base.DatabaseWrapper.create_cursor(self, name=name)
