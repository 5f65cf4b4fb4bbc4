import { afterAll, expect } from 'vitest';
import { USERS, matrix, type Api, type Family, type World } from './matrix.js';

// Cards, Pages, BeastModes, Alerts, CertifiedContent, ScheduledReports.
const SALES = '0dbe6a6a-5588-4a1e-9db4-989ca98762a5'; // the admin's; Editor CAN_EDIT, Sales Team (editor, part, admin) CAN_VIEW
const CARD = 100292102; // Monthly Sales Trend, the Editor's card on SALES
const ACTIVITY_CARD = 100292082; // DataFlow Creation, the admin's card on the activity dataset (Editor CO_OWNER)
const shareSales = (ids: number[]) => ({ permissions: ids.map((id) => ({ type: 'USER', id, accessLevel: 'CAN_VIEW' })) });
const title = (text: string) => ({ dynamicTitle: { text: [{ type: 'TEXT', text }] } });
const cardTitle = (j: any, id: number) => j.find((c: any) => c.id === id)?.title;

const cards: Family = {
  name: 'Cards',
  // a card is seen by its owner and by whoever may read its dataset; only its owner (and content admins) edit it
  who: { admin: 'admin', owner: 'editor', granted: 'part', reader: 'editor2', none: 'sam', norole: 'social' },
  async setup({ as }) {
    await as('admin', 'POST', `/api/data/v3/datasources/${SALES}/share`, shareSales([USERS.editor2, USERS.social]));
    return { card: CARD, sales: SALES };
  },
  probes: ['/api/content/v1/datasources/{sales}/cards'],
  rows: [
    ...(['admin', 'owner', 'granted', 'reader'] as const).map((as) => ({ action: 'card.read', as, method: 'PUT', path: '/api/content/v1/cards/kpi/{card}/render?parts=title,summary', status: 200, answer: (j: any) => expect(JSON.stringify(j)).toContain('Monthly Sales Trend') })),
    { action: 'card.read', as: 'none', method: 'PUT', path: '/api/content/v1/cards/kpi/{card}/render?parts=title', status: 403, missing: 'grant CAN_VIEW on card {card} to PUT it (user 112321221 holds no grant on it)' },
    { action: 'card.read', as: 'norole', method: 'PUT', path: '/api/content/v1/cards/kpi/{card}/render?parts=title', status: 403, missing: 'authority card.view or card.edit to PUT card {card}' },
    { action: 'card.update', as: 'reader', method: 'PUT', path: '/api/content/v1/cards/{card}/title', body: title('By editor2'), status: 403, missing: 'grant CAN_EDIT on card {card} to PUT it (user 1345408759 holds CAN_VIEW)' },
    { action: 'card.update', as: 'granted', method: 'PUT', path: '/api/content/v1/cards/{card}/title', body: title('By part'), status: 403, missing: 'authority card.edit to PUT card {card}' },
    { action: 'card.update', as: 'none', method: 'PUT', path: '/api/content/v1/cards/{card}/title', body: title('By sam'), status: 403, missing: 'authority card.edit' },
    { action: 'card.update', as: 'owner', method: 'PUT', path: '/api/content/v1/cards/{card}/title', body: title('Trend (owner)'), status: 200, readback: ['/api/content/v1/datasources/{sales}/cards', (j) => expect(cardTitle(j, CARD)).toBe('Trend (owner)')] },
    { action: 'card.update', as: 'admin', method: 'PUT', path: '/api/content/v1/cards/{card}/title', body: title('Trend (admin)'), status: 200, readback: ['/api/content/v1/datasources/{sales}/cards', (j) => expect(cardTitle(j, CARD)).toBe('Trend (admin)')] },
  ],
};

