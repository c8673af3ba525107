"""Is the document valid OpenAPI, and does it pass our lint: diagnostics with file, line and pointer."""
