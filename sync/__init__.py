"""Sync core: wire format, hybrid logical clock, change capture, merge rules and the client's side
of push, pull and snapshot (no Qt; HTTP only in `http_transport`). The contract is written down in
docs/ARCHITECTURE.md ("The sync contract").

Modules: `clock` (HLC), `wire` (Change, validation), `capture` (outbox on every ORM write),
`merge` (pure merge decisions over a store protocol), `pages` (what a pull or a snapshot carries),
`transport` (what the client asks of a transport, its declared capabilities, its failures),
`http_transport` (+ `snapshot_stream`: the transport over HTTP), `events` (what a cycle reports),
`replica` (+ `snapshot_apply`: the local steps: outbox batch, answers, pages, evictions, snapshot
chunks) and `client` (the one sync loop everybody runs). The server's store (push, pull, snapshot
over SQL) is `server.store`, which also holds the in-process transport tests use.

Merge policy per field kind (server side, `sync.merge`). "Concurrent" means: the field's current
server version is newer than the change's `base` for that field and was written by another device.

| kind (how a model says so) | not concurrent | concurrent, same value | concurrent, values differ |
|---|---|---|---|
| plain field (`__sync_kind__ = "record"`) | applied | higher (HLC, device) kept, no review | higher (HLC, device) kept; review item "conflict" with both values, authors, times |
| workflow status (column `info["sync"] == "status"`: Case.status, TaskTarget.status) | applied (a return/reopen whose base is current applies) | kept | the further state (rank) wins, equal rank by HLC; review "status_conflict" (so a return that did not see a newer state goes to review and does not apply) |
| lifecycle (`deleted`, `deletion_gen`) | (gen, deleted) only moves forward: a restore is gen+1, two deletes of one gen are one | — | a stale delete/restore is not applied; review "delete_conflict" |
| delete racing an update | — | — | both kept (record tombstoned, the update's values stored); review "delete_conflict" |
| set element (`"set_element"`: TagAssignment, id = uuid5(subject, tag)) | applied | same | add/remove per element by the lifecycle rule (a re-add is gen+1, so add wins over a concurrent remove); plain fields by HLC; never a review |
| append-only (`"append_only"`: visits, case log, task feedback, audit) | insert once by id | a repeat of the same entry is a no-op | any update or delete is rejected ("append_only") |
| person ID number (`id_type` "01") | a second active person with the same number is accepted and flagged: review "duplicate_id" (once per pair) | | |
| household number (within its village, `region_code`) | a second active household of the village with the same number is accepted and flagged: review "duplicate_hh_no" (once per pair) | | |

A merge of two persons/households is ordinary changes (loser tombstoned with `merged_into`, children
re-pointed); a reviewer's decision is an ordinary new change. Every accepted change, even one whose
values all lost, gets a `server_seq` and bumps the record's version, so every device pulls the
record's winning state again. Deletes never remove rows on the server (tombstones are kept).
"""
