"""Minyi and the world around it: the Open311 GeoReport v2 server (other platforms file appeals
and read their state), bulk import and export of cases (CSV/Excel), webhook subscribers fed
through the notify outbox, and the cheap read-side figures behind the Prometheus metrics."""
