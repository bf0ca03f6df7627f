"""Integrations: Open311 GeoReport v2 mapping, bulk import/export, webhooks."""
