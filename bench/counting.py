"""Counting statements in the benches: connection.execute_wrapper sees every statement the connection sends.
Django's query log (connection.queries, CaptureQueriesContext) keeps only the last 9,000, so a bench that counts
with it undercounts any run above that (issue 16: the timed-check bench reported 8,922 for 12,011)."""

import time


class Recorder:
    """An execute_wrapper that keeps each statement, its parameters and its time."""

    def __init__(self):
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((sql, params, many, time.perf_counter() - started))

    def __len__(self):
        return len(self.statements)

    def slowest(self, n=3, select_only=True):
        rows = [s for s in self.statements if not select_only or s[0].lstrip().upper().startswith("SELECT")]
        return sorted(rows, key=lambda s: -s[3])[:n]


def explain(connection, sql, params):
    """EXPLAIN (ANALYZE, BUFFERS) of one recorded SELECT (writes are not re-run)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())
