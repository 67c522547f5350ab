// Peer for `python -m bench` (group "pouchdb"): PouchDB replicating the demo township's records.
//   node peer.js serve RECORDS.ndjson   -> an express-pouchdb server (in-memory PouchDB) on a free
//                                          loopback port holding the records; prints {"port": N}
//   node peer.js replicate URL          -> replicates URL into a fresh in-memory PouchDB and prints
//                                          {"seconds": s, "docs": n}
// Loopback only; installed from the npm registry by `npm install` in this folder.
"use strict";
const fs = require("fs");
const readline = require("readline");
const PouchDB = require("pouchdb-core")
  .plugin(require("pouchdb-adapter-memory"))
  .plugin(require("pouchdb-adapter-http"))
  .plugin(require("pouchdb-mapreduce"))
  .plugin(require("pouchdb-replication"));

async function load(db, path) {
  const lines = readline.createInterface({ input: fs.createReadStream(path), crlfDelay: Infinity });
  let batch = [];
  let count = 0;
  for await (const line of lines) {
    if (!line) continue;
    batch.push(JSON.parse(line));
    if (batch.length === 2000) { await db.bulkDocs(batch); count += batch.length; batch = []; }
  }
  if (batch.length) { await db.bulkDocs(batch); count += batch.length; }
  return count;
}

async function serve(path) {
  const express = require("express");
  const MemPouch = PouchDB.defaults({ adapter: "memory" });
  const app = express();
  app.use("/", require("express-pouchdb")(MemPouch, { mode: "minimumForPouchDB", logPath: "/dev/null" }));
  const db = new MemPouch("township");
  const count = await load(db, path);
  const server = app.listen(0, "127.0.0.1", () => {
    process.stdout.write(JSON.stringify({ port: server.address().port, docs: count }) + "\n");
  });
}

async function replicate(url) {
  const local = new PouchDB("replica-" + Date.now(), { adapter: "memory" });
  const started = process.hrtime.bigint();
  const info = await PouchDB.replicate(url, local, { batch_size: 500, batches_limit: 10 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const docs = (await local.info()).doc_count;
  process.stdout.write(JSON.stringify({ seconds, docs, ok: info.ok, written: info.docs_written }) + "\n");
}

const [mode, arg] = process.argv.slice(2);
(mode === "serve" ? serve(arg) : replicate(arg)).catch((err) => {
  process.stderr.write(String(err && err.stack || err) + "\n");
  process.exit(1);
});
