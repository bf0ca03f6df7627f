"""The daily report (民情日报): issued snapshots, sections, HTML and PDF, subscribers."""
