"""Counts the database keeps exact with its own triggers, in the writer's transaction.

A listing that reports how many rows there are, or a profile that shows how many posts an
author wrote, reads a kept number instead of counting rows (bench/NOTES.md step 10). A
domain declares its counts beside its models (`posts/counters.py`) with `KeptCounts`; this
module turns a declaration into the triggers of each dialect:

- PostgreSQL: statement-level triggers over transition tables, so a statement touching
  10,000 rows updates each count once; TRUNCATE skips row triggers, so it has its own.
  Per-parent counts come before totals in every trigger: concurrent writers take the locks
  in one order; a parent table holding two counts of one row (follower and followed) has
  its rows locked in id order first.
- SQLite: row triggers, which also fire for the rows a foreign key's cascade deletes.

A count may count only the rows in a given state (`Counted`: published posts, not drafts);
then an update trigger follows the rows into and out of that state (and from one parent to
another), from the rows as they were and as they are, so concurrent writers changing the
same row count each change once: the second sees the first's row as its old row.

Migrations keep frozen copies of the statements they ran (a migration never changes with
the code); `tests/test_kept_counts.py` compares the database's triggers with these
declarations, so a drift between the two fails.
"""

from dataclasses import dataclass
from typing import Literal

Dialect = Literal["postgresql", "sqlite"]
# event: (transition table, row variable, sign, alias of the grouped changes)
_EVENTS = {
    "insert": ("inserted", "NEW", "+", "added"),
    "delete": ("deleted", "OLD", "-", "removed"),
}


@dataclass(frozen=True, slots=True)
class PerParent:
    """`parent.column` counts the child rows whose `foreign_key` names that parent."""

    parent: str
    column: str
    foreign_key: str


@dataclass(frozen=True, slots=True)
class Total:
    """`table.column` counts all the child rows: in a table of one row, or spread over
    `slots` rows (ids 1 to `slots`) whose sum is the count.

    One row is one lock every writer of the child table waits on, held until its commit.
    Slots spread them: on PostgreSQL a writer adds its change to the first slot no one else
    holds (`SKIP LOCKED`, starting from one picked by its backend's pid, so concurrent
    writers start apart), and only when every slot is held does it wait, for slot 1 (every
    wait is for the same row: two writers cannot wait on each other's slot). Readers sum
    the slots, a handful of rows on one page. SQLite has one writer at a time: it uses
    slot 1.
    """

    table: str
    column: str
    slots: int = 1

    def __post_init__(self) -> None:
        if self.slots < 1:
            raise ValueError("a total has at least one slot")

    def slot(self, dialect: Dialect) -> str:
        """The condition choosing the row a writer changes; nothing for a single row."""
        if self.slots == 1:
            return ""
        if dialect == "sqlite":
            return " WHERE id = 1"
        return (
            f" WHERE {self.table}.id = coalesce((SELECT id FROM {self.table} ORDER BY "
            f"(id + pg_backend_pid()) % {self.slots} LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED), 1)"
        )


@dataclass(frozen=True, slots=True)
class Counted:
    """Only child rows whose `column` holds `value` (a plain word) are counted."""

    column: str
    value: str

    def holds(self, row: str = "") -> str:
        """The condition on a row variable (`NEW.`), or on a transition table's columns."""
        return f"{row}{self.column} = '{self.value}'"


@dataclass(frozen=True, slots=True)
class Trigger:
    """One trigger as the database should hold it, and on PostgreSQL the function it runs."""

    name: str
    create: str
    function: str | None = None
    function_body: str | None = None

    @property
    def statements(self) -> tuple[str, ...]:
        if self.function is None:
            return (self.create,)
        function = (
            f"CREATE FUNCTION {self.function}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$${self.function_body}$$"
        )
        return function, self.create


