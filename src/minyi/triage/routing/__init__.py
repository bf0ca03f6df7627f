"""Unit recommendation (分拨建议): a lead unit and co-units for an appeal.

The current dictionary leaf's duty map names the owner (a department, or the appeal's own
street or community); what dispatchers chose for earlier appeals of the same leaf (and street)
confirms it, adds co-units, and overrides it when they keep choosing otherwise. A unit the
appeal complains about is never recommended (信访工作条例): the next candidate takes its place,
or a supervising body when the accused unit was the one the duty map named.

Dispatcher history is an in-memory count table per database, filled from `dispatch` and
`approve_bounce` case events and refreshed incrementally every `HISTORY_REFRESH_SECONDS`, so a
recommendation costs a few dictionary lookups, never a scan of the event log.

Modules: `duty` (the duty map), `history` (what dispatchers chose) and `recommend`.
"""
