"""`make mutation`: how much of the security- and correctness-critical code the tests pin down.

mutmut (configured in pyproject's [tool.mutmut]) mutates each module below, one worker, and
runs each mutant against the module's targeted tests that reached the mutated function. The
score is killed / (mutants - equivalent): equivalent mutants, which no test can tell from the
original, are listed with the reason in equivalent.toml beside this file. mutmut mutates no
decorated function but static and class methods, so these modules make their caches and
context managers by assignment (tests/test_layout.py holds them to it).

    python -m tests.mutation                    # every module, from a fresh mutants/
    python -m tests.mutation auth/tokens.py     # only the modules named
    python -m tests.mutation posts/service.py:listed_columns posts/service.py:ListingStatements.of
                                                # only those functions' mutants (and score)
"""

import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from pathlib import Path

from tests.mutation.plugin import SELECTION

WORKSPACE = Path("mutants")
EQUIVALENT = Path(__file__).with_name("equivalent.toml")
# mutmut's exit codes: a failing test run kills; so does one stopped for its CPU time. Not
# 255 (mutmut files it under timeouts): that is a test run that could not start at all.
KILLED = {1, 3, 24, -24, 152, 36}


@dataclass(frozen=True)
class Target:
    name: str
    sources: tuple[str, ...]
    tests: tuple[str, ...]
    # Only these functions' mutants ("name", or "Class.method" for a method); all if empty.
    functions: tuple[str, ...] = ()

    @property
    def modules(self) -> set[str]:
        return set(self.name.split(" + "))

    @property
    def mutant_patterns(self) -> list[str]:
        names = [f"{_mangled(function)}__mutmut_*" for function in self.functions] or ["*"]
        return [f"{_module(source)}.{name}" for source in self.sources for name in names]


