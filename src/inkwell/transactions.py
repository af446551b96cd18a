"""Work that follows a database transaction's outcome: notifications, emails, cache and search
updates run only once the transaction really committed; cleanup runs only if it did not.

A service registers a hook on the session it was given, never on the request:

    after_commit(session, partial(notify_followers, post_id))
    after_rollback(session, partial(storage.delete, new_key))

The owner of the session (the request's `DbSession`, or `settled_hooks` in scripts and tests)
attaches `TransactionHooks` to it and runs the due hooks once the session is done. The
outcome is what the database did, not whether the code raised: a COMMIT that failed, a
rollback, or a session closed without committing all count as "not committed". Hooks
belong to the outermost transaction: a savepoint released or rolled back decides nothing.
"""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from enum import Enum, auto

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

logger = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[object]]

_SESSION_KEY = "inkwell.transaction_hooks"


class _Outcome(Enum):
    COMMITTED = auto()
    NOT_COMMITTED = auto()


class TransactionHooks:
    """The hooks of one session's transactions: each waits for its transaction to end, and
    becomes due if the outcome is the one it waits for. Due hooks run in registration order
    when `run_due` is called, each on its own: a failure is logged and the rest still run."""

    def __init__(self) -> None:
        self._listening = False
        self._waiting: list[tuple[_Outcome, Hook]] = []
        self._due: list[Hook] = []
        self._committed = False

    def follow(self, session: AsyncSession) -> None:
        """Attaches to `session`: `after_commit` and `after_rollback` reach these hooks."""
        session.info[_SESSION_KEY] = self

    def _register(self, session: Session, outcome: _Outcome, hook: Hook) -> None:
        # Listening starts with the first hook: most requests register none.
        if not self._listening:
            event.listen(session, "after_commit", self._on_commit)
            event.listen(session, "after_transaction_end", self._on_transaction_end)
            self._listening = True
        self._waiting.append((outcome, hook))

    def _on_commit(self, session: Session) -> None:
        # Fired for a savepoint's RELEASE too: only the outermost COMMIT makes data durable.
        if not session.in_nested_transaction():
            self._committed = True

    def _on_transaction_end(self, _: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            self._settle(_Outcome.COMMITTED if self._committed else _Outcome.NOT_COMMITTED)

    def _settle(self, outcome: _Outcome) -> None:
        self._due += [hook for awaited, hook in self._waiting if awaited is outcome]
        self._waiting.clear()
        self._committed = False

    async def run_due(self) -> None:
        """Runs what the ended transactions made due. Hooks still waiting belong to a
        transaction that never ended here: it did not commit."""
        self._settle(_Outcome.NOT_COMMITTED)
        due, self._due = self._due, []
        for hook in due:
            try:
                await hook()
            except Exception:
                logger.exception("transaction hook %r failed", hook)


def _hooks_of(session: AsyncSession) -> TransactionHooks:
    hooks = session.info.get(_SESSION_KEY)
    if not isinstance(hooks, TransactionHooks):
        raise RuntimeError(
            "nothing runs this session's transaction hooks: use the request's DbSession, "
            "or open the session inside `settled_hooks`"
        )
    return hooks


def after_commit(session: AsyncSession, hook: Hook) -> None:
    """`hook` runs once `session`'s transaction has really committed (for a request: after
    its response was sent), and never if it rolls back or its COMMIT fails."""
    _hooks_of(session)._register(session.sync_session, _Outcome.COMMITTED, hook)


def after_rollback(session: AsyncSession, hook: Hook) -> None:
    """`hook` runs if `session`'s transaction ends without committing (rolled back, its
    COMMIT failed, or never committed): for undoing what was done outside the database."""
    _hooks_of(session)._register(session.sync_session, _Outcome.NOT_COMMITTED, hook)


async def _settling_hooks(session: AsyncSession) -> AsyncIterator[None]:
    hooks = TransactionHooks()
    hooks.follow(session)
    try:
        yield
    finally:
        await hooks.run_due()


# Outside a request: `session` takes hooks inside, and the due ones run on leaving.
settled_hooks = asynccontextmanager(_settling_hooks)
