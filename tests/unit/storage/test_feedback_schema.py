"""No column of the feedback table can identify a person or follow submission order."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from storage.db import Database
from storage.feedback import record_answer
from storage.tables import FeedbackAnswer, FeedbackReceipt, Person, Programme

# Every column the answers table may have, and nothing else: what was answered, about
# which programme, by which role and priority track (coarse, shared by many people), in
# which (coarse) week.
ALLOWED = {
    "id",
    "programme_id",
    "role",
    "track",
    "period",
    "survey",
    "usefulness",
    "recommend",
    "comment",
}
# Coarse attributes are short labels, never free text that could name someone.
COARSE = {"role": 8, "track": 80, "period": 8, "survey": 16}
TIME_TYPES = ("DATE", "TIME", "TIMESTAMP")


async def _schema(db: Database) -> dict[str, Any]:
    async with db.engine.connect() as conn:

        def read(sync_conn: Any) -> dict[str, Any]:
            inspector = inspect(sync_conn)
            return {
                "columns": inspector.get_columns("feedback_answer"),
                "foreign_keys": inspector.get_foreign_keys("feedback_answer"),
                "primary_key": inspector.get_pk_constraint("feedback_answer"),
                "tables": inspector.get_table_names(),
            }

        return await conn.run_sync(read)


async def test_the_answers_table_has_no_column_that_points_to_a_person(db: Database) -> None:
    schema = await _schema(db)
    names = {c["name"] for c in schema["columns"]}
    assert names == ALLOWED, f"unexpected columns: {names ^ ALLOWED}"
    for column in schema["columns"]:
        if column["name"] in COARSE:
            length = getattr(column["type"], "length", None)
            assert length is not None, f"{column['name']} is unbounded text"
            assert length <= COARSE[column["name"]], f"{column['name']} is too long"
            assert column["nullable"] or column["name"] in {"period", "survey"}
    referred = {fk["referred_table"] for fk in schema["foreign_keys"]}
    assert referred <= {"programme"}  # no person, pair, check-in, outbox or message id
    for column in schema["columns"]:
        kind = str(column["type"]).upper()
        assert not any(t in kind for t in TIME_TYPES), f"{column['name']} holds a precise time"
        assert column.get("autoincrement") is not True, f"{column['name']} auto-increments"
        assert column.get("identity") is None, f"{column['name']} is an identity column"
        default = str(column.get("default") or "")
        assert "nextval" not in default, f"{column['name']} follows a sequence"
    assert schema["primary_key"]["constrained_columns"] == ["id"]
    id_type = next(c["type"] for c in schema["columns"] if c["name"] == "id")
    assert "CHAR" in str(id_type).upper()  # a random text key, not a counter


async def test_keys_do_not_follow_submission_order(db: Database) -> None:
    async with db.session() as session:
        programme = Programme(name="P")
        people = [Person(platform="local", workspace="T1", user_id=f"U{i}") for i in range(40)]
        session.add_all([programme, *people])
        await session.flush()
        assert programme.id is not None
        for i, person in enumerate(people):
            assert person.id is not None
            await record_answer(
                session,
                person_id=person.id,
                survey_key="adhoc:1:2026-W48",
                period="2026-W48",
                programme_id=programme.id,
                role="mentor",
                survey="adhoc",
                usefulness=1 + i % 5,
                recommend=i % 11,
                comment=f"answer number {i:02d}",
            )
    async with db.session() as session:
        stored = (await session.exec(select(FeedbackAnswer).order_by(FeedbackAnswer.id))).all()
        receipts = (await session.exec(select(FeedbackReceipt))).all()
    in_key_order = [a.comment or "" for a in stored]
    assert len(in_key_order) == 40 and len(receipts) == 40
    # 40 random keys in submission order: a chance of 1 in 40! (≈ 10⁻⁴⁸).
    assert in_key_order != sorted(in_key_order)
    assert len({a.id for a in stored}) == 40
    assert all(len(a.id) == 32 for a in stored)


async def test_sqlite_keeps_no_hidden_row_number(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("PostgreSQL has no implicit rowid column")
    async with db.engine.connect() as conn:
        with pytest.raises(DBAPIError, match="rowid"):
            await conn.execute(text("SELECT rowid FROM feedback_answer"))
        sql = (
            await conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'feedback_answer'"))
        ).scalar_one()
    assert "WITHOUT ROWID" in sql.upper()
