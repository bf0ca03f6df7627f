"""法律服务 (legal help): consultations with resident lawyers, legal aid and its decision, and advice before a petition is accepted (访前法律工作室)."""
