"""What notifications read from the environment. Part of `inkwell.config.Settings`."""

from pydantic import BaseModel, Field


class NotificationSettings(BaseModel):
    # A comment's email is tried this many times, waiting this long (doubling) between
    # tries; the notification is claimed first, so no try ever sends it twice.
    notification_email_attempts: int = Field(default=3, ge=1, le=10)
    notification_email_retry_seconds: float = Field(default=5.0, ge=0)
    # Every this many seconds, each instance sends the emails still pending this many seconds
    # after their comment: the process that should have sent them stopped between the COMMIT
    # and the send. 0 turns the sweep off.
    notification_email_sweep_seconds: float = Field(default=60.0, ge=0)
    notification_email_stale_seconds: float = Field(default=60.0, ge=1)
    # How long the unsubscribe link in an email works: emails stay in inboxes for long.
    unsubscribe_link_days: int = Field(default=180, ge=1)
    # Unfollowing and following again within this many hours tells the writer only once.
    follow_notification_quiet_hours: int = Field(default=24, ge=0)