// Pages have no read route in the reference: the state is read from the store.
const page = (id: number | string) => (t: Api, w: World) => t.instance().stores.pages.get(Number(typeof id === 'string' ? w[id] : id));
const OPS = 2222222; // the Editor's, shared with Privileged
const OPS_CHILD = 11111111; // the Editor's, under OPS
const COVID = 456; // editor2's, locked; shared with part and the Editor
const ARCHIVE = 789; // the admin's, shared with the Editor
const pagesF: Family = {
  name: 'Pages',
  who: { admin: 'admin', owner: 'editor', granted: 'priv', none: 'editor2', norole: 'part', noview: 'social' },
  probes: [page(OPS), page(OPS_CHILD), page(COVID), page(ARCHIVE), page(12345)],
  rows: [
    { action: 'page.create', as: 'owner', method: 'POST', path: '/api/content/v1/pages', body: { parentPageId: OPS, title: 'Mx by owner' }, status: 200, keep: { p1: (j) => j.pageId }, readback: [page('p1'), (j) => expect(j).toMatchObject({ parentPageId: OPS, ownerId: USERS.editor })] },
    { action: 'page.create', as: 'granted', method: 'POST', path: '/api/content/v1/pages', body: { parentPageId: OPS, title: 'Mx by priv' }, status: 200, keep: { p2: (j) => j.pageId }, readback: [page('p2'), (j) => expect(j.ownerId).toBe(USERS.priv)] },
    { action: 'page.create', as: 'none', method: 'POST', path: '/api/content/v1/pages', body: { parentPageId: OPS, title: 'Mx by editor2' }, status: 403, missing: 'grant CAN_VIEW on page 2222222 to POST it (user 1345408759 holds no grant on it)' },
    { action: 'page.create', as: 'norole', method: 'POST', path: '/api/content/v1/pages', body: { parentPageId: ARCHIVE, title: 'Mx by part' }, status: 403, missing: 'authority page.create to POST create a page or subpage' },
    { action: 'page.create', as: 'owner', method: 'POST', path: '/api/content/v1/pages', body: { parentPageId: COVID, title: 'Under a locked page' }, status: 403, missing: 'grant CAN_EDIT on page 456 to POST it (user 587894148 holds CAN_VIEW)' },
    { action: 'page.create', as: 'none', method: 'POST', path: '/api/content/v1/pages', body: { parentPageId: COVID, title: 'By the locked page’s owner' }, status: 200, keep: { p3: (j) => j.pageId }, readback: [page('p3'), (j) => expect(j.parentPageId).toBe(COVID)] },
    { action: 'page.create', as: 'admin', method: 'POST', path: '/api/content/v1/pages', body: { parentPageId: COVID, title: 'By admin' }, status: 200 },
    { action: 'page.update', as: 'granted', method: 'PUT', path: '/api/content/v1/pages/bulk/move', body: { pageIds: [OPS_CHILD], parentPageId: OPS, pagePermission: 'ORIGINAL' }, status: 403, missing: 'grant CAN_EDIT on page 11111111 to PUT it' },
    { action: 'page.update', as: 'none', method: 'PUT', path: '/api/content/v1/pages/bulk/move', body: { pageIds: [OPS_CHILD], parentPageId: COVID, pagePermission: 'ORIGINAL' }, status: 403, missing: 'grant CAN_EDIT on page 11111111' },
    { action: 'page.update', as: 'norole', method: 'PUT', path: '/api/content/v1/pages/bulk/move', body: { pageIds: [OPS_CHILD], parentPageId: COVID, pagePermission: 'ORIGINAL' }, status: 403, missing: 'authority page.edit' },
    { action: 'page.update', as: 'owner', method: 'PUT', path: '/api/content/v1/pages/bulk/move', body: { pageIds: [OPS_CHILD], parentPageId: ARCHIVE, pagePermission: 'ORIGINAL' }, status: 200, readback: [page(OPS_CHILD), (j) => expect(j.parentPageId).toBe(ARCHIVE)] },
    { action: 'page.update', as: 'admin', method: 'PUT', path: '/api/content/v1/pages/bulk/move', body: { pageIds: ['{p2}'], parentPageId: ARCHIVE, pagePermission: 'ORIGINAL' }, status: 200, readback: [page('p2'), (j) => expect(j.parentPageId).toBe(ARCHIVE)] },
    // revoking someone's access: the page's editors; anyone may drop their own
    { action: 'page.update', as: 'none', method: 'DELETE', path: `/api/content/v1/share/page/${OPS}/user/{priv}`, status: 403, missing: 'grant CAN_EDIT on page 2222222 to DELETE it' },
    { action: 'page.update', as: 'norole', method: 'DELETE', path: `/api/content/v1/share/page/${ARCHIVE}/user/{editor}`, status: 403, missing: 'authority page.edit' },
    { action: 'page.update', as: 'owner', method: 'DELETE', path: `/api/content/v1/share/page/${OPS}/user/{priv}`, status: 200, readback: [page(OPS), (j) => expect(JSON.stringify(j.sharedWith)).not.toContain(String(USERS.priv))] },
    { action: 'page.update', as: 'norole', method: 'DELETE', path: `/api/content/v1/share/page/${COVID}/user/{part}`, status: 200, readback: [page(COVID), (j) => expect(JSON.stringify(j.sharedWith)).not.toContain(String(USERS.part))] },
    { action: 'page.update', as: 'admin', method: 'DELETE', path: `/api/content/v1/share/page/${ARCHIVE}/user/{editor}`, status: 200, readback: [page(ARCHIVE), (j) => expect(JSON.stringify(j.sharedWith)).not.toContain(String(USERS.editor))] },
  ],
};