@dataclass(frozen=True, slots=True)
class KeptCounts:
    """Every count kept of the rows of `child`."""

    child: str
    per_parent: tuple[PerParent, ...]
    totals: tuple[Total, ...] = ()
    counted: Counted | None = None

    def __post_init__(self) -> None:
        """The statements are built from these names: only plain identifiers are accepted."""
        names = [self.child]
        names += [name for count in self.per_parent for name in _names(count)]
        names += [name for total in self.totals for name in _names(total)]
        names += _names(self.counted) if self.counted is not None else ()
        if not all(name.isidentifier() and name.isascii() for name in names):
            raise ValueError(f"kept counts are declared with plain identifiers: {names}")

    def triggers(self, dialect: Dialect) -> tuple[Trigger, ...]:
        if dialect == "postgresql":
            return (
                *(self._statement_trigger(event) for event in _EVENTS),
                *((self._statement_update_trigger(),) if self.counted else ()),
                self._truncate_trigger(),
            )
        return (
            *(self._row_trigger(event) for event in _EVENTS),
            *((self._row_update_trigger(),) if self.counted else ()),
        )

    def create_statements(self, dialect: Dialect) -> tuple[str, ...]:
        return tuple(
            statement for trigger in self.triggers(dialect) for statement in trigger.statements
        )

    def drop_statements(self, dialect: Dialect) -> tuple[str, ...]:
        triggers = self.triggers(dialect)[::-1]
        if dialect == "sqlite":
            return tuple(f"DROP TRIGGER {trigger.name}" for trigger in triggers)
        return (
            *(f"DROP TRIGGER {trigger.name} ON {self.child}" for trigger in triggers),
            *(f"DROP FUNCTION {trigger.function}()" for trigger in triggers),
        )

    def drift(self) -> tuple[str, ...]:
        """Statements (either dialect) each answering how many of the kept counts differ
        from a count of the rows: 0 when all are exact. For a bulk load that wrote the
        counts itself (inkwell.seed), and for tests. Suspended users' rows are out of the
        kept counts (posts.service.count_author), so only a database without them is
        expected to answer 0."""
        where = self._where()
        per_parent = [
            f"SELECT count(*) FROM {count.parent} LEFT JOIN (SELECT {count.foreign_key} AS "
            f"id, count(*) AS counted FROM {self.child}{where} GROUP BY {count.foreign_key}) "
            f"AS rows_ ON rows_.id = {count.parent}.id WHERE {count.parent}.{count.column} "
            f"<> coalesce(rows_.counted, 0)"
            for count in self.per_parent
        ]
        totals = [
            f"SELECT CASE WHEN (SELECT coalesce(sum({total.column}), 0) FROM {total.table}) "
            f"= (SELECT count(*) FROM {self.child}{where}) THEN 0 ELSE 1 END"
            for total in self.totals
        ]
        return (*per_parent, *totals)

    def _trigger_name(self, event: str) -> str:
        return f"{self.child}_counted_on_{event}"

    def _where(self, row: str = "", keyword: str = "WHERE") -> str:
        return f" {keyword} {self.counted.holds(row)}" if self.counted else ""

    def _statement_trigger(self, event: str) -> Trigger:
        rows, _, sign, changed = _EVENTS[event]
        locks = self._parents_locked_in_order(rows)
        where = self._where()
        updates = [
            f"UPDATE {count.parent} SET {count.column} = {count.parent}.{count.column} {sign} "
            f"{changed}.{self.child} FROM (SELECT {count.foreign_key}, count(*) AS {self.child} "
            f"FROM {rows}{where} GROUP BY {count.foreign_key}) AS {changed} "
            f"WHERE {count.parent}.id = {changed}.{count.foreign_key};"
            for count in self.per_parent
        ] + [
            _guarded(
                total,
                f"EXISTS (SELECT 1 FROM {rows}{where})",
                f"UPDATE {total.table} SET {total.column} = {total.column} {sign} "
                f"(SELECT count(*) FROM {rows}{where}){total.slot('postgresql')};",
            )
            for total in self.totals
        ]
        transition = "NEW" if event == "insert" else "OLD"
        return Trigger(
            name=self._trigger_name(event),
            create=(
                f"CREATE TRIGGER {self._trigger_name(event)} AFTER {event.upper()} ON "
                f"{self.child} REFERENCING {transition} TABLE AS {rows} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION count_{rows}_{self.child}()"
            ),
            function=f"count_{rows}_{self.child}",
            function_body=_plpgsql(locks + updates),
        )

    def _parents_locked_in_order(self, rows: str) -> list[str]:
        """Where one parent table holds several counts of a row (a follow counts for the
        follower and for the followed), the rows to change are locked first, in id order:
        A following B while B follows A would otherwise lock A and B in opposite orders and
        deadlock. The lock is FOR NO KEY UPDATE, the one an UPDATE of a count takes, which
        the foreign keys' KEY SHARE locks on the same rows do not block."""
        by_parent: dict[str, list[str]] = {}
        for count in self.per_parent:
            by_parent.setdefault(count.parent, []).append(count.foreign_key)
        return [
            f"PERFORM 1 FROM {parent} WHERE id IN ("
            + " UNION ".join(f"SELECT {key} FROM {rows}" for key in keys)
            + ") ORDER BY id FOR NO KEY UPDATE;"
            for parent, keys in by_parent.items()
            if len(keys) > 1
        ]

    def _statement_update_trigger(self) -> Trigger:
        """Rows counted after the statement, less those counted before, per parent; a count
        that does not change is not written (an edit of a post's title locks no count)."""
        where = self._where()
        updates = [
            f"UPDATE {count.parent} SET {count.column} = {count.parent}.{count.column} + "
            f"changed.{self.child} FROM (SELECT {count.foreign_key}, sum(change) AS {self.child} "
            f"FROM (SELECT {count.foreign_key}, 1 AS change FROM inserted{where} UNION ALL "
            f"SELECT {count.foreign_key}, -1 AS change FROM deleted{where}) AS changes "
            f"GROUP BY {count.foreign_key}) AS changed WHERE {count.parent}.id = "
            f"changed.{count.foreign_key} AND changed.{self.child} <> 0;"
            for count in self.per_parent
        ] + [self._total_updated(total, where) for total in self.totals]
        return Trigger(
            name=self._trigger_name("update"),
            create=(
                f"CREATE TRIGGER {self._trigger_name('update')} AFTER UPDATE ON {self.child} "
                "REFERENCING OLD TABLE AS deleted NEW TABLE AS inserted FOR EACH STATEMENT "
                f"EXECUTE FUNCTION count_updated_{self.child}()"
            ),
            function=f"count_updated_{self.child}",
            function_body=_plpgsql(updates),
        )

    def _total_updated(self, total: Total, where: str) -> str:
        change = f"(SELECT count(*) FROM inserted{where}) - (SELECT count(*) FROM deleted{where})"
        if total.slots == 1:
            return (
                f"UPDATE {total.table} SET {total.column} = {total.column} + "
                f"changed.{self.child} FROM (SELECT {change} AS {self.child}) AS changed "
                f"WHERE changed.{self.child} <> 0;"
            )
        return _guarded(
            total,
            f"{change} <> 0",
            f"UPDATE {total.table} SET {total.column} = {total.column} + {change}"
            f"{total.slot('postgresql')};",
        )

    def _truncate_trigger(self) -> Trigger:
        updates = [
            f"UPDATE {count.parent} SET {count.column} = 0 WHERE {count.column} <> 0;"
            for count in self.per_parent
        ] + [f"UPDATE {total.table} SET {total.column} = 0;" for total in self.totals]
        return Trigger(
            name=self._trigger_name("truncate"),
            create=(
                f"CREATE TRIGGER {self._trigger_name('truncate')} AFTER TRUNCATE ON "
                f"{self.child} FOR EACH STATEMENT EXECUTE FUNCTION "
                f"count_truncated_{self.child}()"
            ),
            function=f"count_truncated_{self.child}",
            function_body=_plpgsql(updates),
        )

    def _row_updates(self, event: str, *, guarded: bool = False) -> list[str]:
        """One row's count going up (insert) or down (delete); `guarded` names the counted
        state in each statement, where the trigger's WHEN cannot (an update's two rows)."""
        _, row, sign, _ = _EVENTS[event]
        guard = self._where(f"{row}.", "AND") if guarded else ""
        return [
            f"UPDATE {count.parent} SET {count.column} = {count.column} {sign} 1 "
            f"WHERE id = {row}.{count.foreign_key}{guard};"
            for count in self.per_parent
        ] + [
            f"UPDATE {total.table} SET {total.column} = {total.column} {sign} 1"
            f"{self._total_where(total, row, guarded=guarded)};"
            for total in self.totals
        ]

    def _total_where(self, total: Total, row: str, *, guarded: bool) -> str:
        """SQLite's slot, and in an update trigger the row's counted state."""
        slot = total.slot("sqlite")
        state = self._where(f"{row}.", "AND" if slot else "WHERE") if guarded else ""
        return f"{slot}{state}"

    def _row_trigger(self, event: str) -> Trigger:
        _, row, _, _ = _EVENTS[event]
        return Trigger(
            name=self._trigger_name(event),
            create=(
                f"CREATE TRIGGER {self._trigger_name(event)} AFTER {event.upper()} ON "
                f"{self.child}{self._where(f'{row}.', 'WHEN')} BEGIN "
                f"{' '.join(self._row_updates(event))} END"
            ),
        )

    def _row_update_trigger(self) -> Trigger:
        """The old row uncounted if it was counted, the new one counted if it is: moving
        from one state or one parent to another."""
        assert self.counted is not None
        columns = [self.counted.column, *(count.foreign_key for count in self.per_parent)]
        changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)
        updates = self._row_updates("delete", guarded=True) + self._row_updates(
            "insert", guarded=True
        )
        return Trigger(
            name=self._trigger_name("update"),
            create=(
                f"CREATE TRIGGER {self._trigger_name('update')} AFTER UPDATE OF "
                f"{', '.join(columns)} ON {self.child} WHEN {changed} BEGIN "
                f"{' '.join(updates)} END"
            ),
        )


def _names(declaration: PerParent | Total | Counted) -> tuple[str, ...]:
    values = (getattr(declaration, field) for field in declaration.__slots__)
    return tuple(value for value in values if isinstance(value, str))


def _guarded(total: Total, condition: str, update: str) -> str:
    """A slotted total is written only when it changes: choosing a slot locks it."""
    if total.slots == 1:
        return update
    return f"IF {condition} THEN {update} END IF;"


def _plpgsql(statements: list[str]) -> str:
    return f" BEGIN {' '.join(statements)} RETURN NULL; END "


def normalized(sql: str) -> str:
    """One statement as the database may echo it back: white space folded, no schema."""
    return " ".join(sql.replace("public.", "").split())
