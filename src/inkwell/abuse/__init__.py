"""Abuse limits: how much each account may write (posts, comments, likes, follows, reports) in a
period, shared by every instance of the app through Redis like the sign-in limits."""
