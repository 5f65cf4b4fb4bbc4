import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_ID, EDITOR_TOKEN, PARTICIPANT_ID, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const ADD = 'a8afdc89-9491-4ee4-b7c3-b9e9b86c0138';
const startBody = { messageName: 'Start AddTwoNumbers', version: '1.1.0', modelId: ADD, data: { parameter1: 13, parameter2: 7 } };
const advance = (d: string) => t.call('POST', '/_emulator/clock', { body: { advance: d } });
const count = () => t.instance().sqlite.prepare('select count(*) from workflow_instances').pluck().get() as number;
const REVIEW = '6a701240-76bf-4b9a-8145-199156b371cc';
const QUEUE = '168ecd84-4a15-45f6-89d9-021fbbce0481';
const reviewBody = { messageName: 'Start Airplane Part Action Items', version: '1.2.0', modelId: REVIEW, data: { defectReport: 'Seal leaks on actuator 7' } };

describe('POST /api/workflow/v1/instances/message', () => {
  it('starts an instance (status null until it reports back) that runs its Code Engine step and completes with the sum', async () => {
    const res = await t.call('POST', '/api/workflow/v1/instances/message', { body: startBody, token: EDITOR_TOKEN });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ modelId: ADD, modelName: 'AddTwoNumbers', modelVersion: '1.1.0', createdBy: String(EDITOR_ID), createdOn: '2026-01-15T12:00:00.000Z', status: null, currentStep: 'add' });
    const id = res.json.id;
    await advance('PT1S');
    const done = (await t.call('GET', `/api/workflow/v1/instances/${id}`)).json;
    expect(done).toMatchObject({ status: 'COMPLETED', currentStep: 'done', outputs: { sum: 20 }, variables: { parameter1: 13, parameter2: 7, sum: 20 }, errorInformation: null });
    const log = await t.call('GET', '/api/audit/v1/user-audits?start=0&end=4102444800000&objectType=WORKFLOW_MODEL');
    expect(log.json[0]).toMatchObject({ actionType: 'STARTED', objectName: 'AddTwoNumbers', userId: String(EDITOR_ID) });
  });

  it('400 for a missing field, bad message or bad data; 404 for an unknown model/version; 403 without EXECUTE; nothing is created', async () => {
    const fixtures = count();
    const bad = expectErrorShape(await t.call('POST', '/api/workflow/v1/instances/message', { body: { ...startBody, data: undefined } }), 400);
    expect(bad.details![0].path).toBe('body.data');
    expectErrorShape(await t.call('POST', '/api/workflow/v1/instances/message', { body: { ...startBody, messageName: 'Go' } }), 400);
    const data = expectErrorShape(await t.call('POST', '/api/workflow/v1/instances/message', { body: { ...startBody, data: { parameter1: 'x' } } }), 400);
    expect(data.details!.map((d) => d.path)).toEqual(['body.data.parameter1', 'body.data.parameter2']);
    expectErrorShape(await t.call('POST', '/api/workflow/v1/instances/message', { body: { ...startBody, modelId: 'nope' } }), 404);
    expectErrorShape(await t.call('POST', '/api/workflow/v1/instances/message', { body: { ...startBody, version: '9.9.9' } }), 404);
    const before = count();
    expectErrorShape(await t.call('POST', '/api/workflow/v1/instances/message', { body: startBody, token: PARTICIPANT_TOKEN }), 403);
    expect(count()).toBe(before);
    expect(before).toBe(fixtures);
  });
});

describe('POST /api/workflow/v1/instances/:instanceId/cancel', () => {
  it('cancels a running instance (its open task is voided); 409 once finished', async () => {
    const id = (await t.call('POST', '/api/workflow/v1/instances/message', { body: reviewBody })).json.id;
    await advance('PT2S');
    const waiting = (await t.call('GET', `/api/workflow/v1/instances/${id}`)).json;
    expect(waiting).toMatchObject({ status: 'IN_PROGRESS', currentStep: 'iVpiDJGGzWIPilg', taskId: expect.any(String) });
    const res = await t.call('POST', `/api/workflow/v1/instances/${id}/cancel`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id, status: 'CANCELED', bpmnProcessId: 'Process_AirplanePartActionItems', deploymentId: '0fa42581-918b-4ba4-b77f-356c55735e52', isTestRun: false, updatedBy: String(ADMIN_ID) });
    expect((await t.call('GET', `/api/queues/v1/${QUEUE}/tasks/${waiting.taskId}`)).json.status).toBe('VOIDED');
    await advance('PT1M');
    expect((await t.call('GET', `/api/workflow/v1/instances/${id}`)).json.status).toBe('CANCELED');
    expectErrorShape(await t.call('POST', `/api/workflow/v1/instances/${id}/cancel`), 409);
  });

  it('409 for a completed instance, 404 for an unknown one, 403 for another user without rights', async () => {
    const id = (await t.call('POST', '/api/workflow/v1/instances/message', { body: startBody })).json.id;
    expectErrorShape(await t.call('POST', `/api/workflow/v1/instances/${id}/cancel`, { token: PARTICIPANT_TOKEN }), 403);
    await advance('PT1M');
    expectErrorShape(await t.call('POST', `/api/workflow/v1/instances/${id}/cancel`), 409);
    expect((await t.call('GET', `/api/workflow/v1/instances/${id}`)).json.status).toBe('COMPLETED');
    expectErrorShape(await t.call('POST', '/api/workflow/v1/instances/nope/cancel'), 404);
  });
});

describe('POST /api/workflow/v1/models/:modelId/permissions', () => {
  it('grants EXECUTE, which lets the user start the workflow; an empty list revokes', async () => {
    const grant = [{ id: String(PARTICIPANT_ID), permissions: ['READ', 'EXECUTE'], name: 'John Doe', type: 'USER' }];
    expectErrorShape(await t.call('POST', `/api/workflow/v1/models/${ADD}/permissions`, { body: grant, token: EDITOR_TOKEN }), 403);
    const res = await t.call('POST', `/api/workflow/v1/models/${ADD}/permissions`, { body: grant });
    expect(res.status).toBe(200);
    expect(res.json).toContainEqual({ id: String(PARTICIPANT_ID), type: 'USER', name: 'John Doe', permissions: ['READ', 'EXECUTE'] });
    expect((await t.call('POST', '/api/workflow/v1/instances/message', { body: startBody, token: PARTICIPANT_TOKEN })).status).toBe(200);
    await t.call('POST', `/api/workflow/v1/models/${ADD}/permissions`, { body: [{ ...grant[0], permissions: [] }] });
    expectErrorShape(await t.call('POST', '/api/workflow/v1/instances/message', { body: startBody, token: PARTICIPANT_TOKEN }), 403);
  });

  it('400 for a bad body or unknown principal, 404 for an unknown model; nothing changes', async () => {
    expectErrorShape(await t.call('POST', `/api/workflow/v1/models/${ADD}/permissions`, { body: [{ id: '123456', permissions: ['READ'], name: 'John Doe', type: 'USER' }] }), 400);
    expectErrorShape(await t.call('POST', `/api/workflow/v1/models/${ADD}/permissions`, { body: [{ id: String(PARTICIPANT_ID), permissions: ['FLY'], name: 'x', type: 'USER' }] }), 400);
    expectErrorShape(await t.call('POST', '/api/workflow/v1/models/nope/permissions', { body: [{ id: String(PARTICIPANT_ID), permissions: ['READ'], name: 'x', type: 'USER' }] }), 404);
    expectErrorShape(await t.call('POST', '/api/workflow/v1/instances/message', { body: startBody, token: PARTICIPANT_TOKEN }), 403);
  });
});
