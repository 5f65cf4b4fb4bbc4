import { afterAll, expect } from 'vitest';
import { USERS, matrix, type Family } from './matrix.js';

// AppDB, Files, FileSets, TaskCenter, Workflows, CodeEngine, AIServices, Search, ActivityLog.
const C = '/api/datastores/v1/collections';
const D = `${C}/MxNotes/documents`;

const appdb: Family = {
  name: 'AppDB',
  // the Editor owns MxNotes; editor2 may change content, the Participant only read it, Sam nothing
  who: { admin: 'admin', owner: 'editor', granted: 'editor2', reader: 'part', none: 'sam', norole: 'social' },
  async setup({ as }) {
    const col = await as('editor', 'POST', C, { name: 'MxNotes', syncEnabled: true, schema: { columns: [{ name: 'text', type: 'STRING' }] } });
    const d1 = await as('editor', 'POST', D, { content: { text: 'one' } });
    const d2 = await as('editor', 'POST', D, { content: { text: 'two' } });
    await as('editor', 'PUT', `${C}/MxNotes/permission/USER/${USERS.editor2}?permissions=read,write,read_content,create_content,update_content,delete_content`);
    await as('editor', 'PUT', `${C}/MxNotes/permission/USER/${USERS.part}?permissions=read,read_content`);
    for (const name of ['MxDel', 'MxDelOwner', 'MxDelAdmin']) await as('editor', 'POST', C, { name });
    await as('editor', 'PUT', `${C}/MxDel/permission/USER/${USERS.editor2}?permissions=read,delete`);
    // the fixture's synced collection is restricted too, so an export has nothing Sam may export
    await as('admin', 'PUT', `${C}/campaigns/permission/USER/${USERS.admin}?permissions=read`);
    return { cid: col.id, d1: d1.id, d2: d2.id };
  },
  probes: [C, `${C}/MxNotes`, `${C}/MxNotes/permission`, D, `${C}/campaigns`],
  rows: [
    { action: 'datastore.create', as: 'granted', method: 'POST', path: C, body: { name: 'ByEditor2' }, status: 200, readback: [`${C}/ByEditor2`, (j) => expect(j.owner).toBe(USERS.editor2)] },
    { action: 'datastore.create', as: 'reader', method: 'POST', path: C, body: { name: 'ByPart' }, status: 403, missing: 'authority appdb.manage to POST create an AppDB datastore or collection' },
    { action: 'datastore.create', as: 'norole', method: 'POST', path: C, body: { name: 'BySocial' }, status: 403, missing: 'authority appdb.manage' },
    // collection reads
    ...(['admin', 'owner', 'granted', 'reader'] as const).map((as) => ({ action: 'collection.read', as, method: 'GET', path: `${C}/MxNotes`, status: 200 })),
    { action: 'collection.read', as: 'none', method: 'GET', path: `${C}/MxNotes`, status: 403, missing: 'grant read on collection {cid} to GET it (user 112321221 holds no grant on it)' },
    { action: 'collection.read', as: 'none', method: 'GET', path: C, status: 200, answer: (j) => expect(j.map((c: any) => c.name)).not.toContain('MxNotes') },
    { action: 'collection.read', as: 'reader', method: 'GET', path: `${C}/MxNotes/permission`, status: 200 },
    { action: 'collection.read', as: 'none', method: 'GET', path: `${C}/MxNotes/permission`, status: 403, missing: 'grant read on collection {cid}' },
    // collection changes
    { action: 'collection.update', as: 'granted', method: 'PUT', path: `${C}/MxNotes`, body: { exportable: false }, status: 200, readback: [`${C}/MxNotes`, (j) => expect(j.exportable).toBe(false)] },
    { action: 'collection.update', as: 'owner', method: 'PUT', path: `${C}/MxNotes`, body: { exportable: true }, status: 200, readback: [`${C}/MxNotes`, (j) => expect(j.exportable).toBe(true)] },
    { action: 'collection.update', as: 'reader', method: 'PUT', path: `${C}/MxNotes`, body: { syncEnabled: false }, status: 403, missing: 'grant write on collection {cid} to PUT it (user 1089963280 holds read, read_content)' },
    { action: 'collection.update', as: 'none', method: 'PUT', path: `${C}/MxNotes`, body: { syncEnabled: false }, status: 403, missing: 'grant write on collection {cid}' },
    // documents
    { action: 'document.read', as: 'reader', method: 'GET', path: D, status: 200, answer: (j) => expect(j).toHaveLength(2) },
    { action: 'document.read', as: 'owner', method: 'GET', path: `${D}/{d1}`, status: 200 },
    { action: 'document.read', as: 'reader', method: 'POST', path: `${D}/query`, body: { 'content.text': 'one' }, status: 200, answer: (j) => expect(j).toHaveLength(1) },
    { action: 'document.read', as: 'none', method: 'GET', path: D, status: 403, missing: 'grant read_content on collection {cid} to GET it' },
    { action: 'document.read', as: 'none', method: 'GET', path: `${D}/{d1}`, status: 403, missing: 'grant read_content on collection {cid}' },
    { action: 'document.read', as: 'none', method: 'POST', path: `${D}/query`, body: {}, status: 403, missing: 'grant read_content on collection {cid}' },
    { action: 'document.create', as: 'granted', method: 'POST', path: D, body: { content: { text: 'three' } }, status: 200, keep: { d3: (j) => j.id }, readback: [D, (j) => expect(j).toHaveLength(3)] },
    { action: 'document.create', as: 'reader', method: 'POST', path: D, body: { content: { text: 'nope' } }, status: 403, missing: 'grant create_content on collection {cid} to POST it' },
    { action: 'document.create', as: 'none', method: 'POST', path: `${D}/bulk`, body: [{ content: { text: 'nope' } }], status: 403, missing: 'grant create_content on collection {cid}' },
    { action: 'document.create', as: 'reader', method: 'POST', path: `${D}/bulk`, body: [{ content: { text: 'nope' } }], status: 403, missing: 'grant create_content on collection {cid}' },
    { action: 'document.update', as: 'granted', method: 'PUT', path: `${D}/{d1}`, body: { content: { text: 'uno' } }, status: 200, readback: [`${D}/{d1}`, (j) => expect(j.content.text).toBe('uno')] },
    { action: 'document.update', as: 'reader', method: 'PUT', path: `${D}/{d1}`, body: { content: { text: 'hacked' } }, status: 403, missing: 'grant update_content on collection {cid} to PUT it' },
    { action: 'document.update', as: 'reader', method: 'PUT', path: `${D}/update`, body: { query: {}, operation: { $set: { 'content.text': 'x' } } }, status: 403, missing: 'grant update_content on collection {cid}' },
    { action: 'document.update', as: 'none', method: 'PUT', path: `${D}/bulk`, body: [{ id: '{d1}', content: { text: 'x' } }], status: 403, missing: 'grant update_content on collection {cid}' },
    { action: 'document.update', as: 'owner', method: 'PUT', path: `${D}/update`, body: { query: { 'content.text': 'two' }, operation: { $set: { 'content.text': 'dos' } } }, status: 200, readback: [`${D}/{d2}`, (j) => expect(j.content.text).toBe('dos')] },
    { action: 'document.delete', as: 'reader', method: 'DELETE', path: `${D}/{d3}`, status: 403, missing: 'grant delete_content or delete on collection {cid} to DELETE it' },
    { action: 'document.delete', as: 'none', method: 'DELETE', path: `${D}/bulk?ids={d3}`, status: 403, missing: 'grant delete_content or delete on collection {cid}' },
    { action: 'document.delete', as: 'granted', method: 'DELETE', path: `${D}/{d3}`, status: 204, readback: [`${D}/{d3}`, (j) => expect(j.status).toBe(404)] },
    { action: 'document.delete', as: 'admin', method: 'DELETE', path: `${D}/bulk?ids={d2}`, status: 200, readback: [D, (j) => expect(j).toHaveLength(1)] },
    // permissions: share holders, never beyond their own permissions
    { action: 'collection.share', as: 'reader', method: 'PUT', path: `${C}/MxNotes/permission/USER/{sam}?permissions=read`, status: 403, missing: 'grant share on collection {cid} to PUT it' },
    { action: 'collection.share', as: 'granted', method: 'PUT', path: `${C}/MxNotes/permission/USER/{sam}?permissions=read`, status: 403, missing: 'grant share on collection {cid}' },
    { action: 'collection.share', as: 'none', method: 'PUT', path: `${C}/MxNotes/permission/USER/{sam}?permissions=read`, status: 403, missing: 'grant share on collection {cid}' },
    { action: 'collection.share', as: 'owner', method: 'PUT', path: `${C}/MxNotes/permission/USER/{editor2}?permissions=read,read_content,share`, status: 204, readback: [`${C}/MxNotes/permission`, (j) => expect(j.find((p: any) => p.entityId === String(USERS.editor2)).permissions).toContain('share')] },
    { action: 'collection.share', as: 'granted', method: 'PUT', path: `${C}/MxNotes/permission/USER/{editor2}?permissions=admin`, status: 403, missing: 'grant admin on collection {cid} to hand it out' },
    { action: 'collection.share', as: 'granted', method: 'PUT', path: `${C}/MxNotes/permission/USER/{sam}?permissions=read,delete`, status: 403, missing: 'grant delete on collection {cid} to hand it out' },
    { action: 'collection.share', as: 'granted', method: 'PUT', path: `${C}/MxNotes/permission/USER/{sam}?permissions=read,read_content`, status: 204, readback: [`${C}/MxNotes/permission`, (j) => expect(j.find((p: any) => p.entityId === String(USERS.sam)).permissions).toEqual(['read', 'read_content'])] },
    { action: 'collection.read', as: 'none', method: 'GET', path: D, status: 200 },
    { action: 'collection.share', as: 'reader', method: 'DELETE', path: `${C}/MxNotes/permission/USER/{sam}`, status: 403, missing: 'grant share on collection {cid} to DELETE it' },
    { action: 'collection.share', as: 'granted', method: 'DELETE', path: `${C}/MxNotes/permission/USER/{sam}`, status: 204, readback: [`${C}/MxNotes/permission`, (j) => expect(j.map((p: any) => p.entityId)).not.toContain(String(USERS.sam))] },
    { action: 'collection.share', as: 'admin', method: 'PUT', path: `${C}/MxNotes/permission/GROUP/6789456782?permissions=read_content`, status: 204, readback: [`${C}/MxNotes/permission`, (j) => expect(j.map((p: any) => p.entityType)).toContain('GROUP')] },
    // export of synced collections: what the caller may read, and 403 when that is none of them
    { action: 'collection.export', as: 'none', method: 'POST', path: '/api/datastores/v1/export', status: 403, missing: 'grant read on collection' },
    { action: 'collection.export', as: 'reader', method: 'POST', path: '/api/datastores/v1/export', status: 200, answer: (j) => expect(j.exported.map((e: any) => e.name)).toEqual(['MxNotes']) },
    // collection deletes
    { action: 'collection.delete', as: 'reader', method: 'DELETE', path: `${C}/MxNotes`, status: 403, missing: 'grant delete on collection {cid} to DELETE it' },
    { action: 'collection.delete', as: 'granted', method: 'DELETE', path: `${C}/MxNotes`, status: 403, missing: 'grant delete on collection {cid}' },
    { action: 'collection.delete', as: 'none', method: 'DELETE', path: `${C}/MxNotes`, status: 403, missing: 'grant delete on collection {cid}' },
    { action: 'collection.delete', as: 'granted', method: 'DELETE', path: `${C}/MxDel`, status: 204, readback: [`${C}/MxDel`, (j) => expect(j.status).toBe(404)] },
    { action: 'collection.delete', as: 'owner', method: 'DELETE', path: `${C}/MxDelOwner`, status: 204, readback: [`${C}/MxDelOwner`, (j) => expect(j.status).toBe(404)] },
    { action: 'collection.delete', as: 'admin', method: 'DELETE', path: `${C}/MxDelAdmin`, status: 204, readback: [`${C}/MxDelAdmin`, (j) => expect(j.status).toBe(404)] },
  ],
};

