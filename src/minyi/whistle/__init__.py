"""Whistle (吹哨联动, 街道吹哨·部门报到): a street, community or grid summons departments to a case or
a place; each reports in within its clock, acts, and the issuer confirms; response rate and time
per department."""
