"""The joinable subject forms, by range of the hard rules, kept in memory from the database.

Forms are only ever added (never changed or removed), and writers are serialised, so a form's id
says when it was committed: reading the forms stored after the last one seen brings an index up to
date. What it holds is what the database held when it last caught up; a reader wanting every form
reads those stored after `last_seen` from the database as well (`repository.candidates`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from service.domain import matching
from service.domain.matching import Subject
from service.storage import repository as repo
from service.storage.db import WRITERS_TURN

RangeKey = tuple[str, str, date | None]  # measure, pins, event date: what the hard rules compare

# Set in a session's info once its transaction may hold a form of its own: a form is written by
# `repository.add_form`, which sets it, or through the ORM, by a flush. (The importer writes its
# forms past both, and keeps an index of its own.)
_WROTE = repo.FORMS_WRITTEN


# Set in a session's info when an index caught up in it while it held the writers' turn and it has
# written nothing since: the index then holds every form the session can see (`complete_for`).
_COMPLETE = "ceksilang.forms_complete"


@event.listens_for(Session, "after_flush")
def _wrote(session: Session, flush_context: object) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
        session.info.pop(_COMPLETE, None)


@dataclass
class FormRange:
    """The joinable forms under one set of hard-rule values, in the order they were stored."""

    forms: list[str] = field(default_factory=list)
    group_ids: list[int] = field(default_factory=list)


@dataclass
class LookupRange(FormRange):
    """A range that also answers which group has a form, and whether a group has it (the importer)."""

    exact: dict[str, int] = field(default_factory=dict)  # form -> lowest group id with it
    pairs: set[tuple[int, str]] = field(default_factory=set)  # (group id, form)


class FormIndex:
    """Every stored joinable form, by range of the hard rules (see the module); with `lookups`,
    also by form and by group (`has`, `best`: the importer's questions; about twice the memory)."""

    def __init__(self, *, lookups: bool = False) -> None:
        self._range: type[FormRange] = LookupRange if lookups else FormRange
        self.ranges: dict[RangeKey, FormRange] = {}
        self.last_seen = 0
        self._catching_up = threading.Lock()

    def catch_up(self, session: Session) -> None:
        """Read the forms stored since the last one seen, in a transaction that has written
        nothing yet: only committed forms may be read in (a form its transaction may still roll
        back would stay here, its id given to another). In one that has, nothing is read."""
        if session.info.get(_WROTE):
            return
        with self._catching_up:
            for row in repo.joinable_forms_after(session, self.last_seen):
                self.add((row.measure, row.pins, row.event_date), row.group_id, row.form)
                self.last_seen = row.id
            if session.info.get(WRITERS_TURN):
                session.info[_COMPLETE] = self

    def complete_for(self, session: Session) -> bool:
        """Whether this index holds every form the session can see: it caught up in the session's
        transaction under the writers' turn (no one else has committed a form since), and the
        session has written nothing since (no form of its own that the index lacks)."""
        return session.info.get(_COMPLETE) is self and not session.info.get(_WROTE)

    def add(self, key: RangeKey, group_id: int, form: str) -> None:
        found = self.ranges.get(key)
        if found is None:
            found = self.ranges[key] = self._range()
        found.forms.append(form)
        found.group_ids.append(group_id)
        if isinstance(found, LookupRange):
            found.pairs.add((group_id, form))
            if group_id < found.exact.get(form, group_id + 1):
                found.exact[form] = group_id

    def under(self, key: RangeKey) -> FormRange | None:
        return self.ranges.get(key)

    def _lookup(self, key: RangeKey) -> LookupRange | None:
        found = self.ranges.get(key)
        assert found is None or isinstance(found, LookupRange), "an index made with lookups=True"
        return found

    def has(self, key: RangeKey, group_id: int, form: str) -> bool:
        found = self._lookup(key)
        return found is not None and (group_id, form) in found.pairs

    def best(self, subject: Subject, measure: str, event_date: date | None) -> tuple[int, float] | None:
        """The group POST would join (the best joinable match over the threshold), with its score."""
        if subject.generic:
            return None
        found = self._lookup((measure, subject.pins, event_date))
        if found is None:
            return None
        if subject.form in found.exact:  # only the very same form scores 1.0
            return found.exact[subject.form], 1.0
        reach = matching.within_reach(subject.form, found.forms, matching.JOIN_THRESHOLD)
        candidates = (
            matching.Candidate(found.group_ids[i], found.forms[i], measure, event_date, subject.pins, False)
            for i in reach
        )
        join = matching.rank(subject, measure, event_date, candidates).join
        return None if join is None else (join.group_id, join.similarity)
