"""What people put into a chat and look for later: full-text search over messages."""
