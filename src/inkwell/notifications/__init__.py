"""Notifications: what happened to you (a comment on your post, a reply in a thread you
commented in, a new follower), its unread count, and the emails for comments."""
