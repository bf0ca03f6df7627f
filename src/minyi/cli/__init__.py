"""The `minyi` command: thin Typer groups over the same services the API uses."""
