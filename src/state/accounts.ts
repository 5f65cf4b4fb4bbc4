import { asc, eq } from 'drizzle-orm';
import { accounts } from '../../db/schema/index.js';
import { notFound } from '../http/errors.js';
import type { Resource } from '../access/resources.js';
import type { StoreContext } from './context.js';
import type { Actor } from './datasets/index.js';

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

  private resource(a: AccountRow): Resource {
    return { type: 'account', id: a.id, name: a.displayName, ownerIds: [a.ownerId] };
  }

  /** The account, if the principal owns it or manages all content (404 / 403 otherwise). */
  get(id: number, actor: Actor): AccountRow {
    const a = this.find(id);
    if (!a) throw notFound(`Account ${id} not found`);
    this.ctx.access.require(actor, 'account.read', this.resource(a));
    return a;
  }

  list(actor: Actor): AccountRow[] {
    const all = this.ctx.orm.select().from(accounts).orderBy(asc(accounts.id)).all();
    return all.filter((a) => this.ctx.access.can(actor, 'account.read', this.resource(a)));
  }

  create(input: { displayName: string; accountType: string; dataProviderType?: string }, actor: Actor): AccountRow {
    this.ctx.access.require(actor, 'account.create');
    const id = this.ctx.ids.numeric();
    const now = this.ctx.clock.nowMs();
    this.ctx.audit.write(actor, { action: 'CREATED', type: 'ACCOUNT', id, name: input.displayName }, () =>
      this.ctx.orm
        .insert(accounts)
        .values({
          id,
          displayName: input.displayName,
          accountType: input.accountType,
          dataProviderType: input.dataProviderType ?? input.accountType.toLowerCase(),
          status: 'Active',
          ownerId: actor.userId,
          created: now,
          modified: now,
        })
        .run(),
    );
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