const BM = '/api/query/v1/functions';
const beastModes: Family = {
  name: 'BeastModes',
  // 502 is the Editor's (unlocked); 503 the admin's (locked)
  who: { admin: 'admin', owner: 'editor', granted: 'editor2', norole: 'part' },
  probes: [`${BM}/template/502`, `${BM}/template/503`],
  rows: [
    { action: 'beastmode.read', as: 'norole', method: 'GET', path: `${BM}/template/502`, status: 200 },
    { action: 'beastmode.read', as: 'norole', method: 'POST', path: `${BM}/search`, body: { filters: [], sort: { field: 'name', ascending: true }, limit: 10 }, status: 200 },
    { action: 'beastmode.update', as: 'granted', method: 'PUT', path: `${BM}/template/502`, body: { expression: 'SUM(`amount`) * 0.8' }, status: 200, readback: [`${BM}/template/502`, (j) => expect(j.expression).toBe('SUM(`amount`) * 0.8')] },
    { action: 'beastmode.update', as: 'norole', method: 'PUT', path: `${BM}/template/502`, body: { expression: 'SUM(`amount`)' }, status: 403, missing: 'authority beastmode.manage to PUT Beast Mode 502' },
    { action: 'beastmode.lock', as: 'granted', method: 'PUT', path: `${BM}/template/502`, body: { locked: true }, status: 403, missing: 'grant OWNER on Beast Mode 502 to PUT it' },
    { action: 'beastmode.lock', as: 'owner', method: 'PUT', path: `${BM}/template/502`, body: { locked: true }, status: 200, readback: [`${BM}/template/502`, (j) => expect(j.locked).toBe(true)] },
    { action: 'beastmode.lock', as: 'granted', method: 'PUT', path: `${BM}/template/502`, body: { expression: 'SUM(`amount`)' }, status: 403, missing: 'grant OWNER on Beast Mode 502' },
    { action: 'beastmode.lock', as: 'owner', method: 'PUT', path: `${BM}/template/503`, body: { expression: 'SUM(`amount`)' }, status: 403, missing: 'grant OWNER on Beast Mode 503 to PUT it (user 587894148 holds no grant on it)' },
    { action: 'beastmode.lock', as: 'admin', method: 'PUT', path: `${BM}/template/503`, body: { locked: false }, status: 200, readback: [`${BM}/template/503`, (j) => expect(j.locked).toBe(false)] },
    { action: 'beastmode.update', as: 'granted', method: 'PUT', path: `${BM}/template/503`, body: { name: 'Gross Margin (editor2)' }, status: 200, readback: [`${BM}/template/503`, (j) => expect(j.name).toBe('Gross Margin (editor2)')] },
  ],
};

