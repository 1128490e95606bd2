"""Built-in example requests (package data)."""
