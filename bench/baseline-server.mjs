// Baseline for bench/throughput.ts and bench/startup.ts: a bare Hono route on @hono/node-server doing
// one SQLite primary-key select, no middleware. Plain JavaScript so it starts as fast as it can.
import { serve } from '@hono/node-server';
import Database from 'better-sqlite3';
import { Hono } from 'hono';

// The same user row the emulator serves (same columns), so both answer a payload of the same size.
const db = new Database(':memory:');
db.exec(`create table users (id integer primary key, display_name text, user_name text, email_address text, role_id integer,
  title text, department text, phone_number text, location text, employee_id text, manager_id integer, time_zone text,
  locale text, created integer, modified integer)`);
db.prepare('insert into users values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
  587894148, 'Bryan Van Kampen', 'bryan.vankampen@example.com', 'bryan.vankampen@example.com', 3, 'Data Analyst', 'Analytics',
  '+1 801-555-0101', 'American Fork, UT', 'E1002', 1893952720, 'America/Denver', 'en-US', 1768478400000, 1768478400000,
);
const byId = db.prepare(`select id, display_name as displayName, user_name as userName, email_address as emailAddress, role_id as roleId,
  title, department, phone_number as phoneNumber, location, employee_id as employeeId, manager_id as managerId,
  time_zone as timeZone, locale, created, modified from users where id = ?`);

const app = new Hono();
app.get('/_emulator/health', (c) => c.json({ status: 'ok' }));
// Answers the same JSON body as the emulator (same fields and bytes), so the ratio measures the
// emulator's routing, middleware, auth, validation and store, not a difference in payload.
const attrs = ['title', 'department', 'phoneNumber', 'location', 'employeeId', 'managerId', 'timeZone', 'locale'];
app.get('/api/identity/v1/users/:id', (c) => {
  const row = byId.get(Number(c.req.param('id')));
  if (!row) return c.json({ status: 404 }, 404);
  const attributes = attrs.filter((k) => row[k] != null).map((k) => ({ key: k, values: [row[k]] }));
  attributes.push({ key: 'created', values: [row.created] }, { key: 'lastModified', values: [row.modified] });
  const { id, displayName, userName, roleId, emailAddress } = row;
  return c.json({ users: [{ id, displayName, userName, roleId, emailAddress, attributes }] });
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`domo-emulator listening on http://127.0.0.1:${info.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
