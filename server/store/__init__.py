"""The city server's sync store: the server-only tables (`tables`: sync bookkeeping beside the
entity tables), push (`push`: merge first, number last), pull and snapshot (`read`), and a
transport that calls the store in process (`inprocess`, for tests, the simulation and bundles).
Works on SQLite and PostgreSQL."""

from server.store.common import in_scope, init_store, region_in_scope
from server.store.numbering import current_cursor
from server.store.push import SqlMergeStore, parse_one, push
from server.store.read import open_reviews, pull, snapshot_iter
from sync.pages import Page, PulledRecord, SnapshotChunk

__all__ = ["Page", "PulledRecord", "SnapshotChunk", "SqlMergeStore", "current_cursor", "in_scope",
           "init_store", "open_reviews", "parse_one", "pull", "push", "region_in_scope",
           "snapshot_iter"]
