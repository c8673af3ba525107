"""The document as read: files loaded with their places, refs bundled, and the ways to walk it."""