TARGETS = (
    Target(
        "auth/tokens.py + auth/signing.py",
        ("src/inkwell/auth/tokens.py", "src/inkwell/auth/signing.py"),
        ("tests/auth/test_tokens.py",),
    ),
    Target(
        "auth/cookies.py + auth/dependencies.py",
        ("src/inkwell/auth/cookies.py", "src/inkwell/auth/dependencies.py"),
        (
            "tests/auth/test_csrf.py",
            "tests/auth/test_auth_flow.py",
            "tests/auth/test_private_answers.py",
            "tests/auth/test_rate_limits.py",
            "tests/auth/test_sessions.py",
            # The plain HTML forms' CSRF check and sign-in (form_user, form_claims), and
            # the second API's bearer tokens (token_owner).
            "tests/auth/test_session_pages.py",
            "tests/notifications/test_pages.py",
            "tests/conduit/test_users.py",
            # Who reads a listing (_viewer_id): by bearer token, cookie, or no longer valid.
            "tests/likes/test_likes_api.py",
        ),
    ),
    Target(
        "auth/renewal.py",
        ("src/inkwell/auth/renewal.py",),
        (
            "tests/auth/test_sessions.py",
            "tests/auth/test_session_pages.py",
            "tests/auth/test_private_answers.py",  # renewed and cleared cookies behind TLS
            "tests/test_state.py",  # the lifespan through the middleware
            "tests/operations/test_security_headers.py",  # an app called without its lifespan
        ),
    ),
    Target(
        "auth/service.py",
        ("src/inkwell/auth/service.py",),
        (
            "tests/auth/test_auth_flow.py",
            "tests/auth/test_password_reset.py",
            "tests/auth/test_sessions.py",
            "tests/auth/test_session_pages.py",
            "tests/auth/test_rate_limits.py",  # failed sign-ins
            "tests/users/test_email_change.py",  # a confirmed address ends the sessions
            "tests/users/test_users_api.py",  # a password change ends the sessions
            "tests/moderation/test_suspension.py",  # a suspended user cannot sign in
            "tests/conduit/test_users.py",  # the second API's sign-in
        ),
    ),
    Target(
        # Which client is a known device of an account: a cookie it would take from another
        # account, another audience or another key would spare a stranger the waits that
        # wrong passwords earn; and the device its owner reads in their list of sessions.
        "auth/devices.py + auth/user_agents.py",
        ("src/inkwell/auth/devices.py", "src/inkwell/auth/user_agents.py"),
        (
            "tests/auth/test_rate_limits.py",
            "tests/auth/test_private_answers.py",  # the device cookie behind TLS
            "tests/auth/test_user_agents.py",
            "tests/auth/test_sessions.py",  # the device a session lists
        ),
    ),
    Target(
        "moderation/service.py",
        ("src/inkwell/moderation/service.py",),
        (
            "tests/moderation/test_permissions.py",
            "tests/moderation/test_reports.py",
            "tests/moderation/test_suspension.py",
            "tests/moderation/test_admin_page.py",
            "tests/web/test_moderation_pages.py",
            "tests/web/test_deleting_posts.py",
            "tests/notifications/test_emails.py",  # a suspension drops the pending emails
            "tests/media/test_post_pictures.py",  # delete_post: its pictures go with it
        ),
    ),
    Target(
        "posts/service.py",
        ("src/inkwell/posts/service.py",),
        (
            "tests/posts/test_posts_api.py",
            "tests/posts/test_post_counts.py",
            "tests/posts/test_tags.py",
            "tests/posts/test_drafts.py",
            "tests/test_data_layer.py",
            "tests/posts/test_autosave.py",  # the compare-and-swap, ChangedSince's 409
            # count_author (the suspension's recount), and _hold_author's race with it.
            "tests/moderation/test_suspension.py",
            "tests/conduit/test_listings.py",  # _user_named: ?author= and ?favorited=
            "tests/conduit/test_articles.py",  # get_listed_post with the author's profile
            "tests/conduit/test_comments.py",  # get_listed_post without the body
            "tests/conduit/test_shapes.py",  # the author's picture set through Conduit
            "tests/likes/test_likes_api.py",  # whether a signed-in reader likes each post
            "tests/test_cursor_walks.py",  # the pages after a cursor's position
            "tests/test_pagination.py",  # a last page exactly full has no next cursor
            "tests/users/test_profiles.py",  # the author's display name in a listing
            "tests/web/test_moderation_pages.py",  # a suspended author's page, to an admin
        ),
    ),
    Target(
        "posts/markdown.py + posts/stored_html.py",
        ("src/inkwell/posts/markdown.py", "src/inkwell/posts/stored_html.py"),
        (
            "tests/posts/test_render_again.py",
            "tests/posts/test_markdown.py",
            "tests/posts/test_rendered_posts.py",
            "tests/media/test_post_pictures.py",  # the S3 bucket's and base URL's pictures
            "tests/comments/test_comments_api.py",  # the comments' profile through the API
        ),
    ),
    Target(
        # Which post a request may change and what a request's writes become: someone
        # else's post changed, a 2xx for a write that was never committed, a read that does
        # not see the request's own write, a page asked for taken for another.
        "posts/dependencies.py + dependencies.py",
        ("src/inkwell/posts/dependencies.py", "src/inkwell/dependencies.py"),
        (
            "tests/posts/test_posts_api.py",
            "tests/posts/test_autosave.py",
            "tests/posts/test_rendered_posts.py",  # the preview's renderer
            "tests/moderation/test_permissions.py",  # who may delete a post
            "tests/test_after_commit.py",
            "tests/test_data_layer.py",
            "tests/test_reader.py",  # read-your-writes
            "tests/test_pagination.py",
            "tests/test_cursor_walks.py",
            "tests/auth/test_private_answers.py",  # NO_STORE on private answers
        ),
    ),
    Target(
        # What the addresses and the feeds name: a slug a URL must escape, two tags merged
        # into one, a draft or a suspended author's post in a sitemap, a feed entry whose
        # id changes with its title (a reader would see it twice).
        "posts/slugs.py + syndication/atom.py + syndication/sitemaps.py + syndication/service.py",
        (
            "src/inkwell/posts/slugs.py",
            "src/inkwell/syndication/atom.py",
            "src/inkwell/syndication/sitemaps.py",
            "src/inkwell/syndication/service.py",
        ),
        (
            "tests/posts/test_slugs.py",
            "tests/posts/test_tags.py",
            "tests/web/test_addresses.py",
            "tests/syndication/test_feeds.py",
            "tests/syndication/test_sitemaps.py",
        ),
    ),
    Target(
        "users/service.py + users/email_change.py",
        ("src/inkwell/users/service.py", "src/inkwell/users/email_change.py"),
        (
            "tests/users/test_users_api.py",
            "tests/users/test_email_change.py",
            "tests/users/test_identity.py",
            "tests/users/test_profiles.py",
            "tests/users/test_unique_races.py",
            "tests/auth/test_password_reset.py",  # a new password voids the user's own links
            "tests/auth/test_auth_flow.py",  # the signed-in user a token names
            "tests/auth/test_sessions.py",  # the account read within its session
            "tests/media/test_pictures_api.py",  # swap_picture
            "tests/follows/test_follows_api.py",  # the profiles' `following`
            "tests/notifications/test_emails.py",  # the unsubscribe link
            "tests/moderation/test_suspension.py",  # set_suspended, hold_active
            "tests/moderation/test_suspension_locks.py",
            "tests/conduit/test_users.py",  # the second API's registration
            "tests/conduit/test_profiles.py",  # get_profile_by_username
            "tests/conduit/test_comments.py",  # list_profiles: the commenters'
            "tests/web/test_pages.py",  # the author's page
            "tests/web/test_after_an_action.py",  # the account page's forms (get_account)
            "tests/moderation/test_admin_page.py",  # an admin's account (get_account's role)
            "tests/notifications/test_pages.py",  # the navbar's unread count (get_account)
            "tests/web/test_moderation_pages.py",  # a suspended author's page, for admins
            "tests/syndication/test_feeds.py",  # an author's feed
            "tests/test_cli.py",  # promote and demote: get_user_by_username
        ),
    ),
    Target(
        # The budgets every limit spends from: a Retry-After that sends a client back too
        # early, or a limit that goes unlimited when Redis is down.
        "rate_limits.py",
        ("src/inkwell/rate_limits.py",),
        (
            "tests/abuse/test_write_limits.py",
            "tests/media/test_upload_limits.py",
            "tests/auth/test_rate_limits.py",
        ),
    ),
    Target(
        "abuse/limits.py",
        ("src/inkwell/abuse/limits.py",),
        ("tests/abuse/test_write_limits.py",),
    ),
    Target(
        "auth/ratelimit.py", ("src/inkwell/auth/ratelimit.py",), ("tests/auth/test_rate_limits.py",)
    ),
    Target(
        "media/images.py",
        ("src/inkwell/media/images.py",),
        # A post's picture (_AtMostWide, post_picture) is uploaded by test_post_pictures.
        ("tests/media/test_images.py", "tests/media/test_post_pictures.py"),
    ),
    Target(
        # Which pictures go, and when: a picture a post still shows deleted with another's
        # post or by the sweep, or one left at its address after everything linking it went
        # (a deletion the store failed, forgotten instead of recorded for the sweep).
        "media/service.py + media/uses.py + media/pending.py",
        (
            "src/inkwell/media/service.py",
            "src/inkwell/media/uses.py",
            "src/inkwell/media/pending.py",
        ),
        (
            "tests/media/test_post_pictures.py",
            "tests/media/test_deletion_records.py",
            "tests/media/test_picture_uses.py",
            "tests/media/test_sweep.py",
            "tests/media/test_picture_races.py",  # a link and a deletion at once
            "tests/media/test_pictures_api.py",
            "tests/media/test_picture_failures.py",
            "tests/web/test_account_picture_without_script.py",
            "tests/users/test_users_api.py",  # delete_account
            "tests/conduit/test_users.py",  # set_picture_address
        ),
    ),
    Target(
        "likes/service.py",
        ("src/inkwell/likes/service.py",),
        # A suspended author's posts read as gone (_state).
        ("tests/likes/test_likes_api.py", "tests/moderation/test_suspension.py"),
    ),
    Target(
        "comments/service.py",
        ("src/inkwell/comments/service.py",),
        (
            "tests/comments/test_comments_api.py",
            "tests/notifications/test_who_is_notified.py",
            "tests/notifications/test_emails.py",
            # A suspended commenter's comments, and a suspended author's post's, leave it.
            "tests/moderation/test_suspension.py",
            # Which page shows a comment: after writing one (comments_before, position_before)
            # and from a link to it (page_showing, `?comment=`).
            "tests/web/test_conversation.py",
            "tests/web/test_moderation_pages.py",
            # Who may delete a comment (delete_comment): each actor against each owner.
            "tests/moderation/test_permissions.py",
            # The second API's comments: a comment asked for under another post.
            "tests/conduit/test_comments.py",
            "tests/comments/test_comment_positions.py",
            "tests/test_cursor_walks.py",  # the next page's position (list_comments)
            "tests/moderation/test_admin_page.py",  # an admin's deletion in the audit log
        ),
    ),
    Target(
        "follows/service.py",
        ("src/inkwell/follows/service.py",),
        (
            "tests/follows/test_follows_api.py",
            "tests/notifications/test_who_is_notified.py",
            "tests/moderation/test_suspension.py",  # count_follows: a suspension's recount
            "tests/moderation/test_suspension_locks.py",  # count_follows: its locks
        ),
    ),
    Target(
        "feeds/service.py",
        ("src/inkwell/feeds/service.py",),
        (
            "tests/feeds/test_feed_api.py",
            "tests/conduit/test_listings.py",  # with the authors' profiles, without bodies
            "tests/moderation/test_suspension.py",  # a suspended author leaves the feed
            "tests/test_cursor_walks.py",  # the pages after a post's position
        ),
    ),
    Target(
        "notifications/service.py",
        ("src/inkwell/notifications/service.py",),
        (
            "tests/notifications/test_who_is_notified.py",
            "tests/notifications/test_reading.py",
            "tests/notifications/test_emails.py",
            "tests/notifications/test_pages.py",
            "tests/notifications/test_suspended_actors.py",  # left out while suspended
            "tests/test_cursor_walks.py",  # the pages after a cursor (list_notifications)
        ),
    ),
    Target(
        "notifications/emails.py",
        ("src/inkwell/notifications/emails.py",),
        ("tests/notifications/test_emails.py",),
    ),
    Target("background.py", ("src/inkwell/background.py",), ("tests/test_background.py",)),
    Target(
        # Whom the anonymous cache answers, and with what: a signed-in answer kept for anyone
        # would show one reader's page (their name, their CSRF token) to everyone.
        "caching/middleware.py + caching/store.py + caching/conditional.py",
        (
            "src/inkwell/caching/middleware.py",
            "src/inkwell/caching/store.py",
            "src/inkwell/caching/conditional.py",
        ),
        (
            "tests/caching/test_who_is_served.py",
            "tests/caching/test_middleware.py",
            "tests/caching/test_http_caching.py",
            "tests/caching/test_coalescing.py",
            "tests/caching/test_store.py",
            "tests/caching/test_invalidation.py",
            "tests/caching/test_conditional.py",
            "tests/caching/test_generation.py",  # last_modified's HTTP date (conditional.py)
            "tests/auth/test_private_answers.py",  # behind TLS, and the feeds' own headers
            "tests/syndication/test_feeds.py",  # the feeds' conditional requests
        ),
    ),
    Target(
        # Who calls the Conduit API: a token it takes for another user's, or a bad header it
        # takes for an anonymous reader, would act or read as someone else.
        "conduit/dependencies.py",
        ("src/inkwell/conduit/dependencies.py",),
        (
            "tests/conduit/test_users.py",
            "tests/conduit/test_articles.py",
            "tests/conduit/test_listings.py",
            "tests/conduit/test_favorites.py",
            "tests/conduit/test_profiles.py",
            "tests/conduit/test_comments.py",
            "tests/conduit/test_application.py",
        ),
    ),
    Target(
        # Which article a Conduit slug names and who may change it: someone else's article, a
        # draft, or a post named by another's words would be changed or shown.
        "conduit/lookups.py + conduit/shapes.py",
        ("src/inkwell/conduit/lookups.py", "src/inkwell/conduit/shapes.py"),
        (
            "tests/conduit/test_articles.py",
            "tests/conduit/test_listings.py",
            "tests/conduit/test_favorites.py",
            "tests/conduit/test_comments.py",
            "tests/conduit/test_profiles.py",
            "tests/conduit/test_users.py",
            "tests/conduit/test_shapes.py",
        ),
    ),
    Target(
        # What a Conduit client is told when refused: the spec's status and words, a field
        # it can show beside its input, never a server's detail or a 500 for bad input.
        "conduit/errors.py",
        ("src/inkwell/conduit/errors.py",),
        (
            "tests/conduit/test_errors.py",
            "tests/conduit/test_application.py",
            "tests/conduit/test_users.py",
            "tests/conduit/test_articles.py",
            "tests/conduit/test_listings.py",
            "tests/conduit/test_favorites.py",
            "tests/conduit/test_comments.py",
            "tests/conduit/test_profiles.py",
            "tests/test_field_errors.py",  # beside the Inkwell API's own shape
        ),
    ),
    Target(
        # What a RealWorld frontend may send back unchanged: an empty image or bio that
        # clears it, and a null username or email refused rather than taken as "unchanged".
        "conduit/schemas.py",
        ("src/inkwell/conduit/schemas.py",),
        ("tests/conduit/test_users.py", "tests/conduit/test_articles.py"),
    ),
    Target(
        # HEAD answered as GET without its body: a body sent for a HEAD, a HEAD refused
        # where GET is answered, or a 405 whose Allow leaves HEAD out.
        "operations/head.py",
        ("src/inkwell/operations/head.py",),
        (
            "tests/operations/test_head.py",
            "tests/caching/test_middleware.py",
            "tests/caching/test_who_is_served.py",
            "tests/test_error_handlers.py",
            "tests/conduit/test_errors.py",
            "tests/conduit/test_application.py",
        ),
    ),
    Target(
        # Whose address a request comes from: the limits on password guesses count by it,
        # so a hop a client wrote itself, believed, would give it as many guesses as it likes.
        "operations/proxies.py",
        ("src/inkwell/operations/proxies.py",),
        ("tests/operations/test_proxy_headers.py",),
    ),
    Target(
        # What a log line tells: a request's path or id that forges a line or rewrites a
        # terminal, one request's id on another's lines, or a line printed twice or never.
        "operations/logs.py",
        ("src/inkwell/operations/logs.py",),
        ("tests/operations/test_logging.py",),
    ),
    Target(
        # Where a page starts: an offset past MAX_SKIP reads every row it skips (a cheap
        # request that costs the database dearly), and a cursor this site did not make, or
        # made for another listing, would be read as a position no page answered.
        "pagination.py",
        ("src/inkwell/pagination.py",),
        ("tests/test_pagination.py", "tests/test_cursor_walks.py"),
    ),
    Target(
        # What a search asks each database: a word read as FTS5 or tsquery syntax would be
        # a 500, or find what the words did not ask for.
        "search/query.py",
        ("src/inkwell/search/query.py",),
        ("tests/search/test_query.py", "tests/search/test_bad_queries.py"),
    ),
    Target(
        # What a search shows: a draft or a suspended author's post found, a snippet's text
        # taken for markup, a page that repeats or skips a hit, or totals that miscount.
        "search/service.py",
        ("src/inkwell/search/service.py",),
        (
            "tests/search/test_search_api.py",
            "tests/search/test_index.py",
            "tests/search/test_bad_queries.py",
            "tests/web/test_search_page.py",
            "tests/test_pagination.py",  # a search cursor is for its own words
            "tests/test_cursor_walks.py",  # pages of hits neither repeat nor skip
        ),
    ),
    Target(
        # What an error tells, and in which shape, and where a page sends its visitor: a
        # server error's detail shown to anyone, a bad request answered 500, an API client
        # handed an HTML page, a signed-in page kept by a cache, or a `next=` that leads off
        # the site (an open redirect).
        "errors.py + web/common.py",
        ("src/inkwell/errors.py", "src/inkwell/web/common.py"),
        (
            "tests/test_error_handlers.py",
            "tests/test_error_shapes.py",
            "tests/test_error_codes.py",
            "tests/test_bad_input.py",
            "tests/test_adversarial.py",  # next= and header injection
            "tests/web/test_page_routes.py",
            "tests/web/test_page_helpers.py",
            "tests/web/test_pages.py",
            "tests/web/test_broken_page_links.py",  # a broken cursor: a reader's words
            "tests/web/test_addresses.py",  # moved_permanently: the canonical address
            "tests/web/test_conversation.py",  # sign_in_first: back to the form's page
            "tests/web/test_forms_without_script.py",  # local_path, sign_in_first
            "tests/auth/test_session_pages.py",
            "tests/auth/test_private_answers.py",  # render: a signed-in page is no-store
            "tests/operations/test_health.py",  # a database down or hung: 503
            "tests/test_reader.py",  # a pool's gate timing out: 503
            "tests/web/test_display.py",  # wait_in_words: how long a 429 says to wait
        ),
    ),
    Target(
        # What a refused request tells, field by field: the code a program reads and the
        # message a person reads beside the field (a wrong bound, a field named wrongly).
        "field_errors.py",
        ("src/inkwell/field_errors.py",),
        ("tests/test_field_errors.py", "tests/test_error_codes.py"),
    ),
    Target(
        # What a page shows of what people wrote: a bio's text taken for markup, a post's
        # title closing its JSON-LD block, or one reader's CSRF token kept in a card
        # another reader is shown.
        "web/rendering.py",
        ("src/inkwell/web/rendering.py",),
        (
            "tests/web/test_templates.py",
            "tests/web/test_display.py",
            "tests/web/test_kept_cards.py",
            "tests/web/test_link_previews.py",
            "tests/web/test_reading_time.py",
        ),
    ),
    Target(
        # Who an account is and what opens it: a name that passes for another's, a common
        # password taken, or a check that an unknown user's dummy hash could pass.
        "users/identity.py + auth/passwords.py + security.py",
        (
            "src/inkwell/users/identity.py",
            "src/inkwell/auth/passwords.py",
            "src/inkwell/security.py",
        ),
        (
            "tests/users/test_identity.py",
            "tests/auth/test_auth_flow.py",
            "tests/auth/test_password_hasher.py",
            "tests/test_field_errors.py",
        ),
    ),
    Target(
        # What a person may call themselves and where their picture may come from: a name
        # with a direction override that shows as another's, an email kept in two cases as
        # two accounts, or a `javascript:` picture a frontend puts in an `<img src>`; and what
        # any text must show (schemas.py): a title or a comment that shows blank.
        "users/fields.py + schemas.py",
        ("src/inkwell/users/fields.py", "src/inkwell/schemas.py"),
        (
            "tests/users/test_users_api.py",
            "tests/users/test_profiles.py",
            "tests/users/test_identity.py",
            "tests/conduit/test_users.py",
            "tests/test_field_errors.py",
            "tests/test_adversarial.py",
            "tests/test_bad_input.py",
        ),
    ),
    Target(
        # What any request may send and any answer carries: a body past its limit read into
        # memory, or a page without its CSP, frame and HSTS headers.
        "body_limits.py + operations/headers.py",
        ("src/inkwell/body_limits.py", "src/inkwell/operations/headers.py"),
        (
            "tests/test_body_limits.py",
            "tests/operations/test_security_headers.py",
            # A limit read from the request: the uploads' (UploadLimitRoute), from the settings.
            "tests/media/test_picture_bad_uploads.py",
        ),
    ),
    Target(
        # When work that follows a write runs: an email sent for a write that rolled back,
        # or an upload's file kept after its row was not stored.
        "transactions.py",
        ("src/inkwell/transactions.py",),
        (
            "tests/test_after_commit.py",
            "tests/notifications/test_emails.py",
            "tests/media/test_picture_failures.py",
        ),
    ),
    Target(
        # Where uploads go: a key that escapes the store would write or delete any file.
        "media/storage.py",
        ("src/inkwell/media/storage.py",),
        (
            "tests/media/test_storage.py",
            "tests/media/test_pictures_api.py",
            "tests/media/test_picture_failures.py",
            "tests/media/test_post_pictures.py",
        ),
    ),
    Target(
        # Who may upload, and how much: a picture put on another's account, or a second
        # upload while one is decoded (the decoders' memory), or past the budget.
        "media/limits.py + media/dependencies.py",
        ("src/inkwell/media/limits.py", "src/inkwell/media/dependencies.py"),
        (
            "tests/media/test_upload_limits.py",
            "tests/media/test_picture_limits.py",
            "tests/media/test_pictures_api.py",
            "tests/media/test_post_pictures.py",
            "tests/media/test_picture_bad_uploads.py",
            "tests/media/test_upload_storm.py",
        ),
    ),
    Target(
        # When a write shows: the generation a cached answer is checked against.
        "caching/generation.py",
        ("src/inkwell/caching/generation.py",),
        (
            "tests/caching/test_generation.py",
            "tests/caching/test_invalidation.py",
            "tests/caching/test_coalescing.py",
            "tests/caching/test_who_is_served.py",
            "tests/caching/test_middleware.py",
            "tests/test_cli.py",  # seeding announces its posts to the serving instances
        ),
    ),
)


