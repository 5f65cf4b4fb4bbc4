/**
 * Who is calling: built once per request by auth (src/http/auth.ts) and handed to the stores.
 * Nothing else decides who the caller is. Authorities and group ids are read on first use, so a request
 * that asks no permission question (a GET of a user) pays nothing for them.
 */
export type TokenKind = 'developer' | 'session' | 'app' | 'oauth' | 'system';

/** Where a principal's authorities and groups come from (the access policy, over the instance database). */
export interface PrincipalSource {
  authoritiesOf(roleId: number): ReadonlySet<string>;
  groupIdsOf(userId: number): readonly number[];
}

/**
 * The app an app session belongs to (kind `app`): RYUU_APP grants name it by its design id or its proxy id.
 * An app session without one (minted for no particular app) holds every RYUU_APP grant.
 */
export interface AppIdentity {
  id: string;
  proxyId?: string | null;
}

/** One access decision, as the request journal records it. */
export interface Decision {
  action: string;
  object?: string;
  allowed: boolean;
  reason: string;
}

const MAX_DECISIONS = 20;

export class Principal {
  private auth: ReadonlySet<string> | undefined;
  private groups: readonly number[] | undefined;
  /** The explicit checks this request made (require()), for the journal. */
  readonly decisions: Decision[] = [];

  constructor(
    readonly userId: number,
    readonly roleId: number,
    readonly displayName: string,
    readonly tokenKind: TokenKind,
    private readonly source: PrincipalSource,
    /** The HTTP method of the request it acts in (denials say "to PATCH user 123"); '' outside requests. */
    readonly method = '',
    /** An app session's app (null: not an app session, or one that names no app). */
    readonly app: AppIdentity | null = null,
  ) {}

  get authorities(): ReadonlySet<string> {
    return (this.auth ??= this.source.authoritiesOf(this.roleId));
  }

  get groupIds(): readonly number[] {
    return (this.groups ??= this.source.groupIdsOf(this.userId));
  }

  has(authority: string): boolean {
    return this.authorities.has(authority);
  }

  record(d: Decision): void {
    if (this.decisions.length < MAX_DECISIONS) this.decisions.push(d);
  }
}