const F = '/api/data/v1/data-files';
const text = (s: string) => ({ raw: s, type: 'text/plain' });
const files: Family = {
  name: 'Files',
  // the Editor's private file {f}: editor2 READ_WRITE, the Participant READ, Privileged READ_SHARE
  who: { admin: 'admin', owner: 'editor', granted: 'editor2', reader: 'part', sharer: 'priv', none: 'sam', norole: 'social' },
  async setup({ as }) {
    const up = (name: string) => as('editor', 'POST', `${F}?name=${name}&public=false`, undefined, text(`${name} v1`));
    const f = (await up('mx.txt')).dataFileId;
    const grant = (n: keyof typeof USERS, g: string) => ({ entityType: 'USER', entityId: USERS[n], grant: g });
    await as('editor', 'PUT', `${F}/${f}/permissions`, { entries: [grant('editor2', 'READ_WRITE'), grant('part', 'READ'), grant('priv', 'READ_SHARE')] });
    const fd = (await up('del.txt')).dataFileId;
    await as('editor', 'PUT', `${F}/${fd}/permissions`, { entries: [grant('editor2', 'READ_DELETE'), grant('part', 'READ')] });
    const fo = (await up('own.txt')).dataFileId;
    const fa = (await up('adm.txt')).dataFileId;
    const rev = (await as('editor', 'GET', `${F}/${f}/revisions/details`))[0].dataFileRevisionId;
    return { f, fd, fo, fa, rev };
  },
  probes: [`${F}/{f}/details?expand=revisions,metadata`, `${F}/{f}/permissions`, `${F}/{fd}/details`, `${F}/details`],
  rows: [
    { action: 'file.create', as: 'reader', method: 'POST', path: `${F}?name=part.txt`, ...text('hi'), status: 200, keep: { fp: (j) => j.dataFileId }, readback: [`${F}/{fp}/details`, (j) => expect(j.name).toBe('part.txt')] },
    { action: 'file.create', as: 'norole', method: 'POST', path: `${F}?name=social.txt`, ...text('hi'), status: 403, missing: 'authority file.upload to POST upload a new data file' },
    // reads
    ...(['admin', 'owner', 'granted', 'reader'] as const).map((as) => ({ action: 'file.read', as, method: 'GET', path: `${F}/{f}/details`, status: 200 })),
    { action: 'file.read', as: 'none', method: 'GET', path: `${F}/{f}/details`, status: 403, missing: 'grant READ on data file {f} to GET it (user 112321221 holds no grant on it)' },
    { action: 'file.read', as: 'reader', method: 'GET', path: `${F}/{f}`, status: 200, answer: (_j, w) => expect(w.f).toBeDefined() },
    { action: 'file.read', as: 'none', method: 'GET', path: `${F}/{f}`, status: 403, missing: 'grant READ on data file {f}' },
    { action: 'file.read', as: 'none', method: 'GET', path: `${F}/{f}/revisions/details`, status: 403, missing: 'grant READ on data file {f}' },
    { action: 'file.read', as: 'none', method: 'GET', path: `${F}/{f}/revisions/{rev}/details`, status: 403, missing: 'grant READ on data file {f}' },
    { action: 'file.read', as: 'none', method: 'GET', path: `${F}/{f}/revision/{rev}`, status: 403, missing: 'grant READ on data file {f}' },
    { action: 'file.read', as: 'reader', method: 'GET', path: `${F}/{f}/revision/{rev}`, status: 200 },
    { action: 'file.read', as: 'none', method: 'GET', path: '/domo/data-files/v1/{f}/permissions', status: 403, missing: 'grant READ on data file {f}' },
    { action: 'file.read', as: 'reader', method: 'GET', path: '/domo/data-files/v1/{f}/permissions', status: 200 },
    { action: 'file.read', as: 'none', method: 'GET', path: `${F}/details`, status: 200, answer: (j, w) => expect(j.map((x: any) => x.dataFileId)).not.toContain(w.f) },
    // revisions
    { action: 'file.update', as: 'granted', method: 'PUT', path: `${F}/{f}`, ...text('v2 by editor2'), status: 200, readback: [`${F}/{f}/revisions/details`, (j) => expect(j).toHaveLength(2)] },
    { action: 'file.update', as: 'reader', method: 'PUT', path: `${F}/{f}`, ...text('v3 by part'), status: 403, missing: 'grant WRITE on data file {f} to PUT it (user 1089963280 holds READ)' },
    { action: 'file.update', as: 'none', method: 'PUT', path: `${F}/{f}`, ...text('v3 by sam'), status: 403, missing: 'grant READ on data file {f}' },
    { action: 'file.update', as: 'reader', method: 'POST', path: `${F}/copy/{fd}/revisions/current/{f}`, status: 403, missing: 'grant WRITE on data file {f}' },
    { action: 'file.update', as: 'owner', method: 'POST', path: `${F}/copy/{fd}/revisions/current/{f}`, status: 200, readback: [`${F}/{f}/revisions/details`, (j) => expect(j).toHaveLength(3)] },
    { action: 'file.create', as: 'reader', method: 'POST', path: `${F}/{f}/duplicate`, status: 200, keep: { dup: (j) => j.dataFileId }, readback: [`${F}/{dup}/details`, (j) => expect(j.responsibleUserId).toBe(USERS.part)] },
    { action: 'file.create', as: 'norole', method: 'POST', path: `${F}/{fp}/duplicate`, status: 403, missing: 'authority file.upload' },
    { action: 'file.read', as: 'none', method: 'POST', path: `${F}/{f}/duplicate`, status: 403, missing: 'grant READ on data file {f}' },
    // permissions: SHARE holders, never beyond what they hold
    { action: 'file.share', as: 'reader', method: 'PUT', path: `${F}/{f}/permissions`, body: { publicAccess: true }, status: 403, missing: 'grant SHARE on data file {f} to PUT it' },
    { action: 'file.share', as: 'granted', method: 'PUT', path: `${F}/{f}/permissions`, body: { publicAccess: true }, status: 403, missing: 'grant SHARE on data file {f}' },
    { action: 'file.share', as: 'none', method: 'PUT', path: `${F}/{f}/permissions`, body: { publicAccess: true }, status: 403, missing: 'grant READ on data file {f}' },
    { action: 'file.share', as: 'sharer', method: 'PUT', path: `${F}/{f}/permissions`, body: { entries: [{ entityType: 'USER', entityId: '{editor2}', grant: 'READ_WRITE' }, { entityType: 'USER', entityId: '{part}', grant: 'READ' }, { entityType: 'USER', entityId: '{priv}', grant: 'ADMIN' }] }, status: 403, missing: 'grant ADMIN on data file {f} to hand it out (user 1249569521 holds SHARE, READ)' },
    { action: 'file.share', as: 'sharer', method: 'PUT', path: `${F}/{f}/permissions`, body: { entries: [{ entityType: 'USER', entityId: '{priv}', grant: 'READ_SHARE' }] }, status: 403, missing: 'grant WRITE on data file {f} to hand it out' },
    { action: 'file.share', as: 'sharer', method: 'PUT', path: `${F}/{f}/permissions`, body: { entries: [{ entityType: 'USER', entityId: '{editor2}', grant: 'READ_WRITE' }, { entityType: 'USER', entityId: '{part}', grant: 'READ' }, { entityType: 'USER', entityId: '{priv}', grant: 'READ_SHARE' }, { entityType: 'USER', entityId: '{sam}', grant: 'READ' }] }, status: 200, readback: [`${F}/{f}/permissions`, (j) => expect(j.entries.map((e: any) => e.entityId)).toContain(String(USERS.sam))] },
    { action: 'file.read', as: 'none', method: 'GET', path: `${F}/{f}/details`, status: 200 },
    { action: 'file.share', as: 'owner', method: 'PUT', path: `${F}/{f}/permissions`, body: { publicAccess: true }, status: 200, readback: [`${F}/{f}/permissions`, (j) => expect(j.publicAccess).toBe(true)] },
    { action: 'file.read', as: 'norole', method: 'GET', path: `${F}/{f}/details`, status: 200 },
    // deletes
    { action: 'file.delete', as: 'reader', method: 'DELETE', path: `${F}/{fd}`, status: 403, missing: 'grant DELETE on data file {fd} to DELETE it (user 1089963280 holds READ)' },
    { action: 'file.delete', as: 'none', method: 'DELETE', path: `${F}/{fd}`, status: 403, missing: 'grant READ on data file {fd}' },
    { action: 'file.delete', as: 'granted', method: 'DELETE', path: `${F}/{f}/revisions/{rev}`, status: 403, missing: 'grant DELETE on data file {f}' },
    { action: 'file.delete', as: 'owner', method: 'DELETE', path: `${F}/{f}/revisions/{rev}`, status: 200, readback: [`${F}/{f}/revisions/details`, (j) => expect(j).toHaveLength(2)] },
    { action: 'file.delete', as: 'granted', method: 'DELETE', path: `${F}/{fd}`, status: 200, readback: [`${F}/{fd}/details`, (j) => expect(j.status).toBe(404)] },
    { action: 'file.delete', as: 'owner', method: 'DELETE', path: `${F}/{fo}`, status: 200, readback: [`${F}/{fo}/details`, (j) => expect(j.status).toBe(404)] },
    { action: 'file.delete', as: 'admin', method: 'DELETE', path: `${F}/{fa}`, status: 200, readback: [`${F}/{fa}/details`, (j) => expect(j.status).toBe(404)] },
  ],
};

