"""What search keeps in the database beside the models: the index of posts (and, on
PostgreSQL, the trigram index of users' names).

The database keeps it (migration 0013) in the writer's transaction; no model maps it, since
it differs by dialect: PostgreSQL's `posts.search_vector` (generated) and its GIN index,
SQLite's FTS5 table `post_search` and the tables FTS5 keeps for it (`post_search_data`...).
`posts.search_tags`, which both read, is on the `Post` model.
"""

from collections.abc import Mapping
from typing import Any

POSTGRESQL_VECTOR = "search_vector"
POSTGRESQL_INDEX = "ix_posts_search_vector"
# The trigrams of users' names, for the user search's `LIKE '%word%'` (migration 0014).
POSTGRESQL_NAMES_INDEX = "ix_users_names_trigrams"
SQLITE_INDEX = "post_search"
# The triggers keeping the index (and posts.search_tags), by dialect: not counts, so not
# declared with kept_counts; their statements are frozen in migration 0013.
TRIGGERS = {
    "postgresql": frozenset({"post_tags_search_tags"}),
    "sqlite": frozenset(
        {
            "posts_search_insert",
            "posts_search_update",
            "posts_search_delete",
            "post_tags_search_insert",
            "post_tags_search_delete",
        }
    ),
}


def mapped(name: str | None, type_: str, parent_names: Mapping[Any, str | None]) -> bool:
    """Alembic's `include_name`: false for the search index, which the models leave out."""
    if type_ == "table":
        return not (name or "").startswith(SQLITE_INDEX)
    if type_ == "column":
        return not (name == POSTGRESQL_VECTOR and parent_names.get("table_name") == "posts")
    return name not in {POSTGRESQL_INDEX, POSTGRESQL_NAMES_INDEX}