@dataclass(frozen=True)
class Score:
    target: Target
    killed: int
    total: int
    equivalent: list[str]
    survivors: list[str]
    stale: list[str]
    seconds: float

    @property
    def percent(self) -> float:
        relevant = self.total - len(self.equivalent)
        return 100.0 * self.killed / relevant if relevant else 100.0


def _module(source: str) -> str:
    return source.removeprefix("src/").removesuffix(".py").replace("/", ".")


def _mangled(function: str) -> str:
    """mutmut's name for a function: x_name, or xǁClassǁmethod."""
    owner, _, name = function.rpartition(".")
    return f"xǁ{owner}ǁ{name}" if owner else f"x_{function}"


def _results(target: Target) -> dict[str, int | None]:
    results: dict[str, int | None] = {}
    for source in target.sources:
        meta = json.loads((WORKSPACE / f"{source}.meta").read_text())
        results |= meta["exit_code_by_key"]
    return {
        name: code
        for name, code in results.items()
        if any(fnmatchcase(name, pattern) for pattern in target.mutant_patterns)
    }


def mutate(target: Target, equivalent: dict[str, str]) -> Score:
    # Stats are taken with the target's own selection, so each module is mapped to its tests.
    (WORKSPACE / "mutmut-stats.json").unlink(missing_ok=True)
    mutmut = Path(sys.executable).with_name("mutmut")
    started = time.monotonic()
    # The tests run inside mutants/, on its copy of tests/ (the plugin lives there too).
    environment = {SELECTION: ",".join(target.tests), "PYTHONPATH": str(WORKSPACE.resolve())}
    subprocess.run(
        [mutmut, "run", "--max-children", "1", *target.mutant_patterns],
        env=os.environ | environment,
        check=True,
    )
    seconds = time.monotonic() - started
    results = _results(target)
    survivors = {name for name, code in results.items() if code not in KILLED}
    return Score(
        target=target,
        killed=len(results) - len(survivors),
        total=len(results),
        equivalent=sorted(survivors & equivalent.keys()),
        survivors=sorted(survivors - equivalent.keys()),
        stale=sorted((equivalent.keys() & results.keys()) - survivors),
        seconds=seconds,
    )


