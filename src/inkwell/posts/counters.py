"""The counts kept of posts: each author's (`users.post_count`) and all (`post_stats.total`)."""

from inkwell.kept_counts import KeptCounts, PerParent, Total

POST_COUNTS = KeptCounts(
    child="posts",
    per_parent=(PerParent(parent="users", column="post_count", foreign_key="user_id"),),
    totals=(Total(table="post_stats", column="total"),),
)
