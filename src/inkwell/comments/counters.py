"""The count kept of comments: each post's (`posts.comment_count`)."""

from inkwell.kept_counts import KeptCounts, PerParent

COMMENT_COUNTS = KeptCounts(
    child="comments",
    per_parent=(PerParent(parent="posts", column="comment_count", foreign_key="post_id"),),
)