const FS = '/api/files/v1/filesets';
const boundary = 'mxboundary';
const multipart = (name: string, dir = 'docs') => ({
  raw: [
    `--${boundary}`,
    `Content-Disposition: form-data; name="file"; filename="${name}"`,
    'Content-Type: text/plain',
    '',
    `contents of ${name}`,
    `--${boundary}`,
    'Content-Disposition: form-data; name="createFileRequest"',
    '',
    JSON.stringify({ directoryPath: dir }),
    `--${boundary}--`,
    '',
  ].join('\r\n'),
  type: `multipart/form-data; boundary=${boundary}`,
});
const filesets: Family = {
  name: 'FileSets',
  // everyone reads FileSets; only the owner (and content admins) change them; there are no FileSet shares
  who: { admin: 'admin', owner: 'editor', none: 'editor2', norole: 'part' },
  async setup({ t, as }) {
    const fs = (await as('editor', 'POST', FS, { name: 'Mx docs' })).id;
    const fs2 = (await as('editor', 'POST', FS, { name: 'Mx owner deletes' })).id;
    const fs3 = (await as('editor', 'POST', FS, { name: 'Mx admin deletes' })).id;
    const m = multipart('a.txt');
    const file = (await t.call('POST', `${FS}/${fs}/files`, { raw: m.raw, headers: { 'Content-Type': m.type, 'X-DOMO-Developer-Token': 'domo-emulator-editor-token' } })).json.id;
    return { fs, fs2, fs3, file };
  },
  probes: [`${FS}/{fs}`, `${FS}/{fs}/files/{file}`, `${FS}/{fs2}`],
  rows: [
    { action: 'fileset.create', as: 'none', method: 'POST', path: FS, body: { name: 'By editor2' }, status: 200, keep: { fsE: (j) => j.id }, readback: [`${FS}/{fsE}`, (j) => expect(j.owner).toBe(String(USERS.editor2))] },
    { action: 'fileset.create', as: 'norole', method: 'POST', path: FS, body: { name: 'By participant' }, status: 403, missing: 'authority fileset.manage to POST create a FileSet' },
    ...(['none', 'norole'] as const).map((as) => ({ action: 'fileset.read', as, method: 'GET', path: `${FS}/{fs}`, status: 200 })),
    { action: 'fileset.read', as: 'norole', method: 'GET', path: `${FS}/{fs}/files/{file}`, status: 200 },
    { action: 'fileset.read', as: 'norole', method: 'GET', path: `${FS}/{fs}/files/{file}/download`, status: 200 },
    { action: 'fileset.read', as: 'norole', method: 'GET', path: `${FS}/{fs}/path?path=docs/a.txt`, status: 200 },
    { action: 'fileset.read', as: 'norole', method: 'POST', path: `${FS}/{fs}/files/search`, body: {}, status: 200 },
    { action: 'fileset.read', as: 'norole', method: 'POST', path: `${FS}/{fs}/query`, body: { query: 'contents' }, status: 200 },
    { action: 'fileset.read', as: 'norole', method: 'POST', path: `${FS}/search`, body: {}, status: 200 },
    { action: 'fileset.update', as: 'none', method: 'POST', path: `${FS}/{fs}`, body: { name: 'Renamed by editor2' }, status: 403, missing: 'grant WRITE on FileSet {fs} to POST it (user 1345408759 holds READ)' },
    { action: 'fileset.update', as: 'norole', method: 'POST', path: `${FS}/{fs}`, body: { name: 'Renamed by participant' }, status: 403, missing: 'grant WRITE on FileSet {fs}' },
    { action: 'fileset.update', as: 'owner', method: 'POST', path: `${FS}/{fs}`, body: { description: 'by owner' }, status: 200, readback: [`${FS}/{fs}`, (j) => expect(j.description).toBe('by owner')] },
    { action: 'fileset.update', as: 'admin', method: 'POST', path: `${FS}/{fs}`, body: { description: 'by admin' }, status: 200, readback: [`${FS}/{fs}`, (j) => expect(j.description).toBe('by admin')] },
    { action: 'fileset.update', as: 'none', method: 'POST', path: `${FS}/{fs}/files`, ...multipart('b.txt'), status: 403, missing: 'grant WRITE on FileSet {fs}' },
    { action: 'fileset.update', as: 'owner', method: 'POST', path: `${FS}/{fs}/files`, ...multipart('c.txt'), status: 200, keep: { file2: (j) => j.id }, readback: [`${FS}/{fs}`, (j) => expect(j.fileCount).toBe(2)] },
    { action: 'fileset.update', as: 'none', method: 'DELETE', path: `${FS}/{fs}/files/{file}`, status: 403, missing: 'grant WRITE on FileSet {fs} to DELETE it' },
    { action: 'fileset.update', as: 'norole', method: 'DELETE', path: `${FS}/{fs}/path?path=docs/a.txt`, status: 403, missing: 'grant WRITE on FileSet {fs}' },
    { action: 'fileset.update', as: 'owner', method: 'DELETE', path: `${FS}/{fs}/files/{file2}`, status: 200, readback: [`${FS}/{fs}`, (j) => expect(j.fileCount).toBe(1)] },
    { action: 'fileset.update', as: 'admin', method: 'DELETE', path: `${FS}/{fs}/path?path=docs/a.txt`, status: 200, readback: [`${FS}/{fs}`, (j) => expect(j.fileCount).toBe(0)] },
    { action: 'fileset.delete', as: 'none', method: 'DELETE', path: `${FS}/{fs2}`, status: 403, missing: 'grant OWNER on FileSet {fs2} to DELETE it' },
    { action: 'fileset.delete', as: 'norole', method: 'DELETE', path: `${FS}/{fs2}`, status: 403, missing: 'grant OWNER on FileSet {fs2}' },
    { action: 'fileset.delete', as: 'owner', method: 'DELETE', path: `${FS}/{fs2}`, status: 200, readback: [`${FS}/{fs2}`, (j) => expect(j.status).toBe(404)] },
    { action: 'fileset.delete', as: 'admin', method: 'DELETE', path: `${FS}/{fs3}`, status: 200, readback: [`${FS}/{fs3}`, (j) => expect(j.status).toBe(404)] },
  ],
};

