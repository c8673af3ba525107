"""Plan + models -> the typed IR templates receive, and the rendered package source."""
