/**
 * SQL DataFlows (Domo's "MySQL DataFlows"): the definition a client sends, checked and put in one shape,
 * and the plan an execution follows. Pure: no HTTP and no database; the DataFlows store
 * (src/state/dataflows.ts) runs the plan's statements through the row service.
 *
 * A definition, as Domo's own clients send and read it (docs/dataflows.md):
 *
 *   inputs   [{dataSourceId, dataSourceName, executeFlowWhenUpdated, ...}]     the datasets it reads
 *   outputs  [{dataSourceId | null, dataSourceName, versionChainType}]          the datasets it writes
 *   actions  LoadFromVault      {id, name, dataSourceId}                        an input, as table `name`
 *            GenerateTableAction {id, name, tableName, selectStatement, dependsOn} a table made by a SELECT
 *            PublishToVault     {id, name, selectStatement, dataSource: {guid, name}, dependsOn}  an output's rows
 *
 * Transforms run in the order listed; each SELECT may read the inputs (by their LoadFromVault name, or the
 * table name Domo derives from the dataset's name: "Sales Transactions" -> sales_transactions) and the
 * tables made before it. Only SELECTs: Domo's statement transforms (ALTER, UPDATE, INSERT...) are refused.
 */
import { badRequest, notImplemented, type ErrorDetail } from '../http/errors.js';

export const SQL_DATABASE_TYPES = ['MYSQL'] as const;
export const ACTION_TYPES = ['LoadFromVault', 'GenerateTableAction', 'PublishToVault'] as const;
export type VersionChainType = 'REPLACE' | 'APPEND';

export interface DataflowInput {
  dataSourceId: string;
  dataSourceName: string;
  executeFlowWhenUpdated: boolean;
  onlyLoadNewVersions: boolean;
  recentVersionCutoffMs: number;
}

export interface DataflowOutput {
  /** null until the output dataset exists (the store creates it when the DataFlow is saved). */
  dataSourceId: string | null;
  dataSourceName: string;
  versionChainType: VersionChainType;
}

export interface LoadAction {
  type: 'LoadFromVault';
  id: string;
  name: string;
  dataSourceId: string;
  dependsOn: string[];
}

export interface TableAction {
  type: 'GenerateTableAction';
  id: string;
  name: string;
  tableName: string;
  selectStatement: string;
  dependsOn: string[];
}

export interface PublishAction {
  type: 'PublishToVault';
  id: string;
  name: string;
  selectStatement: string;
  dataSource: { guid: string | null; name: string };
  versionChainType: VersionChainType;
  dependsOn: string[];
}

export type DataflowAction = LoadAction | TableAction | PublishAction;

export interface DataflowDefinition {
  inputs: DataflowInput[];
  outputs: DataflowOutput[];
  actions: DataflowAction[];
}

/** What a client may send (loosely typed: the checks below say what is wrong, field by field). */
export interface DefinitionInput {
  databaseType?: string;
  inputs?: Array<Record<string, unknown>>;
  outputs?: Array<Record<string, unknown>>;
  actions?: Array<Record<string, unknown>>;
}

