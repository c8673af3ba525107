"""Problems found: one Finding at a pointer, placed as a Diagnostic at file:line, printed once."""
