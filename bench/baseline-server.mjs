// Baseline for bench/throughput.ts and bench/startup.ts: a bare Hono route on @hono/node-server doing
// one SQLite primary-key select. Plain JavaScript so it starts as fast as it can.
import { serve } from '@hono/node-server';
import Database from 'better-sqlite3';
import { Hono } from 'hono';

const db = new Database(':memory:');
db.exec('create table users (id integer primary key, display_name text, email text, role_id integer)');
db.prepare('insert into users values (?, ?, ?, ?)').run(587894148, 'Bryan Van Kampen', 'bryan.vankampen@example.com', 3);
const byId = db.prepare('select id, display_name as displayName, email as emailAddress, role_id as roleId from users where id = ?');

const app = new Hono();
app.get('/_emulator/health', (c) => c.json({ status: 'ok' }));
app.get('/api/identity/v1/users/:id', (c) => {
  const row = byId.get(Number(c.req.param('id')));
  return row ? c.json({ users: [row] }) : c.json({ status: 404 }, 404);
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`domo-emulator listening on http://127.0.0.1:${info.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