const QB = '/api/queues/v1';
const Q = '5d1c3a2e-7f04-4b8e-9a61-2c7e0b9f4d13'; // Invoice Exceptions, the Editor's queue
const T = '05FEB24_3MNBVC'; // its open task, assigned to the Editor
const QA = '168ecd84-4a15-45f6-89d9-021fbbce0481'; // the admin's queue; the Editor may work in it
const taskcenter: Family = {
  name: 'TaskCenter',
  who: { admin: 'admin', owner: 'editor', granted: 'editor2', reader: 'part', sharer: 'editor2', none: 'sam', manager: 'priv' },
  async setup({ as }) {
    const entry = (n: keyof typeof USERS, permissions: string[]) => ({ id: String(USERS[n]), type: 'USER', name: n, permissions });
    await as('editor', 'POST', `${QB}/${Q}/permissions`, [entry('editor2', ['READ', 'UPDATE_CONTENT', 'SHARE']), entry('part', ['READ'])]);
    return { q: Q, task: T, qa: QA };
  },
  probes: [`${QB}/{q}`, `${QB}/{q}/tasks/{task}`, `${QB}/{qa}`],
  rows: [
    ...(['admin', 'owner', 'granted', 'reader', 'manager'] as const).map((as) => ({ action: 'queue.read', as, method: 'GET', path: `${QB}/{q}`, status: 200 })),
    { action: 'queue.read', as: 'none', method: 'GET', path: `${QB}/{q}`, status: 403, missing: 'grant READ on queue {q} to GET it (user 112321221 holds no grant on it)' },
    { action: 'queue.read', as: 'reader', method: 'GET', path: `${QB}/{q}/tasks/{task}`, status: 200 },
    { action: 'queue.read', as: 'none', method: 'GET', path: `${QB}/{q}/tasks/{task}`, status: 403, missing: 'grant READ on queue {q}' },
    { action: 'queue.read', as: 'none', method: 'GET', path: QB, status: 200, answer: (j) => expect(j.map((q: any) => q.id)).not.toContain(Q) },
    { action: 'queue.read', as: 'none', method: 'POST', path: `${QB}/tasks/list`, body: {}, status: 200, answer: (j) => expect(JSON.stringify(j)).not.toContain(T) },
    { action: 'queue.work', as: 'reader', method: 'PUT', path: `${QB}/{q}/tasks/{task}/outputs`, body: {}, status: 403, missing: 'grant UPDATE_CONTENT on queue {q} to PUT it (user 1089963280 holds READ)' },
    { action: 'queue.work', as: 'none', method: 'PUT', path: `${QB}/{q}/tasks/{task}/outputs`, body: {}, status: 403, missing: 'grant READ on queue {q}' },
    { action: 'queue.work', as: 'granted', method: 'PUT', path: `${QB}/{q}/tasks/{task}/outputs`, body: {}, status: 200, readback: [`${QB}/{q}/tasks/{task}`, (j) => expect(Number(j.lockedBy)).toBe(USERS.editor2)] },
    { action: 'task.override', as: 'owner', method: 'PUT', path: `${QB}/{q}/tasks/{task}/outputs`, body: {}, status: 409 },
    { action: 'queue.work', as: 'reader', method: 'PUT', path: `${QB}/{q}/tasks/{task}/assign`, body: { userId: '{part}' }, status: 403, missing: 'grant UPDATE_CONTENT on queue {q}' },
    { action: 'queue.work', as: 'none', method: 'PUT', path: `${QB}/{q}/tasks/{task}/assign`, body: { userId: '{sam}' }, status: 403, missing: 'grant READ on queue {q}' },
    { action: 'queue.work', as: 'granted', method: 'PUT', path: `${QB}/{q}/tasks/{task}/assign`, body: { userId: '{editor2}' }, status: 200, readback: [`${QB}/{q}/tasks/{task}`, (j) => expect(Number(j.assignedTo)).toBe(USERS.editor2)] },
    { action: 'queue.work', as: 'reader', method: 'PUT', path: `${QB}/{q}/tasks/{task}/move?targetQueueId={qa}`, status: 403, missing: 'grant UPDATE_CONTENT on queue {q}' },
    { action: 'queue.work', as: 'granted', method: 'PUT', path: `${QB}/{q}/tasks/{task}/move?targetQueueId={qa}`, status: 403, missing: 'grant READ on queue {qa}' },
    { action: 'queue.work', as: 'reader', method: 'POST', path: `${QB}/{q}/tasks/{task}/complete?version=2`, body: {}, status: 403, missing: 'grant UPDATE_CONTENT on queue {q}' },
    { action: 'queue.work', as: 'none', method: 'POST', path: `${QB}/{q}/tasks/{task}/void`, status: 403, missing: 'grant READ on queue {q}' },
    { action: 'queue.work', as: 'reader', method: 'POST', path: `${QB}/{q}/tasks/{task}/void`, status: 403, missing: 'grant UPDATE_CONTENT on queue {q}' },
    // permissions: ADMIN or SHARE holders, never beyond what they hold
    { action: 'queue.manage', as: 'reader', method: 'POST', path: `${QB}/{q}/permissions`, body: [{ id: '{sam}', type: 'USER', name: 'sam', permissions: ['READ'] }], status: 403, missing: 'grant ADMIN or SHARE on queue {q} to POST it' },
    { action: 'queue.manage', as: 'none', method: 'POST', path: `${QB}/{q}/permissions`, body: [{ id: '{sam}', type: 'USER', name: 'sam', permissions: ['READ'] }], status: 403, missing: 'grant READ on queue {q}' },
    { action: 'queue.manage', as: 'sharer', method: 'POST', path: `${QB}/{q}/permissions`, body: [{ id: '{sam}', type: 'USER', name: 'sam', permissions: ['ADMIN'] }], status: 403, missing: 'grant ADMIN on queue {q} to hand it out' },
    { action: 'queue.manage', as: 'sharer', method: 'POST', path: `${QB}/{q}/permissions`, body: [{ id: '{sam}', type: 'USER', name: 'sam', permissions: ['READ'] }], status: 200, answer: (j) => expect(j.find((e: any) => e.id === String(USERS.sam)).permissions).toEqual(['READ']) },
    { action: 'queue.read', as: 'none', method: 'GET', path: `${QB}/{q}`, status: 200 },
    { action: 'queue.manage', as: 'owner', method: 'POST', path: `${QB}/{q}/permissions`, body: [{ id: '{sam}', type: 'USER', name: 'sam', permissions: [] }], status: 200, answer: (j) => expect(j.map((e: any) => e.id)).not.toContain(String(USERS.sam)) },
    { action: 'queue.read', as: 'none', method: 'GET', path: `${QB}/{q}`, status: 403, missing: 'grant READ on queue {q}' },
    // Task Center managers act as owners of every queue (taskcenter.manage)
    { action: 'queue.work', as: 'manager', method: 'POST', path: `${QB}/{q}/tasks/{task}/void`, status: 200, readback: [`${QB}/{q}/tasks/{task}`, (j) => expect(j.status).toBe('VOIDED')] },
    { action: 'queue.work', as: 'owner', method: 'POST', path: `${QB}/{qa}/tasks/18OCT23_1JUTZM/void`, status: 200, readback: [`${QB}/{qa}/tasks/18OCT23_1JUTZM`, (j) => expect(j.status).toBe('VOIDED')] },
  ],
};

