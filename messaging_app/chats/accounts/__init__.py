"""Accounts: password changes, failed-login limits, and revoking a login's
tokens and sockets."""
