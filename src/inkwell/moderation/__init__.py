"""Moderation: reports of posts and comments, suspending users, and the audit log of what
admins did (who, what, when, to whom)."""