const W = '/api/workflow/v1';
// Airplane Part Action Items, the admin's: its instances wait on a review task, so they can be canceled
const MODEL = '6a701240-76bf-4b9a-8145-199156b371cc';
const start = { messageName: 'Start Airplane Part Action Items', version: '1.2.0', modelId: MODEL, data: { defectReport: 'loose fastener' } };
const workflows: Family = {
  name: 'Workflows',
  // owner: the admin owns the model, and whoever starts an instance acts on that instance as its owner
  who: { admin: 'admin', owner: 'editor', granted: 'editor', reader: 'editor2', sharer: 'priv', none: 'sam' },
  async setup({ as }) {
    await as('admin', 'POST', `${W}/models/${MODEL}/permissions`, [
      { id: String(USERS.editor), type: 'USER', name: 'editor', permissions: ['READ', 'EXECUTE'] },
      { id: String(USERS.editor2), type: 'USER', name: 'editor2', permissions: ['READ'] },
      { id: String(USERS.priv), type: 'USER', name: 'priv', permissions: ['READ', 'SHARE'] },
    ]);
    const other = (await as('admin', 'POST', `${W}/instances/message`, start)).id;
    return { m: MODEL, other };
  },
  probes: [`${W}/instances/{other}`],
  rows: [
    { action: 'workflow.start', as: 'granted', method: 'POST', path: `${W}/instances/message`, body: start, status: 200, keep: { inst: (j) => j.id }, readback: [`${W}/instances/{inst}`, (j) => expect(j.createdBy).toBe(String(USERS.editor))] },
    { action: 'workflow.start', as: 'reader', method: 'POST', path: `${W}/instances/message`, body: start, status: 403, missing: 'grant EXECUTE on workflow {m} to POST it (user 1345408759 holds READ)' },
    { action: 'workflow.start', as: 'none', method: 'POST', path: `${W}/instances/message`, body: start, status: 403, missing: 'grant EXECUTE on workflow {m}' },
    { action: 'workflow.start', as: 'admin', method: 'POST', path: `${W}/instances/message`, body: start, status: 200 },
    { action: 'workflow.read', as: 'reader', method: 'GET', path: `${W}/instances/{other}`, status: 200 },
    { action: 'workflow.read', as: 'none', method: 'GET', path: `${W}/instances/{other}`, status: 403, missing: 'grant READ on workflow {m} to GET it' },
    { action: 'workflow.cancel', as: 'reader', method: 'POST', path: `${W}/instances/{other}/cancel`, status: 403, missing: 'grant EXECUTE on workflow {m}' },
    { action: 'workflow.cancel', as: 'none', method: 'POST', path: `${W}/instances/{other}/cancel`, status: 403, missing: 'grant EXECUTE on workflow {m}' },
    { action: 'workflow.cancel', as: 'owner', method: 'POST', path: `${W}/instances/{inst}/cancel`, status: 200, readback: [`${W}/instances/{inst}`, (j) => expect(j.status).toBe('CANCELED')] },
    { action: 'workflow.cancel', as: 'admin', method: 'POST', path: `${W}/instances/{other}/cancel`, status: 200, readback: [`${W}/instances/{other}`, (j) => expect(j.status).toBe('CANCELED')] },
    { action: 'workflow.share', as: 'granted', method: 'POST', path: `${W}/models/{m}/permissions`, body: [{ id: '{sam}', type: 'USER', name: 'sam', permissions: ['READ'] }], status: 403, missing: 'grant ADMIN or SHARE on workflow {m} to POST it (user 587894148 holds EXECUTE, READ)' },
    { action: 'workflow.share', as: 'none', method: 'POST', path: `${W}/models/{m}/permissions`, body: [{ id: '{sam}', type: 'USER', name: 'sam', permissions: ['READ'] }], status: 403, missing: 'grant ADMIN or SHARE on workflow {m}' },
    { action: 'workflow.share', as: 'sharer', method: 'POST', path: `${W}/models/{m}/permissions`, body: [{ id: '{priv}', type: 'USER', name: 'priv', permissions: ['ADMIN'] }], status: 403, missing: 'grant ADMIN on workflow {m} to hand it out' },
    { action: 'workflow.share', as: 'sharer', method: 'POST', path: `${W}/models/{m}/permissions`, body: [{ id: '{sam}', type: 'USER', name: 'sam', permissions: ['EXECUTE'] }], status: 403, missing: 'grant EXECUTE on workflow {m} to hand it out' },
    { action: 'workflow.share', as: 'sharer', method: 'POST', path: `${W}/models/{m}/permissions`, body: [{ id: '{editor}', type: 'USER', name: 'editor', permissions: [] }], status: 403, missing: 'grant EXECUTE on workflow {m} to hand it out' },
    { action: 'workflow.share', as: 'sharer', method: 'POST', path: `${W}/models/{m}/permissions`, body: [{ id: '{sam}', type: 'USER', name: 'sam', permissions: ['READ'] }], status: 200, answer: (j) => expect(j.map((e: any) => e.id)).toContain(String(USERS.sam)) },
    { action: 'workflow.read', as: 'none', method: 'GET', path: `${W}/instances/{other}`, status: 200 },
    { action: 'workflow.share', as: 'admin', method: 'POST', path: `${W}/models/{m}/permissions`, body: [{ id: '{sam}', type: 'USER', name: 'sam', permissions: ['READ', 'EXECUTE'] }], status: 200, answer: (j) => expect(j.find((e: any) => e.id === String(USERS.sam)).permissions).toEqual(['READ', 'EXECUTE']) },
  ],
};

