"""The SQLite store: versions, history, transactions, source state."""

from __future__ import annotations

import sqlite3

import pytest

from content_sync.models import Mehrsprachig, ObjektRef, Organisationseinheit
from content_sync.store import Counts, Store


def oe(name: str) -> Organisationseinheit:
    return Organisationseinheit(ref=ObjektRef(agency="A", id="OE-1"), namen=Mehrsprachig({"de": name}))


def test_versions_and_history(store_path):
    with Store(store_path) as store, store.transaction():
        run = store.begin_run("test", "t0")
        assert (
            store.upsert(
                "Organisationseinheit", oe("Amt"), key="A:OE-1", source_file="f", now="t0", run_id=run
            )
            == "new"
        )
        assert (
            store.upsert(
                "Organisationseinheit", oe("Amt"), key="A:OE-1", source_file="f", now="t1", run_id=run
            )
            == "unchanged"
        )
        assert (
            store.upsert(
                "Organisationseinheit", oe("Amt 2"), key="A:OE-1", source_file="f", now="t2", run_id=run
            )
            == "changed"
        )
        assert store.delete("Organisationseinheit", "A:OE-1", now="t3", run_id=run)
        assert not store.delete("Organisationseinheit", "A:OE-1", now="t3", run_id=run)
        assert (
            store.upsert(
                "Organisationseinheit", oe("Amt 3"), key="A:OE-1", source_file="f", now="t4", run_id=run
            )
            == "new"
        )
        history = store.history("Organisationseinheit", "A:OE-1")
    assert [(h["version"], h["change"]) for h in history] == [
        (1, "new"),
        (2, "changed"),
        (3, "deleted"),
        (4, "new"),
    ]
    with Store(store_path, readonly=True) as store:
        assert store.get(Organisationseinheit, "A:OE-1").namen.de == "Amt 3"
        assert [o.ref.key for o in store.organisationseinheiten()] == ["A:OE-1"]


def test_transaction_rolls_back_everything(store_path):
    with Store(store_path) as store:
        with pytest.raises(RuntimeError), store.transaction():
            run = store.begin_run("test", "t0")
            store.upsert(
                "Organisationseinheit", oe("Amt"), key="A:OE-1", source_file="f", now="t0", run_id=run
            )
            store.set_source_state("http://x/a.xml", "etag", None, "abc")
            raise RuntimeError("crash in the middle")
        assert store.snapshot() == []
        assert store.runs() == []
        assert store.source_state("http://x/a.xml")["etag"] is None


def test_savepoint_undoes_one_document_only(store_path):
    with Store(store_path) as store, store.transaction():
        run = store.begin_run("test", "t0")
        store.upsert("Organisationseinheit", oe("Amt"), key="A:OE-1", source_file="f", now="t0", run_id=run)
        with pytest.raises(ValueError), store.savepoint():
            store.upsert(
                "Organisationseinheit", oe("Anders"), key="A:OE-1", source_file="g", now="t0", run_id=run
            )
            raise ValueError("broken document")
        assert store.get(Organisationseinheit, "A:OE-1").namen.de == "Amt"


def test_readonly_store_refuses_writes_and_missing_file(store_path):
    with pytest.raises(FileNotFoundError, match="portal sync"):
        Store(store_path, readonly=True)
    Store(store_path).close()
    with Store(store_path, readonly=True) as store, pytest.raises(sqlite3.OperationalError):
        store.db.execute("INSERT INTO meta VALUES ('x', 'y')")


def test_finish_run_records_counts(store_path):
    counts = Counts()
    counts.add("Leistung", "new", 3)
    counts.add("Leistung", "quarantined")
    with Store(store_path) as store:
        with store.transaction():
            run = store.begin_run("src", "t0")
            store.finish_run(run, outcome="ok", finished_at="t1", counts=counts, files=2)
        (r,) = store.runs()
    assert (r.outcome, r.new, r.quarantined, r.files, r.finished_at) == ("ok", 3, 1, 2, "t1")
