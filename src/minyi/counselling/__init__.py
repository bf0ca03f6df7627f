"""心理服务 (counselling): sessions with counsellors, 话聊 with a counsellor, a lawyer and a mediator on one case, follow-ups and a risk level; notes only the counsellor and their supervisor read."""