/** The table name Domo gives an input in SQL: the dataset's name, lower case, runs of other characters as `_`. */
export function inputTableName(datasetName: string): string {
  const n = datasetName
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return n || 'input';
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const chain = (v: unknown): VersionChainType | null => {
  if (v === undefined || v === null) return 'REPLACE';
  const up = typeof v === 'string' ? v.toUpperCase() : '';
  return up === 'REPLACE' || up === 'APPEND' ? up : null;
};

/** 501 for a DataFlow type the emulator does not run (Magic ETL, Redshift, ...); MYSQL when none is given. */
export function databaseTypeOf(v: unknown): (typeof SQL_DATABASE_TYPES)[number] {
  if (v === undefined || v === null) return 'MYSQL';
  const up = String(v).toUpperCase();
  if ((SQL_DATABASE_TYPES as readonly string[]).includes(up)) return up as 'MYSQL';
  throw notImplemented(`DataFlows of databaseType ${String(v)} are not emulated: only SQL DataFlows (databaseType MYSQL) run here`);
}

/**
 * Checks a definition and puts it in one shape: inputs listed once, a LoadFromVault per input (added when
 * missing), every transform a SELECT with a table name, every output matched to one PublishToVault (by
 * dataset id, by name, then in order). `datasetName` names an input's dataset (undefined: it does not exist).
 * Whether each SELECT reads only tables in scope is the compiler's check (the store compiles them in order).
 */
export function normalizeDefinition(body: DefinitionInput, datasetName: (id: string) => string | undefined): DataflowDefinition {
  const details: ErrorDetail[] = [];
  const fail = (path: string, message: string) => details.push({ path, message });

  // ---- inputs
  const inputs: DataflowInput[] = [];
  (Array.isArray(body.inputs) ? body.inputs : []).forEach((raw, i) => {
    const id = str(raw?.dataSourceId);
    if (!id) return fail(`body.inputs[${i}].dataSourceId`, 'Required');
    if (inputs.some((x) => x.dataSourceId === id)) return fail(`body.inputs[${i}].dataSourceId`, `DataSet ${id} is listed twice`);
    const name = datasetName(id);
    if (name === undefined) return fail(`body.inputs[${i}].dataSourceId`, `DataSet ${id} not found`);
    const cutoff = Number(raw?.recentVersionCutoffMs ?? 0);
    inputs.push({
      dataSourceId: id,
      dataSourceName: name,
      executeFlowWhenUpdated: raw?.executeFlowWhenUpdated === true,
      onlyLoadNewVersions: raw?.onlyLoadNewVersions === true,
      recentVersionCutoffMs: Number.isFinite(cutoff) && cutoff >= 0 ? cutoff : 0,
    });
  });
  if (!Array.isArray(body.inputs) || !body.inputs.length) fail('body.inputs', 'A DataFlow needs at least one input DataSet');

  // ---- actions
  const actions: DataflowAction[] = [];
  const ids = new Set<string>();
  const idFor = (raw: unknown, type: string, i: number) => {
    const given = str(raw);
    const id = given ?? `${type}-${i + 1}`;
    if (ids.has(id)) fail(`body.actions[${i}].id`, `Action id ${id} is used twice`);
    ids.add(id);
    return id;
  };
  const deps = (v: unknown) => (Array.isArray(v) ? v.filter((d): d is string => typeof d === 'string') : []);
  /** Where each action came from in the body (for the paths of later checks). */
  const at = new Map<DataflowAction, string>();
  (Array.isArray(body.actions) ? body.actions : []).forEach((raw, i) => {
    const type = String(raw?.type ?? '');
    const before = actions.length;
    if (type === 'LoadFromVault') {
      const ds = raw.dataSource as { guid?: unknown } | undefined;
      const dsId = str(raw.dataSourceId) ?? str(ds?.guid);
      const input = dsId ? inputs.find((x) => x.dataSourceId === dsId) : undefined;
      if (!dsId) return fail(`body.actions[${i}].dataSourceId`, 'Required');
      if (!input) return fail(`body.actions[${i}].dataSourceId`, `DataSet ${dsId} is not one of the DataFlow's inputs`);
      actions.push({ type, id: idFor(raw.id, type, i), name: str(raw.name) ?? inputTableName(input.dataSourceName), dataSourceId: dsId, dependsOn: [] });
    } else if (type === 'GenerateTableAction') {
      const tableName = str(raw.tableName) ?? str(raw.targetTableName) ?? str(raw.name);
      const sql = typeof raw.selectStatement === 'string' ? raw.selectStatement : undefined;
      if (!tableName) return fail(`body.actions[${i}].tableName`, 'A transform needs the name of the table it makes');
      if (!sql?.trim()) return fail(`body.actions[${i}].selectStatement`, 'Required: the SELECT that makes the table');
      actions.push({ type, id: idFor(raw.id, type, i), name: str(raw.name) ?? tableName, tableName, selectStatement: sql, dependsOn: deps(raw.dependsOn) });
    } else if (type === 'PublishToVault') {
      const ds = (raw.dataSource ?? {}) as { guid?: unknown; name?: unknown };
      const sql = typeof raw.selectStatement === 'string' ? raw.selectStatement : undefined;
      const vct = chain(raw.versionChainType);
      if (!sql?.trim()) return fail(`body.actions[${i}].selectStatement`, "Required: the SELECT whose rows are the output's data");
      if (!vct) return fail(`body.actions[${i}].versionChainType`, 'Use REPLACE or APPEND');
      const name = str(ds.name) ?? str(raw.name) ?? '';
      actions.push({ type, id: idFor(raw.id, type, i), name: str(raw.name) ?? name, selectStatement: sql, dataSource: { guid: str(ds.guid) ?? str(raw.dataSourceId) ?? null, name }, versionChainType: vct, dependsOn: deps(raw.dependsOn) });
    } else if (['SqlAction', 'SQL', 'ExecuteSqlAction'].includes(type)) {
      fail(`body.actions[${i}].type`, `${type} runs a statement that changes tables; the emulator runs SELECT transforms only (GenerateTableAction)`);
    } else fail(`body.actions[${i}].type`, `Unknown action type '${type}' (use ${ACTION_TYPES.join(', ')})`);
    if (actions.length > before) at.set(actions[actions.length - 1], `body.actions[${i}]`);
  });
  // every input is read by one LoadFromVault (Domo's editor adds it; a client may leave it out)
  for (const input of inputs) {
    if (actions.some((a) => a.type === 'LoadFromVault' && a.dataSourceId === input.dataSourceId)) continue;
    const id = `LoadFromVault-${input.dataSourceId}`;
    ids.add(id);
    actions.unshift({ type: 'LoadFromVault', id, name: inputTableName(input.dataSourceName), dataSourceId: input.dataSourceId, dependsOn: [] });
  }
  for (const a of actions) for (const d of a.dependsOn) if (!ids.has(d)) fail(`${at.get(a) ?? 'body.actions'}.dependsOn`, `No action ${d} in this DataFlow`);

  // ---- outputs, each with its one PublishToVault
  const publishes = actions.filter((a): a is PublishAction => a.type === 'PublishToVault');
  const outputs: DataflowOutput[] = [];
  if (Array.isArray(body.outputs) && body.outputs.length) {
    const free = new Set(publishes);
    const wanted = body.outputs.map((raw, i) => {
      const id = str(raw?.dataSourceId) ?? null;
      const name = str(raw?.dataSourceName) ?? '';
      const vct = chain(raw?.versionChainType);
      if (!id && !name) fail(`body.outputs[${i}]`, 'An output needs a dataSourceId (an existing DataSet) or a dataSourceName (a new one)');
      if (!vct) fail(`body.outputs[${i}].versionChainType`, 'Use REPLACE or APPEND');
      return { id, name, vct: vct ?? 'REPLACE' };
    });
    const pick = (match: (p: PublishAction) => boolean) => {
      const p = [...free].find(match);
      if (p) free.delete(p);
      return p;
    };
    const matched = wanted.map((w) => (w.id ? pick((p) => p.dataSource.guid === w.id) : undefined) ?? (w.name ? pick((p) => p.dataSource.name === w.name) : undefined));
    wanted.forEach((w, i) => {
      const p = matched[i] ?? pick(() => true);
      if (!p) return fail(`body.outputs[${i}]`, 'No PublishToVault action writes this output: add one with the SELECT of its rows');
      p.dataSource = { guid: w.id ?? p.dataSource.guid, name: w.name || p.dataSource.name };
      if (body.outputs![i]?.versionChainType !== undefined) p.versionChainType = w.vct;
      outputs.push({ dataSourceId: p.dataSource.guid, dataSourceName: p.dataSource.name, versionChainType: p.versionChainType });
    });
    if (free.size) fail('body.outputs', `${free.size} PublishToVault action(s) have no output listed (${[...free].map((p) => p.id).join(', ')})`);
  } else {
    publishes.forEach((p) => outputs.push({ dataSourceId: p.dataSource.guid, dataSourceName: p.dataSource.name, versionChainType: p.versionChainType }));
  }
  if (!publishes.length) fail('body.actions', 'A DataFlow needs at least one output: a PublishToVault action with the SELECT of its rows');
  outputs.forEach((o, i) => {
    if (!o.dataSourceId && !o.dataSourceName) fail(`body.outputs[${i}].dataSourceName`, 'A new output DataSet needs a name');
    if (o.dataSourceId && inputs.some((x) => x.dataSourceId === o.dataSourceId)) fail(`body.outputs[${i}].dataSourceId`, `DataSet ${o.dataSourceId} is an input of this DataFlow; it cannot also be its output`);
    if (o.dataSourceId && outputs.findIndex((x) => x.dataSourceId === o.dataSourceId) !== i) fail(`body.outputs[${i}].dataSourceId`, `DataSet ${o.dataSourceId} is written twice`);
  });

  if (details.length) throw badRequest(`Invalid DataFlow: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  return { inputs, outputs, actions };
}

/** The statements an execution runs, in order: inputs to count, tables to make, outputs to write. */
export interface ExecutionPlan {
  loads: Array<{ action: LoadAction; names: string[] }>;
  tables: TableAction[];
  publishes: Array<{ action: PublishAction; output: number }>;
}

/** The plan of a checked definition: each input under its LoadFromVault names and its Domo table name. */
export function planOf(def: DataflowDefinition): ExecutionPlan {
  const loads = def.actions
    .filter((a): a is LoadAction => a.type === 'LoadFromVault')
    .map((action) => {
      const input = def.inputs.find((i) => i.dataSourceId === action.dataSourceId)!;
      const names = [action.name, inputTableName(input.dataSourceName)].filter((n, i, all) => all.findIndex((m) => m.toLowerCase() === n.toLowerCase()) === i);
      return { action, names };
    });
  const tables = def.actions.filter((a): a is TableAction => a.type === 'GenerateTableAction');
  const publishes = def.actions
    .filter((a): a is PublishAction => a.type === 'PublishToVault')
    .map((action, output) => ({ action, output }));
  return { loads, tables, publishes };
}

/**
 * Whether adding edges (input dataset -> output dataset, for inputs that trigger a run) to the graph of
 * every DataFlow makes a cycle: a DataFlow whose output, through others, updates its own trigger input
 * would run forever. Returns a cycle's datasets, or null.
 */
export function triggerCycle(edges: Array<[from: string, to: string]>): string[] | null {
  const next = new Map<string, string[]>();
  for (const [a, b] of edges) next.set(a, [...(next.get(a) ?? []), b]);
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 'done') return null;
    if (state.get(n) === 'open') return [...path.slice(path.indexOf(n)), n];
    state.set(n, 'open');
    path.push(n);
    for (const m of next.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    path.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of next.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}
