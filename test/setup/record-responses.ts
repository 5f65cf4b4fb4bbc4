/**
 * vitest setup file (runs in every test file): records every answer of a route that declares its
 * response schemas (responds(), src/http/responses.ts) and fails the file if any of them does not
 * validate against its schema, or answers a status the route does not declare. So the whole suite's
 * run is checked against the documented contract, not only the contract tests' requests.
 */
import { afterAll, expect } from 'vitest';
import { checkObserved, observeResponses } from '../../src/http/responses.js';

const problems: string[] = [];
let seen = 0;
observeResponses((r) => {
  seen++;
  const p = checkObserved(r);
  if (p && problems.length < 50) problems.push(p);
});

afterAll(() => {
  expect(problems, `${problems.length} of ${seen} recorded answers do not match their declared response schemas`).toEqual([]);
});
