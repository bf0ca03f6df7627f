"""The handling of an appeal: the lifecycle table, dispatch, bounce, reopen, and the append-only
event log that lets anyone trace who held what when (责任倒查)."""
