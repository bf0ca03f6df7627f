"""纠纷调解 on a case: the dispute with its parties and mediators, sessions, the outcome, the
人民调解协议书 and its performance, judicial confirmation (司法确认), and referral on failure."""
