import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkObserved } from '../../src/http/responses.js';

/** The checker the recorded runs use (test/setup/record-responses.ts, test/contract/strict.test.ts) refuses what does not fit. */
describe('checkObserved', () => {
  const base = { method: 'GET', route: '/api/x/:id', contentType: 'application/json', schemas: { 200: z.strictObject({ id: z.number() }) } };
  it('accepts a body that fits its declared schema', () => {
    expect(checkObserved({ ...base, status: 200, text: '{"id":1}' })).toBeNull();
  });
  it('refuses an extra key, a wrong type, an undeclared status and a malformed error', () => {
    expect(checkObserved({ ...base, status: 200, text: '{"id":1,"x":2}' })).toMatch(/GET \/api\/x\/:id 200/);
    expect(checkObserved({ ...base, status: 200, text: '{"id":"1"}' })).toMatch(/id: /);
    expect(checkObserved({ ...base, status: 201, text: '{"id":1}' })).toMatch(/does not declare/);
    expect(checkObserved({ ...base, status: 404, text: '{"message":"gone"}' })).toMatch(/404/);
  });
  it('accepts the one error shape for any error status', () => {
    const err = { status: 404, statusReason: 'Not Found', path: '/api/x/1', message: 'gone', toe: 'T1' };
    expect(checkObserved({ ...base, status: 404, text: JSON.stringify(err) })).toBeNull();
  });
});
