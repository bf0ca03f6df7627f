"""Analytics: hotspots, early warning (弱信号), class governance (办结一件、化解一类) and unit
assessment (绩效). Read-only aggregates, except the alerts and sweeps it stores.

Entry points for other packages (the daily report):
`queries.hotspots_of_day(session, day=, window_days=7, limit=10) -> list[hotspots.Hotspot]`,
`queries.find_hotspots(session, start=, end=, limit=)`,
`alerts.early_warnings(session, day=, now=) -> list[queries.AlertView]` (raises the day's new
alerts: call it in a unit of work), and
`assessment.assess_units(session, rules.period_of("week", day)) -> assessment.Assessment`.
"""
