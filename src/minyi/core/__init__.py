"""Infrastructure every domain package shares: settings, database, clock, errors, ids, labels."""