const AL = '/api/social/v4/alerts';
const alerts: Family = {
  name: 'Alerts',
  // alert 123 is the Editor's, subscribed by the Sales Team (so by the Participant); 358 is the admin's
  who: { admin: 'admin', owner: 'editor', granted: 'part', self: 'editor2', none: 'priv', norole: 'social' },
  probes: [`${AL}/123`, `${AL}/358`],
  rows: [
    { action: 'alert.read', as: 'granted', method: 'GET', path: `${AL}/123`, status: 200, answer: (j) => expect(j.currentUserSubscribed).toBe(true) },
    { action: 'alert.read', as: 'owner', method: 'GET', path: `${AL}/123`, status: 200 },
    { action: 'alert.subscribe', as: 'self', method: 'POST', path: `${AL}/123/subscriptions`, body: { subscriberId: '{editor2}', type: 'USER' }, status: 200, readback: [`${AL}/123`, (j) => expect(j.subscriptions).toContainEqual({ subscriberId: USERS.editor2, type: 'USER' })] },
    { action: 'alert.subscribe', as: 'norole', method: 'POST', path: `${AL}/123/subscriptions`, body: { subscriberId: '{social}', type: 'USER' }, status: 403, missing: 'authority alert.manage to POST subscribe yourself to an alert' },
    { action: 'alert.update', as: 'granted', method: 'POST', path: `${AL}/123/subscriptions`, body: { subscriberId: '{sam}', type: 'USER' }, status: 403, missing: 'grant OWNER on alert 123 to POST it (user 1089963280 holds SUBSCRIBER)' },
    { action: 'alert.update', as: 'owner', method: 'POST', path: `${AL}/123/subscriptions`, body: { subscriberId: '{sam}', type: 'USER' }, status: 200, readback: [`${AL}/123`, (j) => expect(j.subscriptions).toContainEqual({ subscriberId: USERS.sam, type: 'USER' })] },
    { action: 'alert.update', as: 'granted', method: 'DELETE', path: `${AL}/123/subscriptions?subscriberId={sam}&type=USER`, status: 403, missing: 'grant OWNER on alert 123' },
    { action: 'alert.subscribe', as: 'sam', method: 'DELETE', path: `${AL}/123/subscriptions?subscriberId={sam}&type=USER`, status: 200, readback: [`${AL}/123`, (j) => expect(j.subscriptions).not.toContainEqual({ subscriberId: USERS.sam, type: 'USER' })] },
    { action: 'alert.update', as: 'none', method: 'POST', path: `${AL}/123/subscriptions?subscriberId={editor2}&type=USER`, status: 403, missing: 'grant OWNER on alert 123' },
    { action: 'alert.share', as: 'granted', method: 'POST', path: `${AL}/123/share`, body: { userMessage: 'fyi', alertSubscriptions: [{ subscriberId: '{scott}', type: 'USER' }] }, status: 200, readback: [`${AL}/123`, (j) => expect(j.subscriptions).toContainEqual({ subscriberId: USERS.scott, type: 'USER' })] },
    { action: 'alert.share', as: 'none', method: 'POST', path: `${AL}/123/share`, body: { userMessage: 'fyi', alertSubscriptions: [{ subscriberId: '{sam}', type: 'USER' }] }, status: 403, missing: 'grant SUBSCRIBER on alert 123 to POST it (user 1249569521 holds no grant on it)' },
    { action: 'alert.share', as: 'norole', method: 'POST', path: `${AL}/123/share`, body: { userMessage: 'fyi', alertSubscriptions: [{ subscriberId: '{sam}', type: 'USER' }] }, status: 403, missing: 'authority alert.manage' },
    { action: 'alert.update', as: 'granted', method: 'DELETE', path: `${AL}/123`, status: 403, missing: 'grant OWNER on alert 123 to DELETE it' },
    { action: 'alert.update', as: 'norole', method: 'DELETE', path: `${AL}/123`, status: 403, missing: 'authority alert.manage' },
    { action: 'alert.update', as: 'owner', method: 'DELETE', path: `${AL}/358`, status: 403, missing: 'grant OWNER on alert 358' },
    { action: 'alert.update', as: 'owner', method: 'DELETE', path: `${AL}/123`, status: 200, readback: [`${AL}/123`, (j) => expect(j.status).toBe(404)] },
    { action: 'alert.update', as: 'admin', method: 'DELETE', path: `${AL}/358`, status: 200, readback: [`${AL}/358`, (j) => expect(j.status).toBe(404)] },
  ],
};

