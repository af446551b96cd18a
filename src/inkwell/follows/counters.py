"""The counts kept of follows: each user's followers and how many they follow."""

from inkwell.kept_counts import KeptCounts, PerParent

FOLLOW_COUNTS = KeptCounts(
    child="follows",
    per_parent=(
        PerParent(parent="users", column="follower_count", foreign_key="followed_id"),
        PerParent(parent="users", column="following_count", foreign_key="follower_id"),
    ),
)
