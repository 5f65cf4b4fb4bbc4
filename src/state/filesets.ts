import { createHash } from 'node:crypto';
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { filesetFiles, filesetPostings, filesets } from '../../db/schema/index.js';
import { isTextLike, promoteSync, resolveContentType, stageBytesSync, type StagedBlob } from '../engines/blobs.js';
import { queryTerms, rankBm25, termWeights } from '../engines/search.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
import type { Resource } from '../access/resources.js';
import type { StoreContext } from './context.js';
import { BlobRegistry, type BlobRef, type Caller } from './files.js';

/** How many leading bytes of a text-like file are indexed for the relevance query. */
export const TEXT_INDEX_BYTES = 1024 * 1024;
/** Term weights of a file's name, its directories and its text. */
const NAME_WEIGHT = 3;
const DIR_WEIGHT = 1;
const TEXT_WEIGHT = 1;

// ---------------------------------------------------------------------------------------------
// Paths

const maxPathLength = 1024;

/**
 * A FileSet path in its one normal form: segments joined by '/', no empty or '.' segments.
 * `..` segments, absolute paths ('/x', 'C:x'), backslashes, NUL and other control characters are
 * rejected with a 400 naming `where`.
 */
export function normalizeFilesetPath(raw: string, where: string, opts: { allowEmpty?: boolean } = {}): string {
  const fail = (message: string): never => {
    throw badRequest(`Invalid path '${raw.replace(/[\x00-\x1f]/g, '?')}' in ${where}: ${message}`, [{ path: where, message }]);
  };
  if (raw.includes('\0')) fail('NUL characters are not allowed');
  if (/[\x01-\x1f\x7f]/.test(raw)) fail('control characters are not allowed');
  if (raw.includes('\\')) fail("backslashes are not allowed (use '/')");
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) fail('absolute paths are not allowed; paths are relative to the FileSet root');
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) fail("'..' segments are not allowed");
  if (segments.some((s) => s.length > 255)) fail('a path segment is longer than 255 characters');
  const path = segments.join('/');
  if (path.length > maxPathLength) fail(`longer than ${maxPathLength} characters`);
  if (!path && !opts.allowEmpty) fail('the path is empty');
  return path;
}

const parentOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
const baseOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);

// ---------------------------------------------------------------------------------------------
// Filters, sorts, date filters (Search FileSets and Search Files share them)

export const filterOperators = ['EQUALS', 'GREATER_THAN', 'LESS_THAN', 'LESS_THAN_OR_EQUAL', 'GREATER_THAN_OR_EQUAL', 'IN', 'IS_NULL', 'LIKE'] as const;
export type FilterOperator = (typeof filterOperators)[number];

export interface FilterSpec {
  field: string;
  operator: FilterOperator;
  value: Array<string | number | boolean | null>;
  not?: boolean;
}
export interface SortSpec {
  field: string;
  order: 'ASC' | 'DESC';
}
export interface DateFilterSpec {
  field: string;
  start?: string | number;
  end?: string | number;
  not?: boolean;
}
export interface SearchSpec {
  filters?: FilterSpec[];
  fieldSort?: SortSpec[];
  dateFilters?: DateFilterSpec[];
}

type FieldType = 'text' | 'number' | 'date' | 'bool';
interface FieldDef<R> {
  expr: SQL;
  type: FieldType;
  /** the value of the field in a result row (cursor keys); only for sortable non-null fields */
  get?: (row: R) => string | number;
}

function coerce(type: FieldType, v: unknown, where: string): string | number | null {
  if (v === null) return null;
  const bad = (what: string): never => {
    throw badRequest(`${where}: ${JSON.stringify(v)} is not ${what}`, [{ path: where, message: `Expected ${what}` }]);
  };
  switch (type) {
    case 'text':
      return String(v);
    case 'number': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      return Number.isFinite(n) ? n : bad('a number');
    }
    case 'date': {
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
      const ms = typeof v === 'string' ? Date.parse(v) : NaN;
      return Number.isFinite(ms) ? ms : bad('an ISO date-time or epoch milliseconds');
    }
    case 'bool':
      if (v === true || v === 'true') return 1;
      if (v === false || v === 'false') return 0;
      return bad('true or false');
  }
}