const CERT = `/api/tags/v3/CARD/${CARD}/system/CERTIFIED/state`;
const certified: Family = {
  name: 'CertifiedContent',
  who: { admin: 'admin', granted: 'priv', none: 'editor', norole: 'part' },
  probes: [CERT],
  rows: [
    { action: 'certification.manage', as: 'none', method: 'PUT', path: `${CERT}/ACTIVE`, status: 403, missing: 'authority certification.manage to PUT certify or de-certify content' },
    { action: 'certification.manage', as: 'norole', method: 'PUT', path: `${CERT}/ACTIVE`, status: 403, missing: 'authority certification.manage' },
    { action: 'certification.manage', as: 'granted', method: 'PUT', path: `${CERT}/ACTIVE`, status: 200, readback: [CERT, (j) => expect(j).toMatchObject({ state: 'ACTIVE', metadata: { certifiedBy: USERS.priv } })] },
    { action: 'certification.manage', as: 'norole', method: 'GET', path: CERT, status: 200 },
    { action: 'certification.manage', as: 'none', method: 'DELETE', path: CERT, status: 403, missing: 'authority certification.manage' },
    { action: 'certification.manage', as: 'admin', method: 'DELETE', path: CERT, status: 204, readback: [CERT, (j) => expect(j.state).toBeNull()] },
    { action: 'certification.manage', as: 'admin', method: 'PUT', path: `/api/tags/v3/DATA_SOURCE/${SALES}/system/CERTIFIED/state/ACTIVE`, status: 200 },
  ],
};

