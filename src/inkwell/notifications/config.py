"""What notifications read from the environment. Part of `inkwell.config.Settings`."""

from pydantic import BaseModel, Field


class NotificationSettings(BaseModel):
    # A comment's email is tried this many times, waiting this long (doubling) between
    # tries; the notification is claimed first, so no try ever sends it twice.
    notification_email_attempts: int = Field(default=3, ge=1, le=10)
    notification_email_retry_seconds: float = Field(default=5.0, ge=0)
    # How long the unsubscribe link in an email works: emails stay in inboxes for long.
    unsubscribe_link_days: int = Field(default=180, ge=1)
    # Unfollowing and following again within this many hours tells the writer only once.
    follow_notification_quiet_hours: int = Field(default=24, ge=0)
