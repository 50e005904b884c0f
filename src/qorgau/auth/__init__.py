"""Accounts: agencies, users, roles and permissions, sign-in, sessions, API tokens, two-factor."""
