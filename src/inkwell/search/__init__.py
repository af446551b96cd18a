"""Search: published posts and users found by words, ranked, with highlighted snippets."""
