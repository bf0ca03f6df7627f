"""Leader mailboxes (主官在线): channels of kind "mailbox" owned by one leader, each with a QR code
that opens the citizen form for it, and the owner's inbox of letters with their clocks and the
mailbox's received / closed / closure-rate figures."""
