"""心理服务: counselling records per client (linked to a case when there is one), sessions held
with counsellors at service sites (on the foundation's appointments), follow-ups, a risk level,
and 话聊 sessions (a counsellor, a lawyer and a mediator on one case). Session notes are read
only by their author and the author's supervisor; only counts leave the room."""
