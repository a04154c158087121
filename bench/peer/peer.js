// The PouchDB side of the peer benchmark (tests/benches/peer.rs drives it; docs/benchmarks.md).
//
//   node peer.js serve DIR   express-pouchdb over PouchDB's LevelDB adapter, data in DIR, on
//                            127.0.0.1 (any port); answers "url http://…", serves until stdin closes.
//   node peer.js client      a PouchDB (LevelDB) client taking one command a line on stdin and
//                            answering one line on stdout:
//     load DOCS_JSON DB_DIR          a local database holding these documents (not timed)
//     push REMOTE                    replicate it to REMOTE, timed       -> "done SECONDS DOCS"
//     pull REMOTE DB_DIR             a new database pulling everything   -> "done SECONDS DOCS"
//     photos MANIFEST_JSON REMOTE    attach the photos (not timed), then replicate them, timed
//
// Documents and photos are the same bytes the xuncha side records (written by peer.rs).
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const PouchDB = require('pouchdb');

function lines(onLine) {
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', onLine);
  return rl;
}

function seconds(start) {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function serve(dir) {
  const express = require('express');
  fs.mkdirSync(dir, { recursive: true });
  const ServerDB = PouchDB.defaults({ prefix: path.join(dir, path.sep) });
  const app = express();
  // The routes a replicating PouchDB uses (CouchDB's protocol), nothing else.
  app.use('/', require('express-pouchdb')(ServerDB, {
    mode: 'minimumForPouchDB',
    configPath: path.join(dir, 'config.json'),
    logPath: path.join(dir, 'log.txt'),
  }));
  const server = app.listen(0, '127.0.0.1', () => {
    process.stdout.write(`url http://127.0.0.1:${server.address().port}\n`);
  });
  lines(() => {}).on('close', () => process.exit(0));
}

function client() {
  let local = null;
  const commands = {
    async load(docsJson, dbDir) {
      const docs = JSON.parse(fs.readFileSync(docsJson, 'utf8'));
      local = new PouchDB(dbDir);
      for (let i = 0; i < docs.length; i += 500) {
        const results = await local.bulkDocs(docs.slice(i, i + 500));
        const failed = results.filter((r) => r.error);
        if (failed.length) throw new Error(`load: ${JSON.stringify(failed[0])}`);
      }
      return `ok ${docs.length}`;
    },
    async push(remote) {
      const start = process.hrtime.bigint();
      const r = await local.replicate.to(remote);
      if (!r.ok) throw new Error(`push: ${JSON.stringify(r.errors)}`);
      return `done ${seconds(start)} ${r.docs_written}`;
    },
    async pull(remote, dbDir) {
      const fresh = new PouchDB(dbDir);
      const start = process.hrtime.bigint();
      const r = await fresh.replicate.from(remote);
      if (!r.ok) throw new Error(`pull: ${JSON.stringify(r.errors)}`);
      const took = seconds(start);
      await fresh.close();
      return `done ${took} ${r.docs_written}`;
    },
    async photos(manifestJson, remote) {
      // [{doc_id, file, content_type}]: one photo on each of these documents.
      for (const p of JSON.parse(fs.readFileSync(manifestJson, 'utf8'))) {
        const doc = await local.get(p.doc_id);
        await local.putAttachment(p.doc_id, path.basename(p.file), doc._rev, fs.readFileSync(p.file), p.content_type);
      }
      const start = process.hrtime.bigint();
      const r = await local.replicate.to(remote);
      if (!r.ok) throw new Error(`photos: ${JSON.stringify(r.errors)}`);
      return `done ${seconds(start)} ${r.docs_written}`;
    },
  };
  // One command at a time, in order.
  let queue = Promise.resolve();
  lines((line) => {
    const [name, ...args] = line.trim().split(/\s+/);
    queue = queue.then(async () => {
      try {
        if (!commands[name]) throw new Error(`unknown command ${name}`);
        process.stdout.write(`${await commands[name](...args)}\n`);
      } catch (e) {
        process.stdout.write(`error ${String(e && e.stack ? e.stack : e).replace(/\s+/g, ' ')}\n`);
      }
    });
  }).on('close', () => queue.then(() => (local ? local.close() : null)).then(() => process.exit(0)));
}

const [role, ...args] = process.argv.slice(2);
if (role === 'serve') serve(...args);
else if (role === 'client') client();
else {
  process.stderr.write('usage: node peer.js serve DIR | node peer.js client\n');
  process.exit(2);
}
