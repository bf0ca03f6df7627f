"""Leaders' instructions (批示) that become tracked tasks for units, supervisors' orders (督办),
and the numbered letters supervisors issue: reminder letters (提醒函), suggestion letters under
the three suggestion rights (三项建议权, 建议函) and notices (通报)."""
