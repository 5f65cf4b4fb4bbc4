import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, expectErrorShape, testApp } from '../helpers/app.js';

// Workflows run their steps on the scheduler, as a client drives them: a Code Engine call, a Task Center
// task the instance waits on, a branch, and the end with outputs.
let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const REVIEW = '6a701240-76bf-4b9a-8145-199156b371cc';
const QUEUE = '168ecd84-4a15-45f6-89d9-021fbbce0481';
const start = (data: Record<string, unknown> = { defectReport: 'Seal leaks on actuator 7' }) =>
  t.call('POST', '/api/workflow/v1/instances/message', { body: { messageName: 'Start Airplane Part Action Items', version: '1.2.0', modelId: REVIEW, data } });
const settle = () => t.call('POST', '/_emulator/clock', { body: { advance: 'PT1S' }, token: null });
const instance = async (id: string) => (await t.call('GET', `/api/workflow/v1/instances/${id}`)).json;
const task = async (id: string) => (await t.call('GET', `/api/queues/v1/${QUEUE}/tasks/${id}?render=false`)).json;

describe('a workflow with a review task', () => {
  it('creates the task with the mapped input, waits for it, refuses a missing output, and completes with the task’s outputs', async () => {
    const started = (await start()).json;
    expect(started.status).toBeNull();
    await settle();
    const waiting = await instance(started.id);
    expect(waiting).toMatchObject({ status: 'IN_PROGRESS', currentStep: 'iVpiDJGGzWIPilg', outputs: null });
    const tk = await task(waiting.taskId);
    expect(tk).toMatchObject({ status: 'OPEN', queueId: QUEUE, inputVariables: { Suggested_Action_Items: 'Seal leaks on actuator 7' } });
    expect(tk.sourceInfo).toMatchObject({ modelId: REVIEW, modelVersion: '1.2.0', instanceId: started.id, workflowInstanceId: waiting.instanceKey });

    // save progress, then a completion without a required output is refused and nothing moves
    const saved = await t.call('PUT', `/api/queues/v1/${QUEUE}/tasks/${waiting.taskId}/outputs`, { body: { Suggested_Action_Items: 'Replace the seals' } });
    expect(saved.status).toBe(200);
    const missing = expectErrorShape(await t.call('POST', `/api/queues/v1/${QUEUE}/tasks/${waiting.taskId}/complete?version=${tk.version}`, { body: {} }), 400);
    expect(missing.details!.map((d) => d.path)).toEqual(['body.Send_to_QA_Team']);
    await settle();
    expect((await instance(started.id)).status).toBe('IN_PROGRESS');

    const done = await t.call('POST', `/api/queues/v1/${QUEUE}/tasks/${waiting.taskId}/complete?version=${tk.version}`, { body: { Send_to_QA_Team: true } });
    expect(done.status).toBe(200);
    await settle();
    expect(await instance(started.id)).toMatchObject({
      status: 'COMPLETED',
      currentStep: 'toQa',
      taskId: null,
      variables: { actionItems: 'Replace the seals', sendToQa: true },
      outputs: { Suggested_Action_Items: 'Replace the seals', Send_to_QA_Team: true, route: 'QA' },
    });
  });

  it('branches on the task’s outputs', async () => {
    const id = (await start()).json.id;
    await settle();
    const w = await instance(id);
    await t.call('POST', `/api/queues/v1/${QUEUE}/tasks/${w.taskId}/complete?version=1`, { body: { Suggested_Action_Items: 'Nothing to do', Send_to_QA_Team: false } });
    await settle();
    expect((await instance(id)).outputs).toMatchObject({ route: 'closed', Send_to_QA_Team: false });
  });

  it('the fixture task names a real instance, which completes when the task does', async () => {
    const fixture = await instance('99d0d944-1d90-4622-8a49-2878b37fda10');
    expect(fixture).toMatchObject({ status: 'IN_PROGRESS', taskId: '18OCT23_1JUTZM', instanceKey: '6755399651689244' });
    const tk = await task('18OCT23_1JUTZM');
    expect(tk.sourceInfo.workflowInstanceId).toBe(fixture.instanceKey);
    await t.call('POST', `/api/queues/v1/${QUEUE}/tasks/18OCT23_1JUTZM/complete?version=${tk.version}`, { body: { Suggested_Action_Items: 'Done', Send_to_QA_Team: false } });
    await settle();
    expect(await instance(fixture.id)).toMatchObject({ status: 'COMPLETED', outputs: { route: 'closed' } });
  });
});

describe('a workflow whose function fails', () => {
  it('fails the instance with the function’s error', async () => {
    const pkg = await t.call('POST', '/api/codeengine/v2/packages', {
      body: {
        name: 'Broken',
        language: 'JAVASCRIPT',
        environment: 'LAMBDA',
        version: '1.0.0',
        code: 'function explode(n) { throw new Error(`no ${n}`); }',
        manifest: { functions: [{ name: 'explode', displayName: 'explode', description: '', isPrivate: false, inputs: [{ name: 'n', displayName: 'n', type: 'number', nullable: false, isList: false }], output: { name: 'r', type: 'number', nullable: false, isList: false } }], configuration: { accountsMapping: [] } },
      },
    });
    expect(pkg.status).toBe(200);
    t.instance().stores.workflows.seed([
      {
        id: 'f0000000-0000-4000-8000-000000000001',
        name: 'Explodes',
        owner: ADMIN_ID,
        permissions: [],
        versions: [
          {
            version: '1.0.0',
            deploymentId: 'd',
            bpmnProcessId: 'Process_Explodes',
            bpmnProcessName: 'Explodes',
            inputs: { n: 'number' },
            steps: [
              { id: 'boom', type: 'function', packageId: pkg.json.id, packageVersion: '1.0.0', function: 'explode', inputs: { n: '$n' }, output: 'r' },
              { id: 'end', type: 'end' },
            ],
          },
        ],
      },
    ]);
    const id = (await t.call('POST', '/api/workflow/v1/instances/message', { body: { messageName: 'Start Explodes', version: '1.0.0', modelId: 'f0000000-0000-4000-8000-000000000001', data: { n: 7 } } })).json.id;
    await settle();
    const failed = await instance(id);
    expect(failed).toMatchObject({ status: 'FAILED', currentStep: 'boom', outputs: null });
    expect(failed.errorInformation).toMatchObject({ step: 'boom', function: 'explode' });
    expect(JSON.stringify(failed.errorInformation)).toContain('no 7');
    expectErrorShape(await t.call('POST', `/api/workflow/v1/instances/${id}/cancel`), 409);
  });
});
