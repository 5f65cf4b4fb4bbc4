import { and, eq } from 'drizzle-orm';
import { datasetPermissions, datasets } from '../../../db/schema/index.js';
import { badRequest } from '../../http/errors.js';
import type { Resource } from '../../access/resources.js';
import { DatasetsCore } from './core.js';
import { type DatasetRow, type Actor, type AccessLevel, levelRank } from './common.js';

/** Sharing: the permissions list, share and revoke. */
export abstract class DatasetPermissions extends DatasetsCore {
  // ---------------------------------------------------------------- sharing

  permissions(id: string, actor: Actor): Record<string, unknown> {
    const ds = this.access(id, actor, 'read');
    const rows = this.ctx.orm.select().from(datasetPermissions).where(eq(datasetPermissions.datasetSeq, ds.seq)).all();
    const list = rows
      .map((r) => ({
        type: r.principalType,
        id: String(r.principalId),
        accessLevel: r.accessLevel,
        name: this.principalName(r.principalType, r.principalId),
        rank: levelRank[r.accessLevel as AccessLevel] ?? 0,
      }))
      .sort((a, b) => b.rank - a.rank || a.type.localeCompare(b.type) || Number(a.id) - Number(b.id))
      .map(({ rank: _rank, ...rest }) => rest);
    return {
      list,
      totalUserCount: rows.filter((r) => r.principalType === 'USER').length,
      totalGroupCount: rows.filter((r) => r.principalType === 'GROUP').length,
    };
  }

  /**
   * Grants access. All principals are checked first; a non-admin cannot grant more than their own level.
   * Returns who was granted what, with the email addresses to notify.
   */
  share(
    id: string,
    grants: Array<{ type: 'USER' | 'GROUP'; id: number; accessLevel: AccessLevel }>,
    actor: Actor,
  ): { dataset: DatasetRow; granted: Array<{ type: string; id: number; accessLevel: AccessLevel; name: string; emails: string[] }> } {
    const ds = this.access(id, actor, 'share');
    const res = this.resource(ds);
    const granted = grants.map((g, i) => {
      const emails = this.principalEmails(g.type, g.id, `body.permissions[${i}].id`);
      this.assertWithin(res, g.type, g.id, [g.accessLevel], actor);
      return { ...g, name: this.principalName(g.type, g.id) ?? '', emails };
    });
    const now = this.ctx.clock.nowMs();
    this.ctx.sqlite.transaction(() => {
      for (const g of grants) {
        const cur = this.grantOf(ds.seq, g.type, g.id);
        if (cur === 'OWNER') continue;
        this.ctx.orm
          .insert(datasetPermissions)
          .values({ datasetSeq: ds.seq, principalType: g.type, principalId: g.id, accessLevel: g.accessLevel, created: now })
          .onConflictDoUpdate({
            target: [datasetPermissions.datasetSeq, datasetPermissions.principalType, datasetPermissions.principalId],
            set: { accessLevel: g.accessLevel },
          })
          .run();
      }
      this.ctx.orm.update(datasets).set({ lastTouched: now }).where(eq(datasets.seq, ds.seq)).run();
      this.ctx.audit.record(actor, { action: 'SHARED', type: 'DATA_SOURCE', id: ds.id, name: ds.name, detail: ` with ${grants.map((g) => `${g.type} ${g.id} (${g.accessLevel})`).join(', ')}` });
    })();
    return { dataset: ds, granted };
  }

  /** Removes principals' access (the owner's cannot be removed). All are checked before anything changes. */
  revoke(id: string, principals: Array<{ type: 'USER' | 'GROUP'; id: number }>, actor: Actor): void {
    const ds = this.access(id, actor, 'share');
    const res = this.resource(ds);
    principals.forEach((p, i) => {
      this.principalEmails(p.type, p.id, principals.length > 1 ? `body[${i}].id` : 'path.userId');
      if (this.grantOf(ds.seq, p.type, p.id) === 'OWNER') {
        throw badRequest(`${p.type} ${p.id} owns DataSet ${id}; the owner's access cannot be removed`, [
          { path: principals.length > 1 ? `body[${i}].id` : 'path.userId', message: 'Owner' },
        ]);
      }
      this.assertWithin(res, p.type, p.id, [], actor);
    });
    this.ctx.sqlite.transaction(() => {
      for (const p of principals) {
        this.ctx.orm
          .delete(datasetPermissions)
          .where(
            and(eq(datasetPermissions.datasetSeq, ds.seq), eq(datasetPermissions.principalType, p.type), eq(datasetPermissions.principalId, p.id)),
          )
          .run();
      }
      this.ctx.orm.update(datasets).set({ lastTouched: this.ctx.clock.nowMs() }).where(eq(datasets.seq, ds.seq)).run();
      this.ctx.audit.record(actor, { action: 'UNSHARED', type: 'DATA_SOURCE', id: ds.id, name: ds.name, detail: ` for ${principals.map((p) => `${p.type} ${p.id}`).join(', ')}` });
    })();
  }

  /**
   * Nobody hands out rights they lack: a share given (`levels`) and the share it replaces or removes may
   * be no stronger than the caller's own access (a CAN_SHARE user cannot grant CAN_EDIT or demote a CO_OWNER).
   */
  protected assertWithin(res: Resource, type: string, id: number, levels: string[], actor: Actor): void {
    const cur = res.grants?.find((g) => g.type === type && Number(g.id) === id)?.perms ?? [];
    this.ctx.access.requireWithin(actor, 'dataset.share', res, [...levels, ...cur.filter((l) => l !== 'OWNER')]);
  }

  protected grantOf(seq: number, type: string, id: number): string | undefined {
    return this.ctx.orm
      .select({ l: datasetPermissions.accessLevel })
      .from(datasetPermissions)
      .where(and(eq(datasetPermissions.datasetSeq, seq), eq(datasetPermissions.principalType, type), eq(datasetPermissions.principalId, id)))
      .get()?.l;
  }
}
