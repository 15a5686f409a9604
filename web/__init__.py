"""The web application (issue 14)."""
