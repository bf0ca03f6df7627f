"""Place finding (定位): street, community and grid from an appeal's address and text.

A `Gazetteer` is built once from the unit registry (street, community and grid names and their
short forms: 青松街道 → 青松, 竹林社区 → 竹林) and the names an administrator adds (roads,
estates, landmarks, aliases). After that it is pure: each string is scanned once with an
Aho-Corasick automaton, and the area chains (street → community → grid) the names point at are
ranked by specificity and by how well the names agree with each other.

Modules: `values` (the registry's units, places and candidates), `scan` (the Aho-Corasick
matcher), `gazetteer` (ranking the area chains), `store` (the cached gazetteer of a database)
and `entries` (administering the names).
"""
