"""What the operator sees: request ids, structured JSON logs and Prometheus metrics.

Nothing here carries personal data: routes are URL patterns (never the path or query, which may hold a
name being searched), roles are role codes, and log lines name the request, not the resident.
"""
