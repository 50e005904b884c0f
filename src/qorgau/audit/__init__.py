"""The audit log: who did what to which record, and when. One function writes it."""
