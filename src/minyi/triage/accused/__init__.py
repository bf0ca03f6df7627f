"""Complaint targets (信访工作条例: never hand a complaint to the one it complains about).

`AccusedDetector.find(text, place)` reports the units and staff an appeal complains *about*, as
opposed to the units it merely mentions or asks for help. A name (区住建局, 城管, 青松街道办,
a staff member's name, 王某, 区长) becomes a target when

- a complaint verb governs it: 投诉/举报/检举…, then the name, then the end of the clause, a
  misconduct word or a predicate (举报区住建局工作人员王某索贿, 投诉城管不作为); or
- a misconduct word follows it in the same clause with only adverbs between
  (街道办工作人员一直推诿, 城管队员态度恶劣).

A name followed by something else (投诉青松街道竹林社区的物业公司, 投诉城管噪音) only places

Modules: `words` (the vocabulary of complaint), `detector` (pure) and `store` (the cached
detector of a database).
"""
