/**
 * Every action the policy decides, with what it needs: a role authority (any one of a list), and, on an
 * object, a grant (any one of a list of the object type's permissions; owners and content admins hold
 * them all). docs/access.md is generated from this table (npm run docs:access) and a test keeps it current.
 */
import type { ResourceType } from './resources.js';

export interface ActionSpec {
  family: string;
  /** What the caller is doing, for docs and messages ("create a user"). */
  does: string;
  /** The caller's role must hold one of these. */
  authority?: readonly string[];
  /** The object the action is on, and the permission on it that is needed (any one of). */
  resource?: ResourceType;
  need?: readonly string[];
  /** Extra rules of this action, in words (for docs/access.md). */
  rules?: string;
}

const DATA_WRITE = ['dataset.manage', 'dataset.create'];

export const ACTIONS = {
  // ---------------------------------------------------------------- identity
  'user.read': { family: 'Users', does: 'read users' },
  'user.create': {
    family: 'Users',
    does: 'create a user',
    authority: ['user.manage'],
    rules: 'the new role may hold no authority the caller lacks',
  },
  'user.update': {
    family: 'Users',
    does: "change a user's profile",
    resource: 'user',
    need: ['SELF'],
    rules: 'yourself, or any user with user.manage',
  },
  'user.assignRole': {
    family: 'Users',
    does: "change a user's role",
    authority: ['user.manage'],
    rules: 'nobody raises their own role; the role may hold no authority the caller lacks; the last admin keeps theirs (409)',
  },
  'user.delete': { family: 'Users', does: 'delete a user', authority: ['user.manage'], rules: 'not yourself, not the last admin (409)' },
  'role.read': { family: 'Roles', does: 'read roles and their authorities' },
  'role.create': { family: 'Roles', does: 'create a role', authority: ['role.manage'], rules: 'it may hold no authority the caller lacks' },
  'role.update': {
    family: 'Roles',
    does: "change a role's authorities",
    authority: ['role.manage'],
    rules: 'no authority the caller lacks; the last admin keeps user.manage and role.manage (409)',
  },
  'role.delete': { family: 'Roles', does: 'delete a role', authority: ['role.manage'] },
  'group.read': { family: 'Groups', does: 'read groups' },
  'group.create': { family: 'Groups', does: 'create a group', authority: ['group.manage'] },
  'group.update': { family: 'Groups', does: 'change a group or its owners', resource: 'group', need: ['OWNER'], rules: 'group owners, or holders of group.manage' },
  'group.delete': { family: 'Groups', does: 'delete a group', resource: 'group', need: ['OWNER'], rules: 'group owners, or holders of group.manage' },
  'group.members': {
    family: 'Groups',
    does: 'add or remove group members',
    resource: 'group',
    need: ['OWNER'],
    rules: 'group owners or group.manage; anyone may join or leave an open group themselves; dynamic groups only with group.manage',
  },

  // ---------------------------------------------------------------- data
  'dataset.create': { family: 'Datasets', does: 'create a dataset', authority: ['dataset.create'] },
  'dataset.read': { family: 'Datasets', does: 'read a dataset, its schema, versions and rows', authority: ['dataset.view', 'dataset.manage'], resource: 'dataset', need: ['CAN_VIEW'] },
  'dataset.update': { family: 'Datasets', does: 'change a dataset, upload or delete its data', authority: DATA_WRITE, resource: 'dataset', need: ['CAN_EDIT'] },
  'dataset.share': {
    family: 'Datasets',
    does: 'share a dataset or revoke a share',
    authority: DATA_WRITE,
    resource: 'dataset',
    need: ['CAN_SHARE'],
    rules: 'no share above the caller’s own access, and no change to or removal of a share above it',
  },
  'dataset.delete': { family: 'Datasets', does: 'delete a dataset', authority: DATA_WRITE, resource: 'dataset', need: ['CO_OWNER'] },
  'dataset.export': { family: 'Datasets', does: 'export dataset rows (S3 export, POST /api/query/v1/execute/export)', authority: ['dataset.export'], resource: 'dataset', need: ['CAN_VIEW'], rules: 'POST /api/query/v1/execute needs dataset.read only' },
  'dataset.pdp': {
    family: 'Datasets',
    does: 'manage row-level PDP policies',
    authority: DATA_WRITE,
    resource: 'dataset',
    need: ['CO_OWNER'],
  },
  'dataset.allRows': {
    family: 'Datasets',
    does: 'read every row despite PDP',
    resource: 'dataset',
    need: ['OWNER'],
    rules: 'owners and content admins; everyone else sees the rows of the policies that name them',
  },
  'account.create': { family: 'DataAccounts', does: 'create a data account', authority: ['account.manage', 'dataset.create'] },
  'account.read': { family: 'DataAccounts', does: 'read or use a data account (a stream on it)', resource: 'account', need: ['CAN_VIEW'] },
  'account.update': { family: 'DataAccounts', does: 'change a data account', authority: ['account.manage', 'dataset.create'], resource: 'account', need: ['CAN_EDIT'] },
  'dataflow.create': { family: 'DataFlows', does: 'create a DataFlow', authority: ['dataflow.manage'], rules: 'its owner must be able to read every input and change every existing output' },
  'dataflow.read': { family: 'DataFlows', does: 'read a DataFlow and its executions', resource: 'dataflow', need: ['CAN_VIEW'] },
  'dataflow.update': { family: 'DataFlows', does: 'change or delete a DataFlow', authority: ['dataflow.manage'], resource: 'dataflow', need: ['CAN_EDIT'] },
  'dataflow.run': {
    family: 'DataFlows',
    does: 'run a DataFlow',
    authority: ['dataflow.manage'],
    resource: 'dataflow',
    need: ['CAN_EDIT'],
    rules: "it runs as its owner: the owner's read access and PDP decide which input rows it reads",
  },
  'migration.run': { family: 'Migrations', does: 'start or reverse a platform migration, or list its candidates', authority: ['admin.settings'] },
  'domostats.read': { family: 'RemoteDomostats', does: 'read Remote DomoStats applications and jobs', authority: ['domostats.view'] },
  'domostats.manage': { family: 'RemoteDomostats', does: 'change a Remote DomoStats job', authority: ['domostats.view'] },

  // ---------------------------------------------------------------- apps
  'datastore.create': { family: 'AppDB', does: 'create an AppDB datastore or collection', authority: ['appdb.manage'] },
  'datastore.delete': { family: 'AppDB', does: 'delete an AppDB datastore', authority: ['appdb.manage'], resource: 'datastore', need: ['OWNER'] },
  'collection.read': { family: 'AppDB', does: 'read a collection', resource: 'collection', need: ['read'] },
  'collection.update': { family: 'AppDB', does: 'change a collection', resource: 'collection', need: ['write'] },
  'collection.delete': { family: 'AppDB', does: 'delete a collection', resource: 'collection', need: ['delete'] },
  'collection.share': { family: 'AppDB', does: "change a collection's permissions", resource: 'collection', need: ['share'], rules: 'the entries given, changed or removed hold only permissions the caller holds' },
  'collection.export': { family: 'AppDB', does: 'export a collection to its dataset', resource: 'collection', need: ['read'] },
  'document.read': { family: 'AppDB', does: 'read or query documents', resource: 'collection', need: ['read_content'] },
  'document.create': { family: 'AppDB', does: 'create documents', resource: 'collection', need: ['create_content'] },
  'document.update': { family: 'AppDB', does: 'change documents', resource: 'collection', need: ['update_content'] },
  'document.delete': { family: 'AppDB', does: 'delete documents', resource: 'collection', need: ['delete_content', 'delete'] },
  'file.create': { family: 'Files', does: 'upload a new data file, or duplicate one', authority: ['file.upload'] },
  'file.read': { family: 'Files', does: 'read or download a data file', resource: 'file', need: ['READ'] },
  'file.update': { family: 'Files', does: 'add a revision to a data file', resource: 'file', need: ['WRITE'] },
  'file.delete': { family: 'Files', does: 'delete a data file or a revision', resource: 'file', need: ['DELETE'] },
  'file.share': { family: 'Files', does: "change a data file's permissions", resource: 'file', need: ['SHARE'], rules: 'the entries given, changed or removed hold only permissions the caller holds' },
  'fileset.create': { family: 'FileSets', does: 'create a FileSet', authority: ['fileset.manage'] },
  'fileset.read': { family: 'FileSets', does: 'read a FileSet and its files', resource: 'fileset', need: ['READ'] },
  'fileset.update': { family: 'FileSets', does: 'change a FileSet or its files', resource: 'fileset', need: ['WRITE'] },
  'fileset.delete': { family: 'FileSets', does: 'delete a FileSet', resource: 'fileset', need: ['OWNER'] },
  'queue.create': { family: 'TaskCenter', does: 'create a task queue', authority: ['taskcenter.manage', 'workflow.manage'] },
  'queue.read': { family: 'TaskCenter', does: 'see a queue and its tasks', resource: 'queue', need: ['READ'] },
  'queue.work': { family: 'TaskCenter', does: 'save progress on, complete, assign, move or void tasks', resource: 'queue', need: ['UPDATE_CONTENT'] },
  'queue.manage': { family: 'TaskCenter', does: "change a queue's permissions", resource: 'queue', need: ['ADMIN', 'SHARE'], rules: 'the entries given, changed or removed hold only permissions the caller holds' },
  'task.override': { family: 'TaskCenter', does: 'act on a task locked by someone else', authority: ['taskcenter.manage'] },
  'workflow.read': { family: 'Workflows', does: 'read a workflow and its instances', resource: 'workflow', need: ['READ'] },
  'workflow.start': { family: 'Workflows', does: 'start a workflow instance', resource: 'workflow', need: ['EXECUTE'] },
  'workflow.cancel': { family: 'Workflows', does: 'cancel a workflow instance', resource: 'workflow', need: ['EXECUTE'] },
  'workflow.share': { family: 'Workflows', does: "change a workflow's permissions", resource: 'workflow', need: ['ADMIN', 'SHARE'], rules: 'the entries given, changed or removed hold only permissions the caller holds' },
  'package.create': { family: 'CodeEngine', does: 'create a Code Engine package', authority: ['codeengine.manage'] },
  'package.update': { family: 'CodeEngine', does: 'change or release a Code Engine package', resource: 'package', need: ['OWNER'], rules: 'its owner, or holders of codeengine.manage' },
  'package.run': { family: 'CodeEngine', does: 'run a Code Engine function' },
  'ai.use': { family: 'AIServices', does: 'call an AI service', authority: ['ai.use'] },
  'search.use': { family: 'Search', does: 'search the instance', authority: ['search.use'] },
  'audit.read': { family: 'ActivityLog', does: 'read the activity log', authority: ['audit.view'] },

  // ---------------------------------------------------------------- content
  'card.read': { family: 'Cards', does: 'see a card and render it', authority: ['card.view', 'card.edit'], resource: 'card', need: ['CAN_VIEW'] },
  'card.update': { family: 'Cards', does: 'change a card', authority: ['card.edit'], resource: 'card', need: ['CAN_EDIT'] },
  'page.read': { family: 'Pages', does: 'see a page', authority: ['page.view', 'page.edit'], resource: 'page', need: ['CAN_VIEW'] },
  'page.create': { family: 'Pages', does: 'create a page or subpage', authority: ['page.create'] },
  'page.update': { family: 'Pages', does: 'move, change or revoke access to a page', authority: ['page.edit'], resource: 'page', need: ['CAN_EDIT'] },
  'beastmode.read': { family: 'BeastModes', does: 'read Beast Modes' },
  'beastmode.update': { family: 'BeastModes', does: 'change a Beast Mode', authority: ['beastmode.manage'] },
  'beastmode.lock': {
    family: 'BeastModes',
    does: 'lock, unlock or change a locked Beast Mode',
    authority: ['beastmode.manage'],
    resource: 'beastmode',
    need: ['OWNER'],
  },
  'alert.read': { family: 'Alerts', does: 'see an alert', resource: 'alert', need: ['SUBSCRIBER'] },
  'alert.subscribe': { family: 'Alerts', does: 'subscribe yourself to an alert', authority: ['alert.manage'] },
  'alert.share': { family: 'Alerts', does: 'share an alert', authority: ['alert.manage'], resource: 'alert', need: ['SUBSCRIBER'] },
  'alert.update': { family: 'Alerts', does: "change or delete an alert, or others' subscriptions", authority: ['alert.manage'], resource: 'alert', need: ['OWNER'] },
  'certification.manage': { family: 'CertifiedContent', does: 'certify or de-certify content', authority: ['certification.manage'] },
  'schedule.create': { family: 'ScheduledReports', does: 'create a report schedule', authority: ['report.schedule'], rules: 'on a card, dataset or page the caller may read (card.read, dataset.read, page.read)' },
  'schedule.read': { family: 'ScheduledReports', does: 'see a report schedule (or unsubscribe from it)', resource: 'schedule', need: ['RECIPIENT'] },
  'schedule.history': { family: 'ScheduledReports', does: 'see a report run (history entry)', resource: 'schedule', need: ['OWNER'], rules: 'history entries show recipients: their schedule’s owner and content admins only' },
  'schedule.readAll': { family: 'ScheduledReports', does: "see every user's report schedules and runs (filter=ALL)", authority: ['content.admin'] },
  'schedule.update': { family: 'ScheduledReports', does: 'change, send or delete a report schedule, see its runs, resubscribe others', authority: ['report.schedule'], resource: 'schedule', need: ['OWNER'] },
  'reports.settings': { family: 'ScheduledReports', does: 'turn scheduled report emails on or off for the instance', authority: ['admin.settings'] },
} as const satisfies Record<string, ActionSpec>;

export type Action = keyof typeof ACTIONS;
