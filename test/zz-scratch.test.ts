import { it } from 'vitest';
import { testApp } from './helpers/app.js';
it('repro', async () => {
  const t = testApp();
  const show = async (label: string, p: Promise<{ status: number; text: string }>) => { const r = await p; console.log('RES', label, r.status, r.text.slice(0, 150)); };
  await show('copy', t.call('POST', '/api/data/v1/data-files/copy/401/revisions/current/90356'));
  await show('del90356', t.call('DELETE', '/api/data/v1/data-files/90356'));
  await show('get401', t.call('GET', '/api/data/v1/data-files/401'));
  await show('copy2', t.call('POST', '/api/data/v1/data-files/copy/401/revisions/current/401'));
  await show('delrev', t.call('DELETE', '/api/data/v1/data-files/401/revisions/430'));
  await show('get401b', t.call('GET', '/api/data/v1/data-files/401'));
  await show('dup', t.call('POST', '/api/data/v1/data-files/401/duplicate'));
});
