"""The staff notification centre: one row per recipient for each thing a person must look at
(a case assigned to their unit, a reopened case, a leader's instruction, a supervision order or
letter, a case clock turning yellow or red), written in the transaction of the change it reports.
"""