const RS = '/api/content/v1/reportschedules';
const daily = (over: Record<string, unknown> = {}) => ({ title: 'Mx report', cardId: CARD, schedule: { frequency: 'DAILY', hourOfDay: 6, additionalRecipients: [{ type: 'USER', value: String(USERS.part) }] }, ...over });
const reports: Family = {
  name: 'ScheduledReports',
  // the Editor's schedule {s} on its card, received by the Participant; editor2 may schedule but neither owns nor receives it
  who: { admin: 'admin', owner: 'editor', granted: 'part', none: 'editor2', norole: 'sam' },
  async setup({ as }) {
    const s = await as('editor', 'POST', RS, daily());
    const s2 = await as('editor', 'POST', RS, daily({ title: 'Mx owner deletes' }));
    const s3 = await as('editor', 'POST', RS, daily({ title: 'Mx admin deletes' }));
    await as('editor', 'POST', `${RS}/${s.id}/sendnow`, []);
    const h = (await as('editor', 'GET', `${RS}/${s.id}/history`))[0].id;
    return { s: s.id, view: s.reportViewId, s2: s2.id, s3: s3.id, h };
  },
  probes: [`${RS}/{s}`, `${RS}/{s}/history`, `${RS}?filter=ALL`, `${RS}/history?filter=ALL`],
  rows: [
    { action: 'schedule.create', as: 'owner', method: 'POST', path: RS, body: daily({ title: 'Another' }), status: 200, keep: { s4: (j) => j.id }, readback: [`${RS}/{s4}`, (j) => expect(j.ownerId).toBe(USERS.editor)] },
    { action: 'schedule.create', as: 'granted', method: 'POST', path: RS, body: daily({ title: 'By part' }), status: 403, missing: 'authority report.schedule to POST create a report schedule' },
    { action: 'card.read', as: 'none', method: 'POST', path: RS, body: daily({ title: 'On a card editor2 cannot see' }), status: 403, missing: `grant CAN_VIEW on card ${CARD} to POST it` },
    { action: 'dataset.read', as: 'none', method: 'POST', path: RS, body: { title: 'On a dataset editor2 cannot read', resourceType: 'DATASET', resourceId: '61c4e63d-0627-41f7-b138-74968ebd7634', schedule: { frequency: 'DAILY' } }, status: 403, missing: 'grant CAN_VIEW on DataSet 61c4e63d-0627-41f7-b138-74968ebd7634' },
    // reads: owner, recipients, content admins
    ...(['admin', 'owner', 'granted'] as const).map((as) => ({ action: 'schedule.read', as, method: 'GET', path: `${RS}/{s}`, status: 200 })),
    { action: 'schedule.read', as: 'none', method: 'GET', path: `${RS}/{s}`, status: 403, missing: 'grant RECIPIENT on report schedule {s} to GET it (user 1345408759 holds no grant on it)' },
    { action: 'schedule.read', as: 'none', method: 'GET', path: `${RS}/views/{view}`, status: 403, missing: 'grant RECIPIENT on report schedule {s}' },
    { action: 'schedule.read', as: 'none', method: 'GET', path: RS, status: 200, answer: (j, w) => expect(j.map((s: any) => s.id)).not.toContain(w.s) },
    { action: 'schedule.readAll', as: 'owner', method: 'GET', path: `${RS}?filter=ALL`, status: 403, missing: 'authority content.admin' },
    { action: 'schedule.readAll', as: 'owner', method: 'GET', path: `${RS}/history?filter=ALL`, status: 403, missing: 'authority content.admin' },
    { action: 'schedule.readAll', as: 'admin', method: 'GET', path: `${RS}?filter=ALL`, status: 200 },
    { action: 'schedule.update', as: 'owner', method: 'GET', path: `${RS}/{s}/history`, status: 200, answer: (j) => expect(j).toHaveLength(1) },
    { action: 'schedule.update', as: 'granted', method: 'GET', path: `${RS}/{s}/history`, status: 403, missing: 'authority report.schedule' },
    { action: 'schedule.history', as: 'owner', method: 'GET', path: `${RS}/history/{h}`, status: 200 },
    { action: 'schedule.history', as: 'none', method: 'GET', path: `${RS}/history/{h}`, status: 403, missing: 'grant OWNER on report schedule {s}' },
    // changes: the owner (with report.schedule) and content admins
    { action: 'schedule.update', as: 'none', method: 'PUT', path: `${RS}/{s}`, body: { title: 'By editor2' }, status: 403, missing: 'grant OWNER on report schedule {s} to PUT it' },
    { action: 'schedule.update', as: 'granted', method: 'PUT', path: `${RS}/{s}`, body: { title: 'By part' }, status: 403, missing: 'authority report.schedule to PUT report schedule {s}' },
    { action: 'schedule.update', as: 'owner', method: 'PUT', path: `${RS}/{s}`, body: { title: 'Mx report (owner)' }, status: 200, readback: [`${RS}/{s}`, (j) => expect(j.title).toBe('Mx report (owner)')] },
    { action: 'schedule.update', as: 'admin', method: 'PUT', path: `${RS}/{s}`, body: { title: 'Mx report (admin)' }, status: 200, readback: [`${RS}/{s}`, (j) => expect(j.title).toBe('Mx report (admin)')] },
    { action: 'schedule.update', as: 'none', method: 'PUT', path: `${RS}/{s}/enabled`, body: false, status: 403, missing: 'grant OWNER on report schedule {s}' },
    { action: 'schedule.update', as: 'owner', method: 'PUT', path: `${RS}/{s}/enabled`, body: false, status: 200, readback: [`${RS}/{s}`, (j) => expect(j.schedule.enabled).toBe(false)] },
    { action: 'schedule.update', as: 'none', method: 'POST', path: `${RS}/{s}/sendnow`, body: [], status: 403, missing: 'grant OWNER on report schedule {s}' },
    { action: 'schedule.update', as: 'granted', method: 'POST', path: `${RS}/{s}/queue`, body: [], status: 403, missing: 'authority report.schedule' },
    { action: 'schedule.update', as: 'none', method: 'POST', path: `${RS}/{s}/notifications`, body: [{ emailAddress: 'x@example.com' }], status: 403, missing: 'grant OWNER on report schedule {s}' },
    { action: 'schedule.update', as: 'none', method: 'POST', path: `${RS}/views/{view}/sendNow`, body: [], status: 403, missing: 'grant OWNER on report schedule {s}' },
    { action: 'schedule.update', as: 'owner', method: 'POST', path: `${RS}/{s}/notifications`, body: [{ emailAddress: 'x@example.com' }], status: 202, readback: [`${RS}/{s}/history`, (j) => expect(j).toHaveLength(2)] },
    // unsubscribing: recipients, for themselves
    { action: 'schedule.read', as: 'none', method: 'POST', path: `${RS}/{s}/unsubscribe`, status: 403, missing: 'grant RECIPIENT on report schedule {s}' },
    { action: 'schedule.read', as: 'granted', method: 'POST', path: `${RS}/{s}/unsubscribe`, status: 200, readback: [(t, w) => t.instance().stores.scheduledReports.unsubscribed(Number(w.s)), (j) => expect(j).toEqual(['john.doe@example.com'])] },
    { action: 'schedule.update', as: 'none', method: 'POST', path: `${RS}/{s}/sendResubscribe`, body: [{ type: 'USER', value: '{part}' }], status: 403, missing: 'grant OWNER on report schedule {s}' },
    { action: 'schedule.update', as: 'granted', method: 'DELETE', path: `${RS}/{s}/unsubscribe/recipient?userId={part}`, status: 403, missing: 'authority report.schedule' },
    { action: 'schedule.update', as: 'admin', method: 'POST', path: `${RS}/{s}/resubscribe?userId={editor2}`, status: 200 },
    { action: 'schedule.read', as: 'none', method: 'POST', path: `${RS}/{s}/resubscribe?userId={part}`, status: 403, missing: 'grant RECIPIENT on report schedule {s}' },
    { action: 'schedule.read', as: 'granted', method: 'POST', path: `${RS}/{s}/resubscribe`, status: 200, readback: [(t, w) => t.instance().stores.scheduledReports.unsubscribed(Number(w.s)), (j) => expect(j).toEqual([])] },
    // the instance switch and card email data
    { action: 'reports.settings', as: 'owner', method: 'PUT', path: `${RS}/emails/enabled`, body: false, status: 403, missing: 'authority admin.settings' },
    { action: 'reports.settings', as: 'admin', method: 'PUT', path: `${RS}/emails/enabled`, body: true, status: 200 },
    { action: 'card.read', as: 'norole', method: 'POST', path: `${RS}/card-email-data`, body: [ACTIVITY_CARD], status: 403, missing: `grant CAN_VIEW on card ${ACTIVITY_CARD}` },
    { action: 'card.read', as: 'owner', method: 'POST', path: `${RS}/card-email-data`, body: [ACTIVITY_CARD], status: 200 },
    // deletes
    { action: 'schedule.update', as: 'none', method: 'DELETE', path: `${RS}/{s2}`, status: 403, missing: 'grant OWNER on report schedule {s2} to DELETE it' },
    { action: 'schedule.update', as: 'granted', method: 'DELETE', path: `${RS}/{s2}`, status: 403, missing: 'authority report.schedule' },
    { action: 'schedule.update', as: 'owner', method: 'DELETE', path: `${RS}/{s2}`, status: 200, readback: [`${RS}/{s2}`, (j) => expect(j.status).toBe(404)] },
    { action: 'schedule.update', as: 'admin', method: 'DELETE', path: `${RS}/{s3}`, status: 200, readback: [`${RS}/{s3}`, (j) => expect(j.status).toBe(404)] },
  ],
};

const t = matrix([cards, pagesF, beastModes, alerts, certified, reports]);
afterAll(() => t.close());
