"""Flask + psycopg: the database endpoints, the idiomatic way (a psycopg_pool connection pool,
`request.args`, returned lists and dicts as JSON, `render_template` for the fortunes page)."""

from operator import itemgetter
from typing import Any

import tfb_db
from flask import Flask, render_template, request
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

READ_ROW_SQL = "SELECT randomnumber FROM world WHERE id = %s"
WRITE_ROW_SQL = "UPDATE world SET randomnumber = %s WHERE id = %s"

app = Flask(__name__)
pool = ConnectionPool(
    tfb_db.DATABASE_URL,
    min_size=tfb_db.POOL_SIZE,
    max_size=tfb_db.POOL_SIZE,
    kwargs={"autocommit": True},
    open=True,
)
_by_message = itemgetter("message")


def _queries() -> int:
    return tfb_db.query_count(request.args.get("queries"))


@app.get("/db")
def single_query() -> dict[str, Any]:
    """One random World row."""
    row_id = tfb_db.random_id()
    with pool.connection() as conn:
        row = conn.execute(READ_ROW_SQL, (row_id,)).fetchone()
    return {"id": row_id, "randomNumber": row[0] if row else None}


@app.get("/queries")
def multiple_queries() -> list[dict[str, Any]]:
    """`queries` random World rows, one query each."""
    worlds = []
    with pool.connection() as conn, conn.cursor() as cur:
        for i in tfb_db.random_ids(_queries()):
            row = cur.execute(READ_ROW_SQL, (i,)).fetchone()
            worlds.append({"id": i, "randomNumber": row[0] if row else None})
    return worlds


@app.get("/fortunes")
def fortunes() -> str:
    """Every fortune plus one added at request time, sorted by message, through Jinja2."""
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        rows: list[Any] = cur.execute("SELECT id, message FROM fortune").fetchall()
    rows.append({"id": 0, "message": tfb_db.ADDITIONAL_MESSAGE})
    rows.sort(key=_by_message)
    return render_template("fortunes.html", fortunes=rows)


@app.get("/updates")
def updates() -> list[dict[str, Any]]:
    """`queries` rows read one by one, then given new random numbers in one batch."""
    ids = tfb_db.update_ids(_queries())
    with pool.connection() as conn, conn.cursor() as cur:
        for i in ids:
            cur.execute(READ_ROW_SQL, (i,)).fetchone()
        pairs = [(tfb_db.random_id(), i) for i in ids]
        cur.executemany(WRITE_ROW_SQL, pairs)
    return [{"id": i, "randomNumber": n} for n, i in pairs]
