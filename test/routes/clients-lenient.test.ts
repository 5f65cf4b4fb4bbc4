/**
 * What public Domo clients send, exactly as they send it (issue 12): each request was refused before;
 * each test asserts Domo's answer and the state read back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_ID, EDITOR_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';
import { createDataset, salesColumns, SALES } from './datasets-helpers.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const MARKETING = 1231231232;
const MARKETING_MEMBER = 112321221;

describe('general rules for JSON bodies', () => {
  it('a JSON null in an optional field is the field absent (AI summarize with "system": null)', async () => {
    const res = await t.call('POST', '/api/ai/v1/text/summarize', { body: { input: 'Sales rose in the West. Costs fell in the East.', system: null } });
    expect(res.status, res.text).toBe(200);
    expect(typeof res.json.output).toBe('string');
    expect(res.json.output.length).toBeGreaterThan(0);
  });

  it('a null in a required field is still a 400 naming the field', async () => {
    const res = expectErrorShape(await t.call('POST', '/api/ai/v1/text/summarize', { body: { input: null } }), 400);
    expect(res.details?.[0].path).toBe('body.input');
    expect(res.message).toContain('body.input');
  });

  it('unknown extra fields are ignored and noted in the journal', async () => {
    const res = await t.call('POST', '/api/content/v2/groups', { body: { name: 'Extra fields', type: 'open', color: 'blue' } });
    expect(res.status, res.text).toBe(200);
    expect((await t.call('GET', `/api/content/v2/groups/${res.json.id}`)).json.name).toBe('Extra fields');
    const journal = (await t.call('GET', '/_emulator/requests')).json;
    const entries = Array.isArray(journal) ? journal : (journal.requests ?? journal.items);
    const entry = entries.find((e: any) => e.method === 'POST' && e.path === '/api/content/v2/groups');
    expect(entry.warnings).toEqual(['ignored unknown field body.color']);
  });

  it('a literal segment where a numeric id goes is a 404 "No route", not a 400', async () => {
    const res = expectErrorShape(await t.call('GET', '/api/identity/v1/users/someone'), 404);
    expect(res.message).toMatch(/^No route for GET \/api\/identity\/v1\/users\/someone: 'someone' is not a valid userId/);
    // a numeric id that does not exist is still the resource's 404
    expectErrorShape(await t.call('GET', '/api/identity/v1/users/42'), 404);
  });
});

describe('users', () => {
  it('PATCH with attributes:[{key,values}] stores them (GET shows them)', async () => {
    const res = await t.call('PATCH', `/api/identity/v1/users/${EDITOR_ID}`, { body: { attributes: [{ key: 'title', values: ['Tester'] }] } });
    expect(res.status, res.text).toBe(200);
    const back = await t.call('GET', `/api/identity/v1/users/${EDITOR_ID}`);
    expect(back.json.users[0].attributes).toContainEqual({ key: 'title', values: ['Tester'] });
  });

  it('PATCH with an attribute key that is not a user field is a 400 naming it', async () => {
    const res = expectErrorShape(await t.call('PATCH', `/api/identity/v1/users/${EDITOR_ID}`, { body: { attributes: [{ key: 'shoeSize', values: ['9'] }] } }), 400);
    expect(res.details?.[0].path).toBe('body.attributes.0.key');
  });
});

describe('roles', () => {
  it('POST without fromRoleId creates a role with no authorities', async () => {
    const res = await t.call('POST', '/api/authorization/v1/roles', { body: { name: 'emu role', description: 'd' } });
    expect(res.status, res.text).toBe(200);
    expect((await t.call('GET', `/api/authorization/v1/roles/${res.json.id}`)).json.name).toBe('emu role');
    expect((await t.call('GET', `/api/authorization/v1/roles/${res.json.id}/authorities`)).json).toEqual([]);
  });
});

describe('AI services', () => {
  it.each(['domo.domo_ai.domogpt-chat-medium-v1.1:anthropic', 'domo.domo_ai.domogpt-sql-v1.1:anthropic'])('generation takes the current model id %s and answers choices[0].output', async (model) => {
    const res = await t.call('POST', '/api/ai/v1/text/generation', { body: { input: 'Why do sales rise in spring?', model } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.modelId).toBe(model);
    expect(res.json.choices).toEqual([{ output: res.json.output }]);
  });

  it('summarize replaces ${outputWordLength} and ${outputStyle}', async () => {
    const res = await t.call('POST', '/api/ai/v1/text/summarize', {
      body: {
        input: 'Revenue grew in every region.',
        promptTemplate: 'Summarize in ${outputWordLength} words, as ${outputStyle}: ${input}',
        outputWordLength: { min: 5, max: 10 },
        outputStyle: 'PARAGRAPH',
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.output).not.toContain('${');
    expect(res.json.output).toContain('5 to 10');
    expect(res.json.choices[0].output).toBe(res.json.output);
  });
});

describe('search', () => {
  it('takes the entities/filters form', async () => {
    const id = await createDataset(t, salesColumns, { name: 'emu sales' });
    const res = await t.call('POST', '/api/search/v1/query', {
      body: { entities: ['DATASET'], filters: [{ field: 'name_sort', filterType: 'wildcard', query: 'emu*' }], combineResults: false, query: '*', count: 100, offset: 0 },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.totalResultCount).toBe(1);
    expect(JSON.stringify(res.json)).toContain(id);
  });

  it('answers unknown entity types with an empty result', async () => {
    const res = await t.call('POST', '/api/search/v1/query', { body: { entities: ['package', 'form', 'workflow_model'], query: '*', count: 10, offset: 0 } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.totalResultCount).toBe(0);
  });
});

describe('groups', () => {
  it('PUT /access with addMembers and a string groupId adds the member', async () => {
    const res = await t.call('PUT', '/api/content/v2/groups/access', { body: [{ groupId: String(MARKETING), addMembers: [{ type: 'USER', id: String(EDITOR_ID) }] }] });
    expect(res.status, res.text).toBe(200);
    expect((await t.call('GET', `/api/content/v2/groups/${MARKETING}`)).json.userIds).toContain(EDITOR_ID);
  });

  it('PUT /access with addOwners / removeOwners and a numeric groupId changes the owners', async () => {
    const add = await t.call('PUT', '/api/content/v2/groups/access', { body: [{ groupId: MARKETING, addOwners: [{ type: 'USER', id: MARKETING_MEMBER }] }] });
    expect(add.status, add.text).toBe(200);
    expect((await t.call('GET', `/api/content/v2/groups/${MARKETING}`)).json.owners).toContain(MARKETING_MEMBER);
    const remove = await t.call('PUT', '/api/content/v2/groups/access', { body: [{ groupId: MARKETING, removeOwners: [{ type: 'USER', id: MARKETING_MEMBER }] }] });
    expect(remove.status, remove.text).toBe(200);
    expect((await t.call('GET', `/api/content/v2/groups/${MARKETING}`)).json.owners).not.toContain(MARKETING_MEMBER);
  });

  it('PUT /access with a bad member names the field', async () => {
    const res = expectErrorShape(await t.call('PUT', '/api/content/v2/groups/access', { body: [{ groupId: MARKETING, addMembers: [{ type: 'USER' }] }] }), 400);
    expect(res.message).toContain('addMembers');
  });

  it('DELETE /api/content/v2/groups with a body of ids deletes them', async () => {
    const made = await t.call('POST', '/api/content/v2/groups', { body: { name: 'Doomed', type: 'open' } });
    const res = await t.call('DELETE', '/api/content/v2/groups', { body: [made.json.id] });
    expect(res.status, res.text).toBe(200);
    expectErrorShape(await t.call('GET', `/api/content/v2/groups/${made.json.id}`), 404);
    // a non-owner without group.manage cannot
    expectErrorShape(await t.call('DELETE', '/api/content/v2/groups', { body: [MARKETING], token: EDITOR_TOKEN }), 403);
    expect((await t.call('GET', `/api/content/v2/groups/${MARKETING}`)).status).toBe(200);
  });

  it('GET /grouplist is a list, not a validation error', async () => {
    const res = await t.call('GET', '/api/content/v2/groups/grouplist');
    expect(res.status, res.text).toBe(200);
    expect(res.json.map((g: any) => g.id)).toContain(MARKETING);
  });
});

describe('beast modes', () => {
  const base = '/api/query/v1/functions';
  it('search takes the filter field `dataset` (as dataSource)', async () => {
    const ids = async (field: string) => (await t.call('POST', `${base}/search`, { body: { filters: [{ field, value: SALES }, { field: 'notarchived' }, { field: 'notvariable' }], sort: { field: 'id', ascending: true }, limit: 100 } })).json.results.map((r: any) => r.id);
    expect(await ids('dataset')).toEqual([501, 502, 503]);
    expect(await ids('dataset')).toEqual(await ids('dataSource'));
  });

  it('an update with expression "<sql>" is refused and the stored expression stays', async () => {
    const before = (await t.call('GET', `${base}/template/501`)).json.expression;
    const res = expectErrorShape(await t.call('PUT', `${base}/template/501`, { body: { expression: '<sql>' } }), 400);
    expect(res.details?.[0].path).toBe('body.expression');
    expect((await t.call('GET', `${base}/template/501`)).json.expression).toBe(before);
  });
});

describe('report schedules', () => {
  it('hourOfDay:"11" and WEEKLY daysToRun:"1" (Sunday) are accepted', async () => {
    const res = await t.call('POST', '/api/content/v1/reportschedules', {
      body: { title: 'Client report', pageId: 345678, viewId: 789099, schedule: { frequency: 'WEEKLY', daysToRun: '1', hourOfDay: '11', minOfHour: 0, timezone: 'UTC', enabled: true } },
    });
    expect(res.status, res.text).toBe(200);
    const back = (await t.call('GET', `/api/content/v1/reportschedules/${res.json.id}`)).json;
    expect(back.schedule).toMatchObject({ frequency: 'WEEKLY', daysToRun: 'SUN', hourOfDay: 11 });
    // the clock is frozen on Thursday 2026-01-15 12:00 UTC: the next Sunday 11:00 UTC
    expect(back.schedule.nextRunDate).toBe(Date.parse('2026-01-18T11:00:00Z'));
  });
});

describe('files', () => {
  it('revisions/-1/details is the current revision', async () => {
    const up = await t.app.request('/api/data/v1/data-files?name=notes.txt', { method: 'POST', headers: { 'X-DOMO-Developer-Token': 'domo-emulator-admin-token', 'Content-Type': 'text/plain' }, body: 'one' });
    const { dataFileId } = (await up.json()) as { dataFileId: number };
    const current = (await t.call('GET', `/api/data/v1/data-files/${dataFileId}/details`)).json.currentRevision;
    const res = await t.call('GET', `/api/data/v1/data-files/${dataFileId}/revisions/-1/details`);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual(current);
  });
});

describe('accounts', () => {
  it('create without accountType defaults it from the provider', async () => {
    const res = await t.call('POST', '/api/data/v1/accounts', { body: { displayName: 'My Snowflake', dataProviderType: 'snowflake', name: 'My Snowflake', configurations: {} } });
    expect(res.status, res.text).toBe(200);
    const back = (await t.call('GET', `/api/data/v1/accounts/${res.json.id}`)).json;
    expect(back).toMatchObject({ displayName: 'My Snowflake', dataProviderType: 'snowflake', accountType: 'snowflake' });
    expect(back.ownerId ?? back.owner?.id ?? ADMIN_ID).toBeDefined();
  });
});
