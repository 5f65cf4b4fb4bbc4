import { asc, eq } from 'drizzle-orm';
import { accounts } from '../../db/schema/index.js';
import { forbidden, notFound } from '../http/errors.js';
import type { StoreContext } from './context.js';
import type { Actor } from './datasets.js';

export type AccountRow = typeof accounts.$inferSelect;

export interface AccountSeed {
  id: number;
  displayName: string;
  accountType?: string;
  dataProviderType: string;
  ownerId: number;
  status?: string;
}

/** Data accounts: the credentials a connector (stream) uses. Owners and admins see them. */
export class AccountsStore {
  constructor(private readonly ctx: StoreContext) {}

  find(id: number): AccountRow | undefined {
    return this.ctx.orm.select().from(accounts).where(eq(accounts.id, id)).get();
  }

  /** The account, if the actor owns it or is an admin (404 / 403 otherwise). */
  get(id: number, actor: Actor): AccountRow {
    const a = this.find(id);
    if (!a) throw notFound(`Account ${id} not found`);
    if (!actor.admin && a.ownerId !== actor.id) throw forbidden(`User ${actor.id} has no access to account ${id}`);
    return a;
  }

  list(actor: Actor): AccountRow[] {
    const q = this.ctx.orm.select().from(accounts);
    return (actor.admin ? q : q.where(eq(accounts.ownerId, actor.id))).orderBy(asc(accounts.id)).all();
  }

  create(input: { displayName: string; accountType: string; dataProviderType?: string }, actor: Actor): AccountRow {
    const id = this.ctx.ids.numeric();
    const now = this.ctx.clock.nowMs();
    this.ctx.orm
      .insert(accounts)
      .values({
        id,
        displayName: input.displayName,
        accountType: input.accountType,
        dataProviderType: input.dataProviderType ?? input.accountType.toLowerCase(),
        status: 'Active',
        ownerId: actor.id,
        created: now,
        modified: now,
      })
      .run();
    return this.find(id)!;
  }

  view(a: AccountRow): Record<string, unknown> {
    return {
      accountId: a.id,
      id: a.id,
      displayName: a.displayName,
      status: a.status,
      accountType: a.accountType,
      dataProviderType: a.dataProviderType,
      ownerId: a.ownerId,
      createdAt: a.created,
      modifiedAt: a.modified,
    };
  }

  seed(list: AccountSeed[]): void {
    const now = this.ctx.clock.nowMs();
    for (const a of list) {
      this.ctx.orm
        .insert(accounts)
        .values({
          id: a.id,
          displayName: a.displayName,
          accountType: a.accountType ?? 'Standard',
          dataProviderType: a.dataProviderType,
          status: a.status ?? 'Active',
          ownerId: a.ownerId,
          created: now,
          modified: now,
        })
        .run();
    }
  }
}
