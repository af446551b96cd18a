"""Outgoing email: SMTP through aiosmtplib, or the log when no SMTP server is configured."""
