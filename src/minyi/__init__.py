"""Minyi (民意速办): one platform for a district's citizen appeals, from intake to the daily report."""
