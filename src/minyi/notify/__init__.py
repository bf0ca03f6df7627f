"""Outgoing messages (SMS, email, WeCom robot, webhooks): an outbox table written in the caller's
transaction, the senders, and the worker job that delivers due rows after commit, at least once,
with back-off. Also the citizen-facing texts (receipt, reply notice) and the hooks sending them.
"""
