"""The counts kept of posts, of published ones only: each author's (`users.post_count`), all
(`post_stats.total`, summed over its slots: no single row that every writer waits on), and
each tag's (`tags.post_count`, from post_tags' copy of the status)."""

from inkwell.kept_counts import Counted, KeptCounts, PerParent, Total
from inkwell.posts.models import PUBLISHED, STATS_SLOTS

POST_COUNTS = KeptCounts(
    child="posts",
    per_parent=(PerParent(parent="users", column="post_count", foreign_key="user_id"),),
    totals=(Total(table="post_stats", column="total", slots=STATS_SLOTS),),
    counted=Counted(column="status", value=PUBLISHED),
)
TAG_COUNTS = KeptCounts(
    child="post_tags",
    per_parent=(PerParent(parent="tags", column="post_count", foreign_key="tag_id"),),
    counted=Counted(column="status", value=PUBLISHED),
)
