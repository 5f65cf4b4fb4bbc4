import { describe, expect, it } from 'vitest';
import { databaseTypeOf, inputTableName, normalizeDefinition, planOf, triggerCycle } from '../../src/engines/dataflow.js';
import { ApiError } from '../../src/http/errors.js';

const names: Record<string, string> = { a: 'Sales Transactions', b: 'Region Codes (2026)' };
const lookup = (id: string) => names[id];

function refusal(f: () => unknown): ApiError {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('inputTableName', () => {
  it('is the dataset name as Domo writes input tables in SQL', () => {
    expect(inputTableName('Sales Transactions')).toBe('sales_transactions');
    expect(inputTableName('Region Codes (2026)')).toBe('region_codes_2026');
    expect(inputTableName('  ---  ')).toBe('input');
  });
});

describe('normalizeDefinition', () => {
  it('adds a LoadFromVault per input, keeps the order of transforms, and lists outputs from PublishToVault', () => {
    const def = normalizeDefinition(
      {
        inputs: [{ dataSourceId: 'a', executeFlowWhenUpdated: true }, { dataSourceId: 'b' }],
        actions: [
          { type: 'LoadFromVault', id: 'l-b', name: 'codes', dataSource: { guid: 'b' } },
          { type: 'GenerateTableAction', tableName: 't1', selectStatement: 'SELECT 1' },
          { type: 'PublishToVault', dataSource: { name: 'Out' }, selectStatement: 'SELECT * FROM t1', versionChainType: 'append' },
        ],
      },
      lookup,
    );
    expect(def.inputs).toEqual([
      { dataSourceId: 'a', dataSourceName: 'Sales Transactions', executeFlowWhenUpdated: true, onlyLoadNewVersions: false, recentVersionCutoffMs: 0 },
      { dataSourceId: 'b', dataSourceName: 'Region Codes (2026)', executeFlowWhenUpdated: false, onlyLoadNewVersions: false, recentVersionCutoffMs: 0 },
    ]);
    expect(def.actions.map((a) => [a.type, a.id, a.name])).toEqual([
      ['LoadFromVault', 'LoadFromVault-a', 'sales_transactions'],
      ['LoadFromVault', 'l-b', 'codes'],
      ['GenerateTableAction', 'GenerateTableAction-2', 't1'],
      ['PublishToVault', 'PublishToVault-3', 'Out'],
    ]);
    expect(def.outputs).toEqual([{ dataSourceId: null, dataSourceName: 'Out', versionChainType: 'APPEND' }]);
    const plan = planOf(def);
    expect(plan.loads.map((l) => l.names)).toEqual([['sales_transactions'], ['codes', 'region_codes_2026']]);
    expect(plan.tables.map((t) => t.tableName)).toEqual(['t1']);
    expect(plan.publishes.map((p) => p.output)).toEqual([0]);
  });

  it('matches listed outputs to PublishToVault actions by id, then by name, then in order', () => {
    const def = normalizeDefinition(
      {
        inputs: [{ dataSourceId: 'a' }],
        outputs: [{ dataSourceName: 'Second' }, { dataSourceId: 'x1', versionChainType: 'REPLACE' }, { dataSourceName: 'Third' }],
        actions: [
          { type: 'PublishToVault', id: 'p1', dataSource: { guid: 'x1' }, selectStatement: 'SELECT 1' },
          { type: 'PublishToVault', id: 'p2', dataSource: { name: 'Second' }, selectStatement: 'SELECT 2' },
          { type: 'PublishToVault', id: 'p3', selectStatement: 'SELECT 3' },
        ],
      },
      lookup,
    );
    expect(def.outputs.map((o) => [o.dataSourceId, o.dataSourceName])).toEqual([
      [null, 'Second'],
      ['x1', ''],
      [null, 'Third'],
    ]);
    const p = def.actions.filter((a) => a.type === 'PublishToVault').map((a) => (a.type === 'PublishToVault' ? a.dataSource : null));
    expect(p).toEqual([
      { guid: 'x1', name: '' },
      { guid: null, name: 'Second' },
      { guid: null, name: 'Third' },
    ]);
  });

  it('says what is wrong, field by field', () => {
    const err = refusal(() =>
      normalizeDefinition(
        {
          inputs: [{ dataSourceId: 'a' }, { dataSourceId: 'a' }, { dataSourceId: 'zz' }],
          outputs: [{ dataSourceId: 'a' }],
          actions: [
            { type: 'GenerateTableAction', selectStatement: 'SELECT 1' },
            { type: 'GenerateTableAction', tableName: 't', selectStatement: '  ' },
            { type: 'Filter' },
            { type: 'SqlAction', statement: 'UPDATE t SET x = 1' },
            { type: 'PublishToVault', id: 'p', selectStatement: 'SELECT 1', dependsOn: ['nope'] },
          ],
        },
        lookup,
      ),
    );
    expect(err.status).toBe(400);
    expect(err.details?.map((d) => d.path)).toEqual([
      'body.inputs[1].dataSourceId',
      'body.inputs[2].dataSourceId',
      'body.actions[0].tableName',
      'body.actions[1].selectStatement',
      'body.actions[2].type',
      'body.actions[3].type',
      'body.actions[4].dependsOn',
      'body.outputs[0].dataSourceId',
    ]);
  });

  it('a DataFlow type other than SQL is 501; MYSQL is the default', () => {
    expect(databaseTypeOf(undefined)).toBe('MYSQL');
    expect(databaseTypeOf('mysql')).toBe('MYSQL');
    expect(refusal(() => databaseTypeOf('MAGIC')).status).toBe(501);
  });
});

describe('triggerCycle', () => {
  it('finds DataFlows that would update each other forever', () => {
    expect(triggerCycle([['a', 'b'], ['b', 'c']])).toBeNull();
    expect(triggerCycle([['a', 'b'], ['b', 'c'], ['c', 'a']])).toEqual(['a', 'b', 'c', 'a']);
    expect(triggerCycle([['x', 'x']])).toEqual(['x', 'x']);
  });
});