function fieldOf<R>(fields: Record<string, FieldDef<R>>, name: string, where: string): FieldDef<R> {
  const f = Object.prototype.hasOwnProperty.call(fields, name) ? fields[name] : undefined;
  if (!f) {
    const known = Object.keys(fields).join(', ');
    throw badRequest(`${where}: unknown field '${name}' (one of ${known})`, [{ path: where, message: `Unknown field; use one of ${known}` }]);
  }
  return f;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** filters + dateFilters -> SQL conditions (AND-ed by the caller). */
function compileConditions<R>(fields: Record<string, FieldDef<R>>, spec: SearchSpec): SQL[] {
  const out: SQL[] = [];
  (spec.filters ?? []).forEach((f, i) => {
    const at = `body.filters.${i}`;
    const def = fieldOf(fields, f.field, `${at}.field`);
    const values = f.value.map((v, j) => coerce(def.type, v, `${at}.value.${j}`));
    const need = (n: 'one' | 'some') => {
      if (n === 'one' && values.length !== 1) throw badRequest(`${at}: ${f.operator} takes exactly one value`, [{ path: `${at}.value`, message: 'Expected exactly one value' }]);
      if (n === 'some' && !values.length) throw badRequest(`${at}: ${f.operator} needs at least one value`, [{ path: `${at}.value`, message: 'Expected at least one value' }]);
      if (values.some((v) => v === null)) throw badRequest(`${at}: null values are only meaningful with IS_NULL`, [{ path: `${at}.value`, message: 'Unexpected null' }]);
    };
    let cond: SQL;
    switch (f.operator) {
      case 'EQUALS':
      case 'IN':
        need('some');
        cond = sql`${def.expr} in (${sql.join(values.map((v) => sql`${v}`), sql`, `)})`;
        break;
      case 'GREATER_THAN':
        need('one');
        cond = sql`${def.expr} > ${values[0]}`;
        break;
      case 'GREATER_THAN_OR_EQUAL':
        need('one');
        cond = sql`${def.expr} >= ${values[0]}`;
        break;
      case 'LESS_THAN':
        need('one');
        cond = sql`${def.expr} < ${values[0]}`;
        break;
      case 'LESS_THAN_OR_EQUAL':
        need('one');
        cond = sql`${def.expr} <= ${values[0]}`;
        break;
      case 'IS_NULL':
        cond = sql`${def.expr} is null`;
        break;
      case 'LIKE':
        need('some');
        cond = sql`(${sql.join(
          values.map((v) => {
            const s = String(v);
            // '%' makes the value a LIKE pattern; otherwise it is a case-insensitive "contains"
            return s.includes('%') ? sql`${def.expr} like ${s}` : sql`${def.expr} like ${`%${escapeLike(s)}%`} escape '\\'`;
          }),
          sql` or `,
        )})`;
        break;
    }
    out.push(f.not ? sql`not coalesce((${cond}), 0)` : cond);
  });
  (spec.dateFilters ?? []).forEach((d, i) => {
    const at = `body.dateFilters.${i}`;
    const def = fieldOf(fields, d.field, `${at}.field`);
    if (def.type !== 'date') throw badRequest(`${at}.field: '${d.field}' is not a date field`, [{ path: `${at}.field`, message: 'Not a date field' }]);
    if (d.start === undefined && d.end === undefined) throw badRequest(`${at}: give start and/or end`, [{ path: at, message: 'Needs start or end' }]);
    const parts: SQL[] = [];
    if (d.start !== undefined) parts.push(sql`${def.expr} >= ${coerce('date', d.start, `${at}.start`)}`);
    if (d.end !== undefined) parts.push(sql`${def.expr} <= ${coerce('date', d.end, `${at}.end`)}`);
    const cond = sql.join(parts, sql` and `);
    out.push(d.not ? sql`not coalesce((${cond}), 0)` : sql`(${cond})`);
  });
  return out;
}

function compileSort<R>(fields: Record<string, FieldDef<R>>, sorts: SortSpec[] | undefined, fallback: SortSpec[]): Array<{ def: FieldDef<R>; desc: boolean; field: string }> {
  const list = sorts && sorts.length ? sorts : fallback;
  return list.map((s, i) => ({ def: fieldOf(fields, s.field, `body.fieldSort.${i}.field`), desc: s.order === 'DESC', field: s.field }));
}

// ---------------------------------------------------------------------------------------------
// Views

export interface FileSetView {
  id: string;
  name: string;
  description: string;
  aiEnabled: boolean;
  indexStatus: null;
  batchType: string;
  connector: string;
  created: string;
  createdBy: number;
  updated: string;
  updatedBy: number;
  owner: string;
  accountId: number;
  connectorContext: { connector: string; relativePath: string | null } | null;
  permission: 'OWNER' | 'ADMIN' | 'READ';
  size: number;
  fileCount: number;
}

export interface FileView {
  id: string;
  path: string;
  name: string;
  fileType: string;
  contentType: string;
  size: number;
  hash: string;
  hashAlgorithm: 'SHA_256_HEX';
  downloadUrl: string;
  created: string;
  createdBy: number;
  connectorKey: null;
  indexStatus: null;
  indexReason: null;
}

export interface QueryMatch {
  id: string;
  node: { id: string; path: string; name: string; fileType: string; contentType: string; size: number; created: number; type: 'TEXT' };
  score: number;
}

type FileSetRow = typeof filesets.$inferSelect;
type FileRow = typeof filesetFiles.$inferSelect;

export interface FileSetInput {
  name?: string;
  description?: string;
  accountId?: number | null;
  connectorContext?: { connector: string; relativePath?: string | null } | null;
}

export interface FileSetSeed {
  id: string;
  name: string;
  description?: string;
  owner: number;
  created?: string;
  files: Array<{ id: string; path: string; file: string; contentType?: string; createdBy?: number; created?: string }>;
}

/** A fileset file upload as the route received it. */
export interface FilesetUpload extends StagedBlob {
  contentType: string;
  fileName: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const fileTypeOf = (contentType: string, name: string) => (isTextLike(contentType, name) ? 'TEXT' : 'FILE');

export class FileSetsStore {
  private readonly blobs: BlobRegistry;
  private readonly filesetFields: Record<string, FieldDef<FileSetRow>>;
  private readonly fileFields: Record<string, FieldDef<FileRow>>;

  constructor(private readonly ctx: StoreContext) {
    this.blobs = new BlobRegistry(ctx);
    const fileCount = sql`(select count(*) from fileset_files ff where ff.fileset_id = ${filesets.id})`;
    const size = sql`(select coalesce(sum(ff.size), 0) from fileset_files ff where ff.fileset_id = ${filesets.id})`;
    this.filesetFields = {
      id: { expr: sql`${filesets.id}`, type: 'text' },
      name: { expr: sql`${filesets.name}`, type: 'text' },
      description: { expr: sql`${filesets.description}`, type: 'text' },
      connector: { expr: sql`${filesets.connector}`, type: 'text' },
      batchType: { expr: sql`${filesets.batchType}`, type: 'text' },
      aiEnabled: { expr: sql`${filesets.aiEnabled}`, type: 'bool' },
      accountId: { expr: sql`${filesets.accountId}`, type: 'number' },
      owner: { expr: sql`${filesets.owner}`, type: 'number' },
      createdBy: { expr: sql`${filesets.createdBy}`, type: 'number' },
      updatedBy: { expr: sql`${filesets.updatedBy}`, type: 'number' },
      created: { expr: sql`${filesets.created}`, type: 'date' },
      updated: { expr: sql`${filesets.updated}`, type: 'date' },
      fileCount: { expr: fileCount, type: 'number' },
      size: { expr: size, type: 'number' },
    };
    this.fileFields = {
      id: { expr: sql`${filesetFiles.id}`, type: 'text', get: (r) => r.id },
      path: { expr: sql`${filesetFiles.path}`, type: 'text', get: (r) => r.path },
      name: { expr: sql`${filesetFiles.name}`, type: 'text', get: (r) => r.name },
      directory: { expr: sql`${filesetFiles.directory}`, type: 'text', get: (r) => r.directory },
      fileType: { expr: sql`${filesetFiles.fileType}`, type: 'text', get: (r) => r.fileType },
      contentType: { expr: sql`${filesetFiles.contentType}`, type: 'text', get: (r) => r.contentType },
      hash: { expr: sql`${filesetFiles.blobSha256}`, type: 'text', get: (r) => r.blobSha256 },
      size: { expr: sql`${filesetFiles.size}`, type: 'number', get: (r) => r.size },
      createdBy: { expr: sql`${filesetFiles.createdBy}`, type: 'number', get: (r) => r.createdBy },
      created: { expr: sql`${filesetFiles.created}`, type: 'date', get: (r) => r.created },
    };
  }

  // -- FileSets ---------------------------------------------------------------------------------

  private row(id: string): FileSetRow {
    const f = this.ctx.orm.select().from(filesets).where(eq(filesets.id, id)).get();
    if (!f) throw notFound(`FileSet ${id} not found`);
    return f;
  }

  /** Everyone in the instance reads FileSets; the owner and content admins change them. */
  private resource(f: FileSetRow): Resource {
    return { type: 'fileset', id: f.id, name: f.name, ownerIds: [f.owner], everyone: ['READ'] };
  }

  private writable(id: string, caller: Caller, action: 'fileset.update' | 'fileset.delete' = 'fileset.update'): FileSetRow {
    const f = this.row(id);
    this.ctx.access.require(caller, action, this.resource(f));
    return f;
  }

  /** Checks write access before a route streams an upload. */
  assertWritable(id: string, caller: Caller): void {
    this.writable(id, caller);
  }

  private totals(id: string): { fileCount: number; size: number } {
    return this.ctx.sqlite.prepare('select count(*) as fileCount, coalesce(sum(size), 0) as size from fileset_files where fileset_id = ?').get(id) as { fileCount: number; size: number };
  }

  private view(f: FileSetRow, caller: Caller): FileSetView {
    const t = this.totals(f.id);
    return {
      id: f.id,
      name: f.name,
      description: f.description,
      aiEnabled: f.aiEnabled,
      indexStatus: null,
      batchType: f.batchType,
      connector: f.connector,
      created: iso(f.created),
      createdBy: f.createdBy,
      updated: iso(f.updated),
      updatedBy: f.updatedBy,
      owner: String(f.owner),
      accountId: f.accountId ?? 0,
      connectorContext: f.connectorContext ? (JSON.parse(f.connectorContext) as FileSetView['connectorContext']) : null,
      permission: f.owner === caller.userId ? 'OWNER' : this.ctx.access.isContentAdmin(caller) ? 'ADMIN' : 'READ',
      size: t.size,
      fileCount: t.fileCount,
    };
  }

  get(id: string, caller: Caller): FileSetView {
    return this.view(this.row(id), caller);
  }

  create(input: FileSetInput & { name: string }, caller: Caller): FileSetView {
    this.ctx.access.require(caller, 'fileset.create');
    const id = this.ctx.ids.uuid();
    const now = this.ctx.clock.nowMs();
    const cc = input.connectorContext ? { connector: input.connectorContext.connector, relativePath: input.connectorContext.relativePath ?? null } : null;
    this.ctx.audit.write(caller, { action: 'CREATED', type: 'FILESET', id, name: input.name }, () =>
      this.ctx.orm
        .insert(filesets)
        .values({
          id,
          name: input.name,
          description: input.description ?? '',
          connector: cc?.connector ?? 'DOMO',
          accountId: input.accountId ?? null,
          connectorContext: cc ? JSON.stringify(cc) : null,
          created: now,
          createdBy: caller.userId,
          updated: now,
          updatedBy: caller.userId,
          owner: caller.userId,
        })
        .run(),
    );
    return this.get(id, caller);
  }

  update(id: string, input: { name?: string; description?: string }, caller: Caller): FileSetView {
    const f = this.writable(id, caller);
    const set: Partial<typeof filesets.$inferInsert> = { updated: this.ctx.clock.nowMs(), updatedBy: caller.userId };
    if (input.name !== undefined) set.name = input.name;
    if (input.description !== undefined) set.description = input.description;
    this.ctx.audit.write(caller, { action: 'UPDATED', type: 'FILESET', id, name: set.name ?? f.name }, () => this.ctx.orm.update(filesets).set(set).where(eq(filesets.id, id)).run());
    return this.get(id, caller);
  }

  /** Deletes the FileSet with every file in it. */
  remove(id: string, caller: Caller): void {
    const f = this.writable(id, caller, 'fileset.delete');
    const shas = this.ctx.orm.select({ sha: filesetFiles.blobSha256 }).from(filesetFiles).where(eq(filesetFiles.filesetId, id)).all().map((r) => r.sha);
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm.delete(filesets).where(eq(filesets.id, id)).run();
      this.blobs.collect(shas);
      this.ctx.audit.record(caller, { action: 'DELETED', type: 'FILESET', id, name: f.name, detail: ` (${shas.length} files)` });
    })();
  }

  search(spec: SearchSpec & { limit: number; offset: number }, caller: Caller): { fileSets: FileSetView[]; pageContext: { offset: number; limit: number; total: number } } {
    const conds = compileConditions(this.filesetFields, spec);
    const order = compileSort(this.filesetFields, spec.fieldSort, [{ field: 'created', order: 'ASC' }]);
    const where = conds.length ? and(...conds) : undefined;
    const total = this.ctx.orm.select({ n: sql<number>`count(*)` }).from(filesets).where(where).get()!.n;
    const orderBy = [...order.map((o) => (o.desc ? sql`${o.def.expr} desc` : sql`${o.def.expr} asc`)), sql`${filesets.id} asc`];
    const rows = this.ctx.orm.select().from(filesets).where(where).orderBy(...orderBy).limit(spec.limit).offset(spec.offset).all();
    return { fileSets: rows.map((r) => this.view(r, caller)), pageContext: { offset: spec.offset, limit: spec.limit, total } };
  }

  // -- Files ------------------------------------------------------------------------------------

  private fileView(f: FileRow, baseUrl: string): FileView {
    return {
      id: f.id,
      path: f.path,
      name: f.name,
      fileType: f.fileType,
      contentType: f.contentType,
      size: f.size,
      hash: f.blobSha256,
      hashAlgorithm: 'SHA_256_HEX',
      downloadUrl: `${baseUrl}/api/files/v1/filesets/${encodeURIComponent(f.filesetId)}/files/${encodeURIComponent(f.id)}/download`,
      created: iso(f.created),
      createdBy: f.createdBy,
      connectorKey: null,
      indexStatus: null,
      indexReason: null,
    };
  }

  private fileRow(filesetId: string, fileId: string): FileRow {
    this.row(filesetId);
    const f = this.ctx.orm.select().from(filesetFiles).where(and(eq(filesetFiles.filesetId, filesetId), eq(filesetFiles.id, fileId))).get();
    if (!f) throw notFound(`File ${fileId} not found in FileSet ${filesetId}`);
    return f;
  }

  private fileRowByPath(filesetId: string, rawPath: string): FileRow {
    this.row(filesetId);
    const path = normalizeFilesetPath(rawPath, 'query.path');
    const f = this.ctx.orm.select().from(filesetFiles).where(and(eq(filesetFiles.filesetId, filesetId), eq(filesetFiles.path, path))).get();
    if (!f) throw notFound(`No file at path '${path}' in FileSet ${filesetId}`);
    return f;
  }

  getFile(filesetId: string, fileId: string, baseUrl: string): FileView {
    return this.fileView(this.fileRow(filesetId, fileId), baseUrl);
  }

  getFileByPath(filesetId: string, path: string, baseUrl: string): FileView {
    return this.fileView(this.fileRowByPath(filesetId, path), baseUrl);
  }

  download(filesetId: string, fileId: string): BlobRef {
    const f = this.fileRow(filesetId, fileId);
    return { sha256: f.blobSha256, size: f.size, contentType: f.contentType, fileName: f.name };
  }

  /**
   * Adds a file at `directoryPath`/<the part's file name>. The path is normalised (400 on '..',
   * absolute paths, backslashes, NUL); a file already at that path is a 409. Text-like files are
   * indexed for the relevance query.
   */
  addFile(filesetId: string, input: { directoryPath: string; upload: FilesetUpload }, caller: Caller, baseUrl: string): FileView {
    const set = this.writable(filesetId, caller);
    const dir = normalizeFilesetPath(input.directoryPath, 'body.createFileRequest.directoryPath', { allowEmpty: true });
    const fileName = input.upload.fileName;
    if (!fileName) throw badRequest('The file part has no file name (Content-Disposition filename)', [{ path: 'body.file', message: 'Missing filename' }]);
    normalizeFilesetPath(fileName, 'body.file.filename');
    const path = normalizeFilesetPath(dir ? `${dir}/${fileName}` : fileName, 'body.file.filename');
    const id = this.ctx.ids.uuid();
    this.blobs.commit(input.upload, () => {
      const clash = this.ctx.orm.select({ id: filesetFiles.id }).from(filesetFiles).where(and(eq(filesetFiles.filesetId, filesetId), eq(filesetFiles.path, path))).get();
      if (clash) throw conflict(`A file already exists at path '${path}' in FileSet ${filesetId} (id ${clash.id}); delete it first`);
      this.insertFile(filesetId, id, path, input.upload, caller.userId, this.ctx.clock.nowMs());
      this.ctx.audit.record(caller, { action: 'CREATED', type: 'FILESET_FILE', id, name: path, detail: ` in FileSet '${set.name}' (${input.upload.size} bytes)` });
    });
    return this.fileView(this.fileRow(filesetId, id), baseUrl);
  }

  private insertFile(filesetId: string, id: string, path: string, bytes: StagedBlob & { contentType: string }, userId: number, at: number): void {
    const name = baseOf(path);
    const directory = parentOf(path);
    const fileType = fileTypeOf(bytes.contentType, name);
    let text = '';
    if (fileType === 'TEXT' && bytes.head) {
      text = bytes.head.toString('utf8');
      if (text.includes('\0')) text = '';
    }
    const { tf, length } = termWeights([
      { text: name, weight: NAME_WEIGHT },
      { text: directory, weight: DIR_WEIGHT },
      { text, weight: TEXT_WEIGHT },
    ]);
    this.ctx.orm
      .insert(filesetFiles)
      .values({ id, filesetId, path, name, directory, contentType: bytes.contentType, fileType, size: bytes.size, blobSha256: bytes.sha256, created: at, createdBy: userId, docLength: length })
      .run();
    const ins = this.ctx.sqlite.prepare('insert into fileset_postings (fileset_id, term, file_id, tf) values (?, ?, ?, ?)');
    for (const [term, f] of tf) ins.run(filesetId, term, id, f);
    this.touch(filesetId, userId);
  }

  private touch(filesetId: string, userId: number): void {
    this.ctx.orm.update(filesets).set({ updated: this.ctx.clock.nowMs(), updatedBy: userId }).where(eq(filesets.id, filesetId)).run();
  }

  deleteFile(filesetId: string, fileId: string, caller: Caller): void {
    const set = this.writable(filesetId, caller);
    const f = this.fileRow(filesetId, fileId);
    this.deleteRows(set, [f], caller);
  }

  /** Deletes the file at `path`, or, when `path` names a directory, every file under it. Returns how many. */
  deleteByPath(filesetId: string, rawPath: string, caller: Caller): number {
    const set = this.writable(filesetId, caller);
    const path = normalizeFilesetPath(rawPath, 'query.path');
    const exact = this.ctx.orm.select().from(filesetFiles).where(and(eq(filesetFiles.filesetId, filesetId), eq(filesetFiles.path, path))).all();
    const rows = exact.length ? exact : this.ctx.orm.select().from(filesetFiles).where(and(eq(filesetFiles.filesetId, filesetId), this.under(path))).all();
    if (!rows.length) throw notFound(`No file or directory at path '${path}' in FileSet ${filesetId}`);
    this.deleteRows(set, rows, caller, exact.length ? undefined : path);
    return rows.length;
  }

  /** Deletes files (one file, or every file under directory `dir`): one activity-log entry either way. */
  private deleteRows(set: FileSetRow, rows: FileRow[], caller: Caller, dir?: string): void {
    this.ctx.sqlite.transaction(() => {
      for (const r of rows) this.ctx.orm.delete(filesetFiles).where(eq(filesetFiles.id, r.id)).run();
      this.touch(set.id, caller.userId);
      this.blobs.collect(rows.map((r) => r.blobSha256));
      if (dir === undefined && rows.length === 1) {
        this.ctx.audit.record(caller, { action: 'DELETED', type: 'FILESET_FILE', id: rows[0].id, name: rows[0].path, detail: ` in FileSet '${set.name}'` });
      } else this.ctx.audit.record(caller, { action: 'UPDATED', type: 'FILESET', id: set.id, name: set.name, detail: ` (deleted ${rows.length} files under '${dir}')` });
    })();
  }

  /** Files strictly under directory `dir` (any depth): path in ['dir/', 'dir0'), index friendly. */
  private under(dir: string): SQL {
    return sql`(${filesetFiles.path} >= ${`${dir}/`} and ${filesetFiles.path} < ${`${dir}0`})`;
  }

  private scope(filesetId: string, dir: string, immediateChildren: boolean): SQL {
    const conds: SQL[] = [sql`${filesetFiles.filesetId} = ${filesetId}`];
    if (immediateChildren) conds.push(sql`${filesetFiles.directory} = ${dir}`);
    else if (dir) conds.push(this.under(dir));
    return sql.join(conds, sql` and `);
  }

  /**
   * Lists files under `directoryPath` (all depths, or only its immediate children) with filters and
   * sorts, `limit` at a time. `next` is an opaque keyset cursor: paging visits every file that exists
   * throughout exactly once, whatever is added or removed between pages.
   */
  searchFiles(
    filesetId: string,
    spec: SearchSpec & { directoryPath?: string; immediateChildren: boolean; limit: number; next?: string },
    baseUrl: string,
  ): { files: FileView[]; pageContext: { next: string | null } } {
    this.row(filesetId);
    const dir = normalizeFilesetPath(spec.directoryPath ?? '', 'query.directoryPath', { allowEmpty: true });
    const conds = [this.scope(filesetId, dir, spec.immediateChildren), ...compileConditions(this.fileFields, spec)];
    const order = compileSort(this.fileFields, spec.fieldSort, [{ field: 'path', order: 'ASC' }]);
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([filesetId, dir, spec.immediateChildren, spec.filters ?? [], spec.dateFilters ?? [], order.map((o) => [o.field, o.desc])]))
      .digest('hex')
      .slice(0, 16);
    if (spec.next) {
      const cursor = decodeCursor(spec.next);
      if (!cursor || cursor.f !== fingerprint || cursor.k.length !== order.length) {
        throw badRequest('The next token does not belong to this search (same FileSet, directoryPath, immediateChildren, filters and sort are needed)', [
          { path: 'query.next', message: 'Invalid or foreign pagination token' },
        ]);
      }
      conds.push(keysetAfter(order.map((o) => ({ expr: o.def.expr, desc: o.desc })), cursor.k, cursor.id));
    }
    const orderBy = [...order.map((o) => (o.desc ? sql`${o.def.expr} desc` : sql`${o.def.expr} asc`)), sql`${filesetFiles.id} asc`];
    const rows = this.ctx.orm.select().from(filesetFiles).where(and(...conds)).orderBy(...orderBy).limit(spec.limit + 1).all();
    const page = rows.slice(0, spec.limit);
    const more = rows.length > spec.limit && page.length > 0;
    const last = page[page.length - 1];
    const next = more ? encodeCursor({ f: fingerprint, k: order.map((o) => o.def.get!(last)), id: last.id }) : null;
    return { files: page.map((r) => this.fileView(r, baseUrl)), pageContext: { next } };
  }

  /**
   * Relevance query: BM25 over file names (×3), directory names and the text of text-like files,
   * within `directoryPath` (any depth). Best first; score in (0, 1]; ties by path.
   */
  query(filesetId: string, input: { query: string; directoryPath?: string; topK: number }): { matches: QueryMatch[] } {
    this.row(filesetId);
    const dir = normalizeFilesetPath(input.directoryPath ?? '', 'body.directoryPath', { allowEmpty: true });
    const terms = queryTerms(input.query);
    if (!terms.length) return { matches: [] };
    const scope = this.scope(filesetId, dir, false);
    const corpus = this.ctx.orm
      .select({ n: sql<number>`count(*)`, avg: sql<number>`coalesce(avg(${filesetFiles.docLength}), 0)` })
      .from(filesetFiles)
      .where(scope)
      .get()!;
    const postings = this.ctx.orm
      .select({ fileId: filesetPostings.fileId, term: filesetPostings.term, tf: filesetPostings.tf, length: filesetFiles.docLength, path: filesetFiles.path })
      .from(filesetPostings)
      .innerJoin(filesetFiles, eq(filesetFiles.id, filesetPostings.fileId))
      .where(and(sql`${filesetPostings.filesetId} = ${filesetId}`, sql`${filesetPostings.term} in (${sql.join(terms.map((t) => sql`${t}`), sql`, `)})`, scope))
      .all();
    const docFreq = new Map<string, number>();
    const docs = new Map<string, { key: string; tieKey: string; length: number; tf: Map<string, number> }>();
    for (const p of postings) {
      docFreq.set(p.term, (docFreq.get(p.term) ?? 0) + 1);
      let d = docs.get(p.fileId);
      if (!d) docs.set(p.fileId, (d = { key: p.fileId, tieKey: p.path, length: p.length, tf: new Map() }));
      d.tf.set(p.term, p.tf);
    }
    const ranked = rankBm25(terms, { docCount: corpus.n, avgDocLength: corpus.avg, docFreq }, [...docs.values()], input.topK);
    const matches = ranked.map((r) => {
      const f = this.ctx.orm.select().from(filesetFiles).where(eq(filesetFiles.id, r.key)).get()!;
      return {
        id: f.id,
        node: { id: f.id, path: f.path, name: f.name, fileType: f.fileType, contentType: f.contentType, size: f.size, created: f.created, type: 'TEXT' as const },
        score: r.score,
      };
    });
    return { matches };
  }

  // -- fixtures ---------------------------------------------------------------------------------

  seed(list: FileSetSeed[], read: (file: string) => Buffer): void {
    const now = this.ctx.clock.nowMs();
    for (const s of list) {
      const created = s.created ? Date.parse(s.created) : now;
      this.ctx.orm
        .insert(filesets)
        .values({ id: s.id, name: s.name, description: s.description ?? '', created, createdBy: s.owner, updated: created, updatedBy: s.owner, owner: s.owner })
        .run();
      for (const f of s.files) {
        const path = normalizeFilesetPath(f.path, `fixtures filesets ${s.id} ${f.id}`);
        const contentType = resolveContentType(f.contentType, path);
        const staged = stageBytesSync(this.ctx.dataDir, read(f.file), TEXT_INDEX_BYTES);
        this.blobs.register(staged);
        this.insertFile(s.id, f.id, path, { ...staged, contentType }, f.createdBy ?? s.owner, f.created ? Date.parse(f.created) : created);
        promoteSync(this.ctx.dataDir, staged);
      }
      this.ctx.orm.update(filesets).set({ updated: created, updatedBy: s.owner }).where(eq(filesets.id, s.id)).run();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Keyset cursors

interface Cursor {
  /** fingerprint of the search the cursor belongs to */
  f: string;
  /** sort key values of the last row returned */
  k: Array<string | number>;
  /** id of the last row returned (final tiebreak) */
  id: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

function decodeCursor(token: string): Cursor | null {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Cursor;
    if (typeof c?.f !== 'string' || !Array.isArray(c.k) || typeof c.id !== 'string') return null;
    if (!c.k.every((v) => typeof v === 'string' || typeof v === 'number')) return null;
    return c;
  } catch {
    return null;
  }
}

/** Rows strictly after (k1..kn, id) in the order (k1 dir1, ..., kn dirn, id asc). */
function keysetAfter(keys: Array<{ expr: SQL; desc: boolean }>, values: Array<string | number>, id: string): SQL {
  const ors: SQL[] = [];
  for (let i = 0; i <= keys.length; i++) {
    const eqs = keys.slice(0, i).map((k, j) => sql`${k.expr} = ${values[j]}`);
    const step = i < keys.length ? (keys[i].desc ? sql`${keys[i].expr} < ${values[i]}` : sql`${keys[i].expr} > ${values[i]}`) : sql`${filesetFiles.id} > ${id}`;
    ors.push(sql`(${sql.join([...eqs, step], sql` and `)})`);
  }
  return sql`(${sql.join(ors, sql` or `)})`;
}

