"""Publication versions (issue 19): each bump is above every version issued before,
on every scope it names, and never below the clock (a restored database cannot
issue a version a shared cache already holds)."""

import time

from sqlalchemy import select, update

from reviewapp.publication_versions import (
    COUNTER,
    LIST,
    SITE,
    PublicationVersion,
    article_scopes,
    bump,
)


def versions(db) -> dict[str, int]:
    return dict(db.session.execute(select(PublicationVersion.scope,
                                          PublicationVersion.version)).all())


def test_each_bump_is_above_every_earlier_one_on_each_scope_it_names(db):
    first = bump(*article_scopes(7, ["pain medicine"]))
    second = bump(SITE)
    third = bump(*article_scopes(7, ["pain medicine", "sleep"]))
    db.session.commit()
    assert first < second < third
    assert versions(db) == {COUNTER: third, "article:7": third, "tag:pain medicine": third,
                            "tag:sleep": third, LIST: third, SITE: second}


def test_the_counter_never_goes_below_the_clock(db):
    before = time.time_ns() // 1000
    db.session.execute(update(PublicationVersion).where(PublicationVersion.scope == COUNTER)
                       .values(version=5))  # a database restored from an old backup
    db.session.commit()
    issued = bump(SITE)
    db.session.commit()
    assert issued >= before
    assert bump(LIST) > issued


def test_a_bump_belongs_to_its_transaction(db):
    kept = bump(SITE)
    db.session.commit()
    bump(SITE, LIST)
    db.session.rollback()  # the change was refused: readers' pages stay as they were
    assert versions(db)[SITE] == kept and LIST not in versions(db)
