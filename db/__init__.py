"""Database layer: SQLAlchemy models shared by client and server, engine setup, migrations.

`db` never imports `app`, `ui`, `sync` or `server`.
"""
