"""person search keys kept by the server

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 22:45:00

The server now keeps a person's derived search keys (pinyin initials, reversed ID number and phone)
with the same flush hook as a client, because the snapshot sends rows whole (decision 0008). Persons
written before that carry empty keys (only demo-seeded ones were computed); this fills in every
person's keys once, in batches, so no client receives a person its initials search cannot find.
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    from db.search_keys import person_search_keys

    conn = op.get_bind()
    persons = sa.table("persons", sa.column("id"), sa.column("name"), sa.column("id_number"), sa.column("phone"),
                       sa.column("search_initials"), sa.column("search_id_rev"), sa.column("search_phone_rev"))
    last_id = ""
    while True:
        rows = conn.execute(
            sa.select(persons.c.id, persons.c.name, persons.c.id_number, persons.c.phone, persons.c.search_initials,
                      persons.c.search_id_rev, persons.c.search_phone_rev)
            .where(persons.c.id > last_id).order_by(persons.c.id).limit(BATCH)).all()
        if not rows:
            return
        last_id = rows[-1][0]
        changed = []
        for pid, name, id_number, phone, *stored in rows:
            keys = person_search_keys(name or "", id_number, phone)
            if [keys["search_initials"], keys["search_id_rev"], keys["search_phone_rev"]] != stored:
                changed.append({"pid": pid, **keys})
        if changed:
            conn.execute(persons.update().where(persons.c.id == sa.bindparam("pid")).values(
                search_initials=sa.bindparam("search_initials"), search_id_rev=sa.bindparam("search_id_rev"),
                search_phone_rev=sa.bindparam("search_phone_rev")), changed)


def downgrade() -> None:
    pass  # derived data: nothing to undo
