"""Escalation (提级包案): versioned rules that lift a case to the unit head, the leader in charge or
the top leaders; leader case-holding (包案 → 销案) with plans, receptions and home visits and the
三到位一处理 review; and the backlog register (积案)."""
