import { readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { dataFilePermissions, dataFileRevisions, dataFiles, fileBlobs, groups, users } from '../../db/schema/index.js';
import type { Action } from '../access/actions.js';
import type { Principal } from '../access/principal.js';
import type { Resource } from '../access/resources.js';
import { clearStaging, promoteSync, removeBlobSync, stageBytesSync, type StagedBlob } from '../engines/blobs.js';
import { badRequest, forbidden, notFound, type ErrorDetail } from '../http/errors.js';
import type { AuditEntry } from './activity.js';
import type { StoreContext } from './context.js';

/** Who is asking: the request's principal. */
export type Caller = Principal;

// ---------------------------------------------------------------------------------------------
// Blobs shared by data files and FileSet files

/**
 * Rows of file_blobs and the bytes they name. A blob is adopted (row inserted, staged bytes moved
 * into place) inside the transaction that inserts its first reference, and collected (row and bytes
 * removed) when its last data-file revision or FileSet file is deleted.
 */
export class BlobRegistry {
  constructor(private readonly ctx: StoreContext) {}

  /** The blob's row (call before inserting rows that refer to it, inside their transaction). */
  register(staged: StagedBlob): void {
    this.ctx.orm
      .insert(fileBlobs)
      .values({ sha256: staged.sha256, md5: staged.md5, size: staged.size, created: this.ctx.clock.nowMs() })
      .onConflictDoNothing()
      .run();
  }

  /**
   * Runs `fn` (which inserts the rows referring to `staged`) in a transaction that first registers
   * the blob and ends by moving the staged bytes to their content address. If the transaction fails
   * after the bytes were moved, bytes nobody refers to are removed again.
   */
  commit<T>(staged: StagedBlob, fn: () => T): T {
    try {
      return this.ctx.sqlite.transaction(() => {
        this.register(staged);
        const out = fn();
        promoteSync(this.ctx.dataDir, staged);
        return out;
      })();
    } catch (e) {
      if (!staged.tempPath) this.collect([staged.sha256]);
      throw e;
    }
  }

  get(sha256: string): { sha256: string; md5: string; size: number } {
    const b = this.ctx.orm.select().from(fileBlobs).where(eq(fileBlobs.sha256, sha256)).get();
    if (!b) throw new Error(`blob ${sha256} is referenced but missing`);
    return b;
  }

  /** Removes the rows and bytes of these blobs when nothing refers to them any more. */
  collect(shas: Iterable<string>): void {
    for (const sha of new Set(shas)) {
      const used = this.ctx.sqlite
        .prepare(
          `select exists(select 1 from data_file_revisions where blob_sha256 = ?)
               or exists(select 1 from fileset_files where blob_sha256 = ?) as used`,
        )
        .get(sha, sha) as { used: number };
      if (used.used) continue;
      this.ctx.orm.delete(fileBlobs).where(eq(fileBlobs.sha256, sha)).run();
      removeBlobSync(this.ctx.dataDir, sha);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Files API

export type Capability = 'READ' | 'WRITE' | 'DELETE' | 'SHARE' | 'ADMIN';
export const OWNER_GRANT = 'READ_WRITE_DELETE_SHARE_ADMIN';
const capAction: Record<Capability, Action> = { READ: 'file.read', WRITE: 'file.update', DELETE: 'file.delete', SHARE: 'file.share', ADMIN: 'file.share' };
export const grantPattern = /^(READ|WRITE|DELETE|SHARE|ADMIN)(_(READ|WRITE|DELETE|SHARE|ADMIN))*$/;

export type Expand = 'revisions' | 'metadata';

export interface RevisionView {
  dataFileRevisionId: number;
  dataFileId: number;
  contentType: string;
  uploadUserId: number;
  sizeBytes: number;
  uploadTimeMillis: number;
  md5Hash: string;
  datetimeUploaded: number;
  scanState: string;
  sha256HashValue: string;
}

export interface DataFileView {
  dataFileId: number;
  name: string;
  responsibleUserId: number;
  currentRevision?: RevisionView;
  datetimeCreated: number;
  revisions: RevisionView[];
  existing: boolean;
  metadata?: { description: string; publicAccess: boolean; fileName: string | null };
}

export interface PermissionEntry {
  entityType: 'USER' | 'GROUP';
  entityId: string;
  grant: string;
  pass: string;
}

export interface PermissionsView {
  publicAccess: boolean;
  entries: PermissionEntry[];
}

/** An upload received by the route: staged bytes plus what the request said about them. */
export interface UploadedBytes extends StagedBlob {
  contentType: string;
  fileName: string | null;
  /** instance-clock time the request started (uploadTimeMillis = commit time - this) */
  startedAt: number;
}

export interface DataFileSeed {
  dataFileId: number;
  name: string;
  description?: string;
  responsibleUserId: number;
  public?: boolean;
  datetimeCreated?: number;
  permissions?: PermissionEntry[];
  revisions: Array<{ dataFileRevisionId: number; file: string; contentType: string; uploadUserId?: number; datetimeUploaded?: number; uploadTimeMillis?: number }>;
}

type FileRow = typeof dataFiles.$inferSelect;
type RevisionRow = typeof dataFileRevisions.$inferSelect;

export interface BlobRef {
  sha256: string;
  size: number;
  contentType: string;
  fileName: string;
}

export class FilesStore {
  readonly blobs: BlobRegistry;

  constructor(private readonly ctx: StoreContext) {
    this.blobs = new BlobRegistry(ctx);
    clearStaging(ctx.dataDir);
  }

  // -- permission checks ------------------------------------------------------------------------

  private row(id: number): FileRow {
    const f = this.ctx.orm.select().from(dataFiles).where(eq(dataFiles.id, id)).get();
    if (!f) throw notFound(`Data file ${id} not found`);
    return f;
  }

  /** A file as the access policy sees it: the responsible user owns it, entries grant, public gives READ. */
  private resource(f: FileRow): Resource {
    const entries = this.ctx.orm.select().from(dataFilePermissions).where(eq(dataFilePermissions.dataFileId, f.id)).all();
    return {
      type: 'file',
      id: f.id,
      name: f.name,
      ownerIds: [f.responsibleUserId],
      everyone: f.publicAccess ? ['READ'] : [],
      grants: entries.map((e) => ({ type: e.entityType, id: e.entityId, perms: e.grant.split('_') })),
    };
  }

  /** What the caller may do with a file. */
  capabilities(f: FileRow, caller: Caller): Set<Capability> {
    return this.ctx.access.permissions(caller, this.resource(f)) as Set<Capability>;
  }

  /**
   * The file, if the caller holds `cap` on it. A file the caller cannot read at all is a 403
   * (Domo answers Forbidden for files it will not show you); one it can read but not change, too.
   */
  private require(id: number, caller: Caller, cap: Capability): FileRow {
    const f = this.row(id);
    const res = this.resource(f);
    if (cap !== 'READ') this.ctx.access.require(caller, 'file.read', res);
    this.ctx.access.require(caller, capAction[cap], res);
    return f;
  }

  /** Checks access before a route streams a body (so a 403/404 does not wait for 100 MB). */
  assertCan(id: number, caller: Caller, cap: Capability): void {
    this.require(id, caller, cap);
  }

  // -- views ------------------------------------------------------------------------------------

  private revisionView(r: RevisionRow): RevisionView {
    const b = this.blobs.get(r.blobSha256);
    return {
      dataFileRevisionId: r.id,
      dataFileId: r.dataFileId,
      contentType: r.contentType,
      uploadUserId: r.uploadUserId,
      sizeBytes: b.size,
      uploadTimeMillis: r.uploadTimeMillis,
      md5Hash: b.md5.toUpperCase(),
      datetimeUploaded: r.uploaded,
      scanState: r.scanState,
      sha256HashValue: b.sha256.toUpperCase(),
    };
  }

  private revisionRows(fileId: number): RevisionRow[] {
    return this.ctx.orm.select().from(dataFileRevisions).where(eq(dataFileRevisions.dataFileId, fileId)).orderBy(asc(dataFileRevisions.uploaded), asc(dataFileRevisions.id)).all();
  }

  private view(f: FileRow, expand: Expand[]): DataFileView {
    const current = f.currentRevisionId === null ? undefined : this.ctx.orm.select().from(dataFileRevisions).where(eq(dataFileRevisions.id, f.currentRevisionId)).get();
    // key order as documented
    const out: DataFileView = { dataFileId: f.id, name: f.name, responsibleUserId: f.responsibleUserId } as DataFileView;
    if (current) out.currentRevision = this.revisionView(current);
    out.datetimeCreated = f.created;
    out.revisions = expand.includes('revisions') ? this.revisionRows(f.id).map((r) => this.revisionView(r)) : [];
    out.existing = false;
    if (expand.includes('metadata')) out.metadata = { description: f.description, publicAccess: f.publicAccess, fileName: current?.fileName ?? null };
    return out;
  }

  // -- reads ------------------------------------------------------------------------------------

  /** Every file the caller can read, optionally only those owned by userId and/or with these ids; ascending id. */
  list(opts: { userId?: number; dataFileIds?: number[]; expand: Expand[] }, caller: Caller): DataFileView[] {
    const conds = [];
    if (opts.userId !== undefined) conds.push(eq(dataFiles.responsibleUserId, opts.userId));
    if (opts.dataFileIds) {
      if (!opts.dataFileIds.length) return [];
      conds.push(inArray(dataFiles.id, opts.dataFileIds));
    }
    const rows = this.ctx.orm.select().from(dataFiles).where(conds.length ? and(...conds) : undefined).orderBy(asc(dataFiles.id)).all();
    return rows.filter((f) => this.capabilities(f, caller).has('READ')).map((f) => this.view(f, opts.expand));
  }

  details(id: number, expand: Expand[], caller: Caller): DataFileView {
    return this.view(this.require(id, caller, 'READ'), expand);
  }

  private revisionRow(fileId: number, revisionId: number): RevisionRow {
    const r = this.ctx.orm.select().from(dataFileRevisions).where(and(eq(dataFileRevisions.id, revisionId), eq(dataFileRevisions.dataFileId, fileId))).get();
    if (!r) throw notFound(`Revision ${revisionId} of data file ${fileId} not found`);
    return r;
  }

  /** One revision; `-1` is the current one (as Domo's clients ask for it). */
  revision(id: number, revisionId: number, caller: Caller): RevisionView {
    const f = this.require(id, caller, 'READ');
    if (revisionId === -1) {
      if (f.currentRevisionId === null) throw notFound(`Data file ${id} has no current revision`);
      revisionId = f.currentRevisionId;
    }
    return this.revisionView(this.revisionRow(id, revisionId));
  }

  revisions(id: number, caller: Caller): RevisionView[] {
    this.require(id, caller, 'READ');
    return this.revisionRows(id).map((r) => this.revisionView(r));
  }

  /** What a download sends: the current revision, or the given one. `fileName` defaults to the upload's name. */
  download(id: number, revisionId: number | undefined, fileName: string | undefined, caller: Caller): BlobRef {
    const f = this.require(id, caller, 'READ');
    const rid = revisionId ?? f.currentRevisionId;
    if (rid === null) throw notFound(`Data file ${id} has no revision to download`);
    const r = this.revisionRow(id, rid);
    const b = this.blobs.get(r.blobSha256);
    return { sha256: b.sha256, size: b.size, contentType: r.contentType, fileName: fileName || r.fileName || f.name };
  }

  permissions(id: number, caller: Caller): PermissionsView {
    const f = this.require(id, caller, 'READ');
    return { publicAccess: f.publicAccess, entries: this.entries(id) };
  }

  private entries(id: number): PermissionEntry[] {
    return this.ctx.orm
      .select({ entityType: dataFilePermissions.entityType, entityId: dataFilePermissions.entityId, grant: dataFilePermissions.grant, pass: dataFilePermissions.pass })
      .from(dataFilePermissions)
      .where(eq(dataFilePermissions.dataFileId, id))
      .orderBy(asc(dataFilePermissions.position))
      .all() as PermissionEntry[];
  }

  // -- writes -----------------------------------------------------------------------------------

  private insertRevision(fileId: number, bytes: { sha256: string; contentType: string; fileName: string | null; uploadTimeMillis: number }, userId: number, id = this.ctx.ids.numeric(), at = this.ctx.clock.nowMs()): number {
    this.ctx.orm
      .insert(dataFileRevisions)
      .values({
        id,
        dataFileId: fileId,
        blobSha256: bytes.sha256,
        contentType: bytes.contentType,
        fileName: bytes.fileName,
        uploadUserId: userId,
        uploaded: at,
        uploadTimeMillis: bytes.uploadTimeMillis,
        scanState: 'SAFE',
      })
      .run();
    this.ctx.orm.update(dataFiles).set({ currentRevisionId: id }).where(eq(dataFiles.id, fileId)).run();
    return id;
  }

  private uploadMillis(u: UploadedBytes): number {
    return Math.max(0, this.ctx.clock.nowMs() - u.startedAt);
  }

  /** A new file with its first revision; the uploader gets an owner entry. Returns the dataFileId. */
  /** Checks that the caller may upload new files before a route streams a body. */
  assertCanCreate(caller: Caller): void {
    this.ctx.access.require(caller, 'file.create');
  }

  create(input: { name: string; description?: string; publicAccess: boolean; upload: UploadedBytes }, caller: Caller): number {
    this.assertCanCreate(caller);
    const id = this.ctx.ids.numeric();
    const now = this.ctx.clock.nowMs();
    return this.blobs.commit(input.upload, () => {
      this.ctx.orm
        .insert(dataFiles)
        .values({ id, name: input.name, description: input.description ?? '', responsibleUserId: caller.userId, publicAccess: input.publicAccess, created: now })
        .run();
      this.ctx.orm.insert(dataFilePermissions).values({ dataFileId: id, entityType: 'USER', entityId: String(caller.userId), grant: OWNER_GRANT, pass: 'NONE', position: 0 }).run();
      const rev = this.insertRevision(id, { ...input.upload, uploadTimeMillis: this.uploadMillis(input.upload) }, caller.userId);
      this.ctx.audit.record(caller, { action: 'CREATED', type: 'FILE', id, name: input.name, detail: ` (version ${rev}, ${input.upload.size} bytes)` });
      return id;
    });
  }

  /** A new current revision. Returns its id. */
  addRevision(id: number, upload: UploadedBytes, caller: Caller): number {
    const f = this.require(id, caller, 'WRITE');
    return this.blobs.commit(upload, () => {
      const rev = this.insertRevision(id, { ...upload, uploadTimeMillis: this.uploadMillis(upload) }, caller.userId);
      this.ctx.audit.record(caller, { action: 'UPDATED', type: 'FILE', id, name: f.name, detail: ` (uploaded version ${rev}, ${upload.size} bytes)` });
      return rev;
    });
  }

  /** The source's current revision becomes a new current revision of the target (same bytes). */
  copy(sourceId: number, targetId: number, caller: Caller): number {
    const src = this.require(sourceId, caller, 'READ');
    const target = this.require(targetId, caller, 'WRITE');
    if (src.currentRevisionId === null) throw notFound(`Data file ${sourceId} has no current revision to copy`);
    const r = this.revisionRow(sourceId, src.currentRevisionId);
    const entry = (rev: number): AuditEntry => ({ action: 'UPDATED', type: 'FILE', id: targetId, name: target.name, detail: ` (version ${rev} copied from file ${sourceId})` });
    return this.ctx.audit.write(caller, entry, () => this.insertRevision(targetId, { sha256: r.blobSha256, contentType: r.contentType, fileName: r.fileName, uploadTimeMillis: 0 }, caller.userId));
  }

  /** A new file holding a copy of the current revision (a new file: file.create); the caller owns it; name, description and public are kept. */
  duplicate(id: number, caller: Caller): DataFileView {
    const src = this.require(id, caller, 'READ');
    this.ctx.access.require(caller, 'file.create');
    if (src.currentRevisionId === null) throw notFound(`Data file ${id} has no current revision to duplicate`);
    const r = this.revisionRow(id, src.currentRevisionId);
    const newId = this.ctx.ids.numeric();
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm
        .insert(dataFiles)
        .values({ id: newId, name: src.name, description: src.description, responsibleUserId: caller.userId, publicAccess: src.publicAccess, created: this.ctx.clock.nowMs() })
        .run();
      this.ctx.orm.insert(dataFilePermissions).values({ dataFileId: newId, entityType: 'USER', entityId: String(caller.userId), grant: OWNER_GRANT, pass: 'NONE', position: 0 }).run();
      this.insertRevision(newId, { sha256: r.blobSha256, contentType: r.contentType, fileName: r.fileName, uploadTimeMillis: 0 }, caller.userId);
      this.ctx.audit.record(caller, { action: 'CREATED', type: 'FILE', id: newId, name: src.name, detail: ` (a duplicate of file ${id})` });
    })();
    return this.view(this.row(newId), []);
  }

  /** Deletes the file, its revisions and permissions; bytes nothing else refers to go too. */
  remove(id: number, caller: Caller): void {
    const f = this.require(id, caller, 'DELETE');
    const shas = this.revisionRows(id).map((r) => r.blobSha256);
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm.delete(dataFiles).where(eq(dataFiles.id, id)).run();
      this.blobs.collect(shas);
      this.ctx.audit.record(caller, { action: 'DELETED', type: 'FILE', id, name: f.name });
    })();
  }

  /**
   * Deletes one revision. Deleting the current revision makes the most recent remaining one current
   * (as Domo's delete works "at the revision level"); deleting the only revision deletes the file.
   */
  removeRevision(id: number, revisionId: number, caller: Caller): { dataFileId: number; revisionId: number; fileDeleted: boolean; currentRevisionId: number | null } {
    const f = this.require(id, caller, 'DELETE');
    const r = this.revisionRow(id, revisionId);
    return this.ctx.sqlite.transaction(() => {
      this.ctx.orm.delete(dataFileRevisions).where(eq(dataFileRevisions.id, revisionId)).run();
      const rest = this.revisionRows(id);
      let current = f.currentRevisionId;
      let fileDeleted = false;
      if (!rest.length) {
        this.ctx.orm.delete(dataFiles).where(eq(dataFiles.id, id)).run();
        current = null;
        fileDeleted = true;
      } else if (f.currentRevisionId === revisionId) {
        current = rest[rest.length - 1].id;
        this.ctx.orm.update(dataFiles).set({ currentRevisionId: current }).where(eq(dataFiles.id, id)).run();
      }
      this.blobs.collect([r.blobSha256]);
      this.ctx.audit.record(caller, { action: 'DELETED', type: 'FILE_REVISION', id: revisionId, name: f.name, detail: fileDeleted ? ` (the only version of file ${id}: the file is deleted)` : ` (of file ${id})` });
      return { dataFileId: id, revisionId, fileDeleted, currentRevisionId: current };
    })();
  }

  /**
   * Replaces the permissions: `publicAccess` and/or `entries` (each left as it is when omitted).
   * Every entry must name an existing user or group. Needs SHARE on the file.
   */
  setPermissions(id: number, input: { publicAccess?: boolean; entries?: PermissionEntry[] }, caller: Caller): PermissionsView {
    const file = this.require(id, caller, 'SHARE');
    const entries = input.entries;
    if (entries) {
      const details: ErrorDetail[] = [];
      const seen = new Set<string>();
      entries.forEach((e, i) => {
        const key = `${e.entityType}:${e.entityId}`;
        if (seen.has(key)) details.push({ path: `body.entries.${i}`, message: `${e.entityType} ${e.entityId} is listed twice` });
        seen.add(key);
        const n = Number(e.entityId);
        const exists =
          e.entityType === 'USER'
            ? this.ctx.orm.select({ id: users.id }).from(users).where(eq(users.id, n)).get()
            : this.ctx.orm.select({ id: groups.id }).from(groups).where(eq(groups.id, n)).get();
        if (!exists) details.push({ path: `body.entries.${i}.entityId`, message: `${e.entityType === 'USER' ? 'User' : 'Group'} ${e.entityId} does not exist` });
      });
      if (details.length) throw badRequest(`Invalid permission entries: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
      // the entries given, changed or removed may hold only what the caller holds
      const key = (e: PermissionEntry) => `${e.entityType}:${e.entityId}:${e.grant}`;
      const before = this.entries(id);
      const kept = new Set(before.map(key));
      const now = new Set(entries.map(key));
      const touched = [...entries.filter((e) => !kept.has(key(e))), ...before.filter((e) => !now.has(key(e)))];
      this.ctx.access.requireWithin(caller, 'file.share', this.resource(this.row(id)), touched.flatMap((e) => e.grant.split('_')));
    }
    this.ctx.sqlite.transaction(() => {
      if (input.publicAccess !== undefined) this.ctx.orm.update(dataFiles).set({ publicAccess: input.publicAccess }).where(eq(dataFiles.id, id)).run();
      if (entries) {
        this.ctx.orm.delete(dataFilePermissions).where(eq(dataFilePermissions.dataFileId, id)).run();
        entries.forEach((e, position) => this.ctx.orm.insert(dataFilePermissions).values({ dataFileId: id, ...e, position }).run());
      }
      const what = [input.publicAccess !== undefined ? `public: ${input.publicAccess}` : '', entries ? `${entries.length} entries` : ''].filter(Boolean).join(', ');
      this.ctx.audit.record(caller, { action: 'SHARED', type: 'FILE', id, name: file.name, detail: ` (${what || 'unchanged'})` });
    })();
    const f = this.row(id);
    return { publicAccess: f.publicAccess, entries: this.entries(id) };
  }

  // -- fixtures ---------------------------------------------------------------------------------

  /** Loads data files from fixtures (`read` returns a fixture file's bytes). Runs inside the seeding transaction. */
  seed(list: DataFileSeed[], read: (file: string) => Buffer): void {
    const now = this.ctx.clock.nowMs();
    for (const s of list) {
      if (!s.revisions.length) throw new Error(`fixtures: data file ${s.dataFileId} has no revisions`);
      this.ctx.orm
        .insert(dataFiles)
        .values({
          id: s.dataFileId,
          name: s.name,
          description: s.description ?? '',
          responsibleUserId: s.responsibleUserId,
          publicAccess: s.public ?? true,
          created: s.datetimeCreated ?? now,
        })
        .run();
      const entries = s.permissions ?? [{ entityType: 'USER', entityId: String(s.responsibleUserId), grant: OWNER_GRANT, pass: 'NONE' }];
      entries.forEach((e, position) => this.ctx.orm.insert(dataFilePermissions).values({ dataFileId: s.dataFileId, ...e, position }).run());
      for (const r of s.revisions) {
        const staged = stageBytesSync(this.ctx.dataDir, read(r.file));
        this.blobs.register(staged);
        this.insertRevision(
          s.dataFileId,
          { sha256: staged.sha256, contentType: r.contentType, fileName: null, uploadTimeMillis: r.uploadTimeMillis ?? 0 },
          r.uploadUserId ?? s.responsibleUserId,
          r.dataFileRevisionId,
          r.datetimeUploaded ?? now,
        );
        promoteSync(this.ctx.dataDir, staged);
      }
    }
  }

}

// ---------------------------------------------------------------------------------------------
// Fixtures (fixtures/files/files.json + the bytes beside it)

export interface FilesFixture {
  dataFiles?: DataFileSeed[];
  fileSets?: import('./filesets.js').FileSetSeed[];
}

/** Reads a fixture file by its path relative to `root`; a path leaving `root` is an error. */
export function fixtureFileReader(root: string): (file: string) => Buffer {
  const base = resolve(root);
  return (file) => {
    const p = resolve(join(base, file));
    if (!p.startsWith(base + sep)) throw new Error(`fixtures: ${file} is outside ${base}`);
    return readFileSync(p);
  };
}