const CE = '/api/codeengine/v2/packages';
const fn = { name: 'add', displayName: 'add', description: 'adds', isPrivate: false, inputs: ['a', 'b'].map((n) => ({ name: n, displayName: n, type: 'number', nullable: false, isList: false })), output: { name: 'result', type: 'number', nullable: false, isList: false } };
const pkg = (over: Record<string, unknown> = {}) => ({ name: 'Mx math', language: 'JAVASCRIPT', environment: 'LAMBDA', version: '1.0.0', code: 'function add(a, b) { return a + b; }', manifest: { functions: [fn], configuration: { accountsMapping: [] } }, ...over });
const codeEngine: Family = {
  name: 'CodeEngine packages',
  // owner: created the package while Privileged, then made an Editor (so it no longer holds codeengine.manage)
  who: { admin: 'admin', owner: 'editor2', granted: 'priv', none: 'editor', norole: 'part' },
  async setup({ as }) {
    await as('admin', 'PATCH', `/api/identity/v1/users/${USERS.editor2}`, { roleId: 2 });
    const p = await as('editor2', 'POST', CE, pkg());
    await as('admin', 'PATCH', `/api/identity/v1/users/${USERS.editor2}`, { roleId: 3 });
    return { p: p.id };
  },
  probes: [`${CE}/{p}?parts=versions,functions`, CE],
  rows: [
    { action: 'package.create', as: 'none', method: 'POST', path: CE, body: pkg({ name: 'By editor' }), status: 403, missing: 'authority codeengine.manage to POST create a Code Engine package' },
    { action: 'package.create', as: 'norole', method: 'POST', path: CE, body: pkg({ name: 'By part' }), status: 403, missing: 'authority codeengine.manage' },
    { action: 'package.create', as: 'granted', method: 'POST', path: CE, body: pkg({ name: 'By priv' }), status: 200, keep: { p2: (j) => j.id }, readback: [`${CE}/{p2}`, (j) => expect(j.owner).toBe(USERS.priv)] },
    { action: 'package.update', as: 'none', method: 'POST', path: CE, body: pkg({ id: '{p}', version: '1.1.0' }), status: 403, missing: 'grant OWNER on Code Engine package {p} to POST it (user 587894148 holds no grant on it)' },
    { action: 'package.update', as: 'owner', method: 'POST', path: CE, body: pkg({ id: '{p}', version: '1.1.0' }), status: 200, readback: [`${CE}/{p}?parts=versions`, (j) => expect(j.versions.map((v: any) => v.version)).toEqual(['1.0.0', '1.1.0'])] },
    { action: 'package.update', as: 'none', method: 'POST', path: `${CE}/{p}/versions/1.1.0/release`, status: 403, missing: 'grant OWNER on Code Engine package {p}' },
    { action: 'package.update', as: 'norole', method: 'POST', path: `${CE}/{p}/versions/1.1.0/release`, status: 403, missing: 'grant OWNER on Code Engine package {p}' },
    { action: 'package.update', as: 'owner', method: 'POST', path: `${CE}/{p}/versions/1.1.0/release`, status: 200, readback: [`${CE}/{p}`, (j) => expect(j.releasedVersion).toBe('1.1.0')] },
    { action: 'package.update', as: 'granted', method: 'POST', path: CE, body: pkg({ id: '{p}', version: '1.2.0' }), status: 200 },
    { action: 'package.update', as: 'admin', method: 'POST', path: `${CE}/{p}/versions/1.2.0/release`, status: 200, readback: [`${CE}/{p}`, (j) => expect(j.releasedVersion).toBe('1.2.0')] },
    ...(['none', 'norole', 'social'] as const).map((as) => ({ action: 'package.run', as, method: 'POST', path: `${CE}/{p}/versions/1.0.0/functions/add`, body: { inputVariables: { a: 2, b: 3 } }, status: 200, answer: (j: any) => expect(j.result).toBe(5) })),
  ],
};