def report(scores: Iterable[Score]) -> None:
    print("\nMutation scores (killed / (mutants - equivalent)):")
    for score in scores:
        print(
            f"  {score.target.name:40} {score.killed:4} / ({score.total:4} -"
            f" {len(score.equivalent):2} equivalent) = {score.percent:5.1f}%"
            f"   in {score.seconds / 60:.1f} min"
        )
        for name in score.survivors:
            print(f"      survived: {name}")
        for name in score.stale:
            print(f"      listed as equivalent but killed (remove it): {name}")


def _functions_by_module(names: list[str]) -> dict[str, list[str]]:
    """`module` or `module:function` names: the functions named for each module."""
    functions: dict[str, list[str]] = {}
    for name in names:
        module, _, function = name.partition(":")
        functions.setdefault(module, []).extend([function] if function else [])
    return functions


def main(names: list[str]) -> None:
    functions = _functions_by_module(names)
    # The targets named (all if none), each narrowed to the functions named with it.
    chosen = [
        replace(
            target,
            functions=tuple(
                f for module in sorted(target.modules) for f in functions.get(module, [])
            ),
        )
        for target in TARGETS
        if not names or functions.keys() & target.modules
    ]
    unknown = functions.keys() - {module for target in TARGETS for module in target.modules}
    if unknown:
        sys.exit(f"unknown modules: {', '.join(sorted(unknown))}")
    mutated = set(
        tomllib.loads(Path("pyproject.toml").read_text())["tool"]["mutmut"]["only_mutate"]
    )
    unlisted = {source for target in chosen for source in target.sources} - mutated
    if unlisted:
        sys.exit(f"not in [tool.mutmut] only_mutate: {', '.join(sorted(unlisted))}")
    # A fresh copy of the project: mutmut copies a source it does not mutate only once.
    shutil.rmtree(WORKSPACE, ignore_errors=True)
    WORKSPACE.mkdir()  # before mutmut starts, whose sys.path (PYTHONPATH) names it
    equivalent = tomllib.loads(EQUIVALENT.read_text())
    report([mutate(target, equivalent) for target in chosen])


if __name__ == "__main__":
    main(sys.argv[1:])
