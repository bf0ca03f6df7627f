"""平安志愿者 (safety volunteers): residents who register with their community, report the problems
they see from the citizen portal (each report becomes a case through intake), and earn points for
the reports staff verify, by rules an administrator sets, in an append-only ledger."""