const PKG = '/api/codeengine/v2/packages/756f0b19-5125-44f6-b541-058980ff6a94/versions/1.0.0/functions/addNumbers';
const others: Family = {
  name: 'CodeEngine, AIServices, Search, ActivityLog',
  who: { admin: 'admin', granted: 'part', norole: 'social', none: 'editor' },
  async setup({ as }) {
    // a dataset, card and account only their owners (and admins) may see
    const ds = (await as('editor', 'POST', '/api/data/v2/datasources', { dataSourceName: 'Mxsecret dataset', schema: { columns: [{ name: 'a', type: 'STRING' }] } })).id;
    return { ds };
  },
  probes: ['/api/audit/v1/user-audits/objectTypes'],
  rows: [
    // Code Engine: running a function needs no authority (package.run)
    ...(['admin', 'granted', 'norole'] as const).map((as) => ({ action: 'package.run', as, method: 'POST', path: PKG, body: { inputVariables: { a: 1, b: 2 } }, status: 200, answer: (j: any) => expect(JSON.stringify(j)).toContain('3') })),
    // AI services: ai.use
    ...(['/api/ai/v1/text/generation', '/api/ai/v1/text/summarize'] as const).flatMap((path) => [
      { action: 'ai.use', as: 'granted', method: 'POST', path, body: { input: 'Why is the sky blue?' }, status: 200 },
      { action: 'ai.use', as: 'norole', method: 'POST', path, body: { input: 'Why is the sky blue?' }, status: 403, missing: 'authority ai.use' },
    ]),
    { action: 'ai.use', as: 'norole', method: 'POST', path: '/api/ai/v1/text/sql', body: { input: 'total by a', dataSourceSchemas: [{ dataSourceName: 'x', columns: [{ name: 'a', type: 'STRING' }] }] }, status: 403, missing: 'authority ai.use' },
    { action: 'ai.use', as: 'admin', method: 'POST', path: '/api/ai/v1/text/generation', body: { input: 'Why is the sky blue?' }, status: 200 },
    // Search: search.use, and only what the caller may see
    { action: 'search.use', as: 'norole', method: 'POST', path: '/api/search/v1/query', body: { query: 'Mxsecret', entityList: [['dataset']] }, status: 200, answer: (j) => expect(JSON.stringify(j)).not.toContain('Mxsecret') },
    { action: 'search.use', as: 'editor', method: 'POST', path: '/api/search/v1/query', body: { query: 'Mxsecret', entityList: [['dataset']] }, status: 200, answer: (j) => expect(JSON.stringify(j)).toContain('Mxsecret') },
    { action: 'search.use', as: 'granted', method: 'POST', path: '/api/search/v1/query', body: { query: '*', entityList: [['account']], count: 100 }, status: 200, answer: (j) => expect(JSON.stringify(j)).not.toContain('Snowflake - Analytics Warehouse') },
    { action: 'search.use', as: 'priv', method: 'POST', path: '/api/search/v1/query', body: { query: '*', entityList: [['account']], count: 100 }, status: 200, answer: (j) => expect(JSON.stringify(j)).toContain('Snowflake - Analytics Warehouse') },
    { action: 'search.use', as: 'granted', method: 'POST', path: '/api/search/v1/query', body: { query: '*', entityList: [['card']], count: 100 }, status: 200, answer: (j) => expect([JSON.stringify(j).includes('Revenue by Region'), JSON.stringify(j).includes('DataFlow Creation')]).toEqual([true, false]) },
    { action: 'search.use', as: 'none', method: 'POST', path: '/api/search/v1/query', body: { query: '*', entityList: [['card']], count: 100 }, status: 200, answer: (j) => expect(JSON.stringify(j)).toContain('DataFlow Creation') },
    // Activity log: audit.view (Admin only)
    { action: 'audit.read', as: 'admin', method: 'GET', path: '/api/audit/v1/user-audits?start=0&end=9999999999999&limit=5', status: 200 },
    { action: 'audit.read', as: 'none', method: 'GET', path: '/api/audit/v1/user-audits?start=0&end=9999999999999&limit=5', status: 403, missing: 'authority audit.view to GET read the activity log' },
    { action: 'audit.read', as: 'priv', method: 'GET', path: '/api/audit/v1/user-audits/objectTypes', status: 403, missing: 'authority audit.view' },
    { action: 'audit.read', as: 'granted', method: 'GET', path: '/api/audit/v1/user-audits/objectTypes', status: 403, missing: 'authority audit.view' },
  ],
};

const t = matrix([appdb, files, filesets, taskcenter, workflows, codeEngine, others]);
afterAll(() => t.close());
