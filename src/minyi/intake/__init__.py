"""Full collection (全量归集): channels, appeal registration with tracking numbers, idempotency
by (channel, external_id), citizen identity checks, attachments, and group-committed intake."""
