"""帮扶救助 (relief): applications, reviews in order (community, street, department), approval, disbursement and the follow-up visit; a second payment of the same kind to the same person is flagged."""
