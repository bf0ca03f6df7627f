"""纠纷调解 (mediation): disputes with parties, mediators and sessions, agreements (人民调解协议书) and their performance, judicial confirmation (司法确认), and referral to arbitration or court."""
