import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_ID, EDITOR_TOKEN, PARTICIPANT_ID, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const Q1 = '168ecd84-4a15-45f6-89d9-021fbbce0481';
const Q2 = '5d1c3a2e-7f04-4b8e-9a61-2c7e0b9f4d13';
const Q3 = '9b2f6e41-0c8a-4d57-8e1f-6a3d5c7b2e90';
const T1 = '18OCT23_1JUTZM';
const task = (q = Q1, id = T1, token?: string) => t.call('GET', `/api/queues/v1/${q}/tasks/${id}`, { token });
const outputs = { Suggested_Action_Items: '1. Fix the hinge', Send_to_QA_Team: true };

describe('GET /api/queues/v1', () => {
  it('lists the queues the caller can access, archived only on request', async () => {
    const admin = await t.call('GET', '/api/queues/v1/?combineAttributes=true&archived=false');
    expect(admin.status).toBe(200);
    expect(admin.json.map((q: any) => q.id)).toEqual([Q1, Q2, Q3]);
    expect(admin.json[0]).toMatchObject({ name: 'Review Airplane Part Action Items', active: true, owner: String(ADMIN_ID), createdOn: '2023-10-18T14:48:23.314Z' });
    expect((await t.call('GET', '/api/queues/v1?archived=true')).json).toHaveLength(4);
    expect((await t.call('GET', '/api/queues/v1', { token: EDITOR_TOKEN })).json.map((q: any) => q.id)).toEqual([Q1, Q2]);
    expect((await t.call('GET', '/api/queues/v1', { token: PARTICIPANT_TOKEN })).json).toEqual([]);
  });
});

describe('GET /api/queues/v1/:queueId', () => {
  it('returns the queue; 403 without access; 404 when unknown', async () => {
    expect((await t.call('GET', `/api/queues/v1/${Q1}`)).json.id).toBe(Q1);
    expectErrorShape(await t.call('GET', `/api/queues/v1/${Q3}`, { token: EDITOR_TOKEN }), 403);
    expectErrorShape(await t.call('GET', '/api/queues/v1/nope'), 404);
  });
});

describe('POST /api/queues/v1/tasks/list', () => {
  it('applies the documented filters and hides inaccessible queues', async () => {
    const res = await t.call('POST', '/api/queues/v1/tasks/list?render=true', {
      body: { queueId: [Q1], displayType: ['ENIGMA_FORM', 'EMAIL', 'UNKNOWN'], status: ['OPEN', 'COMPLETED', 'VOIDED'], createdOn: [['2023-10-04T12:22:54.239Z', '2024-01-02T13:22:54.239Z']] },
    });
    expect(res.status).toBe(200);
    expect(res.json.map((x: any) => x.id)).toEqual([T1, '02NOV23_8KQWLX']);
    expect(res.json[0].displayEntity.name).toBe('Airplane Part Action Items Review Form');
    expect((await t.call('POST', '/api/queues/v1/tasks/list', { body: { status: ['OPEN'] } })).json).toHaveLength(3);
    expect((await t.call('POST', '/api/queues/v1/tasks/list', { body: {}, token: EDITOR_TOKEN })).json.map((x: any) => x.queueId).sort()).toEqual([Q1, Q1, Q2]);
    expect((await t.call('POST', '/api/queues/v1/tasks/list', { body: {}, token: PARTICIPANT_TOKEN })).json).toEqual([]);
    const bad = expectErrorShape(await t.call('POST', '/api/queues/v1/tasks/list', { body: { status: ['DONE'] } }), 400);
    expect(bad.details![0].path).toBe('body.status.0');
  });
});

describe('GET /api/queues/v1/:queueId/tasks/:taskId', () => {
  it('returns the task; 403 for a user without queue access', async () => {
    const res = await task();
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: T1, queueId: Q1, version: 1, status: 'OPEN', assignedTo: String(ADMIN_ID), outputVariables: {} });
    expect(res.json.contract.output.map((f: any) => f.name)).toEqual(['Suggested_Action_Items', 'Send_to_QA_Team']);
    expectErrorShape(await task(Q1, T1, PARTICIPANT_TOKEN), 403);
    expectErrorShape(await task(Q2, T1), 404);
  });
});

describe('PUT /api/queues/v1/:queueId/tasks/:taskId/outputs', () => {
  it('saves progress, locks the task to the caller', async () => {
    const res = await t.call('PUT', `/api/queues/v1/${Q1}/tasks/${T1}/outputs`, { body: { Send_to_QA_Team: true }, token: EDITOR_TOKEN });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'OPEN', version: 1, lockedBy: String(EDITOR_ID), lockedOn: '2026-01-15T12:00:00.000Z', outputVariables: { Send_to_QA_Team: true } });
    expect((await task()).json.outputVariables).toEqual({ Send_to_QA_Team: true });
  });

  it('rejects unknown outputs and wrong types, changing nothing', async () => {
    expectErrorShape(await t.call('PUT', `/api/queues/v1/${Q1}/tasks/${T1}/outputs`, { body: { Nope: 1 } }), 400);
    const bad = expectErrorShape(await t.call('PUT', `/api/queues/v1/${Q1}/tasks/${T1}/outputs`, { body: { Send_to_QA_Team: 'yes' } }), 400);
    expect(bad.details![0].path).toBe('body.Send_to_QA_Team');
    expect((await task()).json).toMatchObject({ lockedBy: null, outputVariables: {} });
  });
});

