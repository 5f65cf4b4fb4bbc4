/**
 * DomoStats reports computed from the instance's real state: what a DomoStats connector stream loads
 * (configuration `report`) and what Remote DomoStats jobs write to their metrics dataset.
 */
import type { Cell } from '../engines/csv.js';
import type { ColumnType } from '../engines/sql/types.js';
import type { StoreContext } from './context.js';

export interface Report {
  columns: Array<{ name: string; type: ColumnType }>;
  rows: Cell[][];
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '');

/** Instance-wide counts: one row per metric (what a Remote DomoStats job collects). */
const METRICS: Array<[string, string]> = [
  ['Users', 'SELECT count(*) FROM users'],
  ['Groups', 'SELECT count(*) FROM groups'],
  ['Roles', 'SELECT count(*) FROM roles'],
  ['DataSets', 'SELECT count(*) FROM datasets'],
  ['Cards', 'SELECT count(*) FROM cards'],
  ['Pages', 'SELECT count(*) FROM pages'],
  ['AppDB Collections', 'SELECT count(*) FROM appdb_collections'],
  ['Data Files', 'SELECT count(*) FROM data_files'],
  ['FileSets', 'SELECT count(*) FROM filesets'],
  ['Alerts', 'SELECT count(*) FROM alerts'],
  ['Report Schedules', 'SELECT count(*) FROM report_schedules'],
  ['Activity Log Events', 'SELECT count(*) FROM activity_log'],
];

export const domostatsReports = ['activity_log', 'users', 'datasets', 'instance_metrics'] as const;

export class DomoStatsReports {
  constructor(private readonly ctx: StoreContext) {}

  /** A report by name, or null when the emulator does not know it. */
  report(name: string): Report | null {
    const db = this.ctx.sqlite;
    switch (name.toLowerCase()) {
      case 'activity_log': {
        const rows = db
          .prepare('SELECT time, user_id AS userId, user_name AS userName, action_type AS action, object_type AS objectType, object_name AS objectName FROM activity_log ORDER BY time, id')
          .all() as Array<{ time: number; userId: number; userName: string; action: string; objectType: string; objectName: string | null }>;
        return {
          columns: [
            { name: 'Event Time', type: 'DATETIME' },
            { name: 'Event Date', type: 'DATE' },
            { name: 'User ID', type: 'LONG' },
            { name: 'User Name', type: 'STRING' },
            { name: 'Action', type: 'STRING' },
            { name: 'Object Type', type: 'STRING' },
            { name: 'Object Name', type: 'STRING' },
            { name: 'Duration Seconds', type: 'DECIMAL' },
          ],
          rows: rows.map((r) => [iso(r.time), iso(r.time).slice(0, 10), r.userId, r.userName, r.action, r.objectType, r.objectName ?? '', null]),
        };
      }
      case 'users': {
        const rows = db.prepare('SELECT u.id, u.display_name AS name, u.email_address AS email, r.name AS role FROM users u LEFT JOIN roles r ON r.id = u.role_id ORDER BY u.id').all() as Array<{
          id: number;
          name: string;
          email: string;
          role: string | null;
        }>;
        return {
          columns: [
            { name: 'User ID', type: 'LONG' },
            { name: 'Display Name', type: 'STRING' },
            { name: 'Email', type: 'STRING' },
            { name: 'Role', type: 'STRING' },
          ],
          rows: rows.map((r) => [r.id, r.name, r.email, r.role ?? '']),
        };
      }
      case 'datasets': {
        const rows = db.prepare('SELECT id, name, owner_id AS ownerId, data_provider_type AS provider FROM datasets ORDER BY name, id').all() as Array<{
          id: string;
          name: string;
          ownerId: number;
          provider: string;
        }>;
        return {
          columns: [
            { name: 'DataSet ID', type: 'STRING' },
            { name: 'DataSet Name', type: 'STRING' },
            { name: 'Owner ID', type: 'LONG' },
            { name: 'Provider', type: 'STRING' },
          ],
          rows: rows.map((r) => [r.id, r.name, r.ownerId, r.provider]),
        };
      }
      case 'instance_metrics': {
        const at = iso(this.ctx.clock.nowMs());
        return {
          columns: [
            { name: 'Metric', type: 'STRING' },
            { name: 'Value', type: 'LONG' },
            { name: 'Collected At', type: 'DATETIME' },
          ],
          rows: METRICS.map(([metric, q]) => [metric, Number(db.prepare(q).pluck().get()), at]),
        };
      }
      default:
        return null;
    }
  }
}
