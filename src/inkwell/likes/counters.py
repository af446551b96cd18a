"""The count kept of likes: each post's (`posts.like_count`)."""

from inkwell.kept_counts import KeptCounts, PerParent

LIKE_COUNTS = KeptCounts(
    child="likes",
    per_parent=(PerParent(parent="posts", column="like_count", foreign_key="post_id"),),
)