describe('POST /api/queues/v1/:queueId/tasks/:taskId/complete', () => {
  it('completes at the current version; a stale version is a 409', async () => {
    const res = await t.call('POST', `/api/queues/v1/${Q1}/tasks/${T1}/complete?version=1`, { body: outputs, token: EDITOR_TOKEN });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'COMPLETED', version: 2, completedBy: String(EDITOR_ID), completedOn: '2026-01-15T12:00:00.000Z', outputVariables: outputs });
    expectErrorShape(await t.call('POST', `/api/queues/v1/${Q1}/tasks/${T1}/complete?version=1`, { body: outputs }), 409);
    const log = await t.call('GET', '/api/audit/v1/user-audits?start=0&end=4102444800000&objectType=HOPPER_TASK');
    expect(log.json[0]).toMatchObject({ userId: String(EDITOR_ID), actionType: 'COMPLETED', objectType: 'HOPPER_TASK', objectId: T1 });
  });

  it('409 on a stale version and 400 for missing outputs, leaving the task open', async () => {
    expectErrorShape(await t.call('POST', `/api/queues/v1/${Q1}/tasks/${T1}/complete?version=7`, { body: outputs }), 409);
    const bad = expectErrorShape(await t.call('POST', `/api/queues/v1/${Q1}/tasks/${T1}/complete?version=1`, { body: { Send_to_QA_Team: true } }), 400);
    expect(bad.details![0].path).toBe('body.Suggested_Action_Items');
    expectErrorShape(await t.call('POST', `/api/queues/v1/${Q1}/tasks/${T1}/complete`, { body: outputs }), 400);
    expect((await task()).json).toMatchObject({ status: 'OPEN', version: 1 });
  });
});

describe('PUT /api/queues/v1/:queueId/tasks/:taskId/move', () => {
  it('moves the task to another queue', async () => {
    const res = await t.call('PUT', `/api/queues/v1/${Q1}/tasks/${T1}/move?targetQueueId=${Q2}`, { token: EDITOR_TOKEN });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ queueId: Q2, version: 2 });
    expect((await task(Q2)).json.queueId).toBe(Q2);
    expectErrorShape(await task(Q1), 404);
  });

  it('403 to a queue the caller cannot access; 404 for an unknown one; nothing moves', async () => {
    expectErrorShape(await t.call('PUT', `/api/queues/v1/${Q1}/tasks/${T1}/move?targetQueueId=${Q3}`, { token: EDITOR_TOKEN }), 403);
    expectErrorShape(await t.call('PUT', `/api/queues/v1/${Q1}/tasks/${T1}/move?targetQueueId=nope`), 404);
    expectErrorShape(await t.call('PUT', `/api/queues/v1/${Q1}/tasks/${T1}/move`), 400);
    expect((await task()).json).toMatchObject({ queueId: Q1, version: 1 });
  });
});

describe('PUT /api/queues/v1/:queueId/tasks/:taskId/assign', () => {
  it('assigns to another user and notifies them', async () => {
    const res = await t.call('PUT', `/api/queues/v1/${Q1}/tasks/${T1}/assign`, { body: { tasksId: [], type: 'USER', userId: String(EDITOR_ID) } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ assignedTo: String(EDITOR_ID), assignedBy: String(ADMIN_ID), assigneeType: 'USER', version: 2 });
    expect((await task()).json.assignedTo).toBe(String(EDITOR_ID));
    expect(t.instance().stores.outbox.list({ kind: 'task.assigned' })).toHaveLength(1);
  });

  it('400 for an unknown user; nothing changes', async () => {
    const bad = expectErrorShape(await t.call('PUT', `/api/queues/v1/${Q1}/tasks/${T1}/assign`, { body: { tasksId: [], type: 'USER', userId: '700632941' } }), 400);
    expect(bad.details![0].path).toBe('body.userId');
    expect((await task()).json.assignedTo).toBe(String(ADMIN_ID));
  });
});

describe('POST /api/queues/v1/:queueId/tasks/:taskId/void', () => {
  it('voids an open task; voiding again is a 409', async () => {
    const res = await t.call('POST', `/api/queues/v1/${Q1}/tasks/${T1}/void`);
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('VOIDED');
    expectErrorShape(await t.call('POST', `/api/queues/v1/${Q1}/tasks/${T1}/void`), 409);
    expect((await task()).json.status).toBe('VOIDED');
  });
});

describe('POST /api/queues/v1/:queueId/permissions', () => {
  it('grants and revokes access, enforced on the tasks', async () => {
    const grant = [{ id: String(PARTICIPANT_ID), permissions: ['READ'], name: 'John Doe', type: 'USER' }];
    expectErrorShape(await t.call('POST', `/api/queues/v1/${Q1}/permissions`, { body: grant, token: EDITOR_TOKEN }), 403);
    expectErrorShape(await task(Q1, T1, PARTICIPANT_TOKEN), 403);
    const res = await t.call('POST', `/api/queues/v1/${Q1}/permissions`, { body: grant });
    expect(res.status).toBe(200);
    expect(res.json.map((p: any) => p.id)).toEqual([String(EDITOR_ID), String(PARTICIPANT_ID)]);
    expect((await task(Q1, T1, PARTICIPANT_TOKEN)).status).toBe(200);
    await t.call('POST', `/api/queues/v1/${Q1}/permissions`, { body: [{ ...grant[0], permissions: [] }] });
    expectErrorShape(await task(Q1, T1, PARTICIPANT_TOKEN), 403);
  });

  it('400 for an unknown principal; nothing changes', async () => {
    expectErrorShape(await t.call('POST', `/api/queues/v1/${Q1}/permissions`, { body: [{ id: '519150798', permissions: ['READ'], name: 'Jordan Tiller', type: 'USER' }] }), 400);
    expect((await t.call('GET', '/api/queues/v1', { token: EDITOR_TOKEN })).json).toHaveLength(2);
  });
});
