/**
 * The role authorities (Domo calls them grants) the emulator knows and enforces.
 *
 * Names: where the reference or a public Domo client shows one, it is used as is (`dataset.manage`,
 * `dataset.export` are the reference's own example of PATCH .../authorities). Domo does not publish the
 * full list of its grant ids, so the others follow the same `<object>.<verb>` form, named after the grant
 * titles of Domo's Admin > Governance > Roles screen (docs/access.md lists each with its title).
 * A role may hold names that are not in this list (a client may send Domo's real ids); they are stored
 * and counted, and enforce nothing.
 */
export interface AuthorityInfo {
  name: string;
  /** The grant's title, as Domo's roles screen shows it. */
  title: string;
  /** Domo's grant group (authorityUIGroup). */
  group: 'Admin' | 'Content' | 'Data' | 'Apps' | 'Social';
  description: string;
}

export const AUTHORITIES: readonly AuthorityInfo[] = [
  { name: 'admin.settings', title: 'Manage all company settings', group: 'Admin', description: 'Change instance settings and run platform migrations.' },
  { name: 'user.manage', title: 'Manage all users', group: 'Admin', description: 'Create, edit and delete users and assign their roles.' },
  { name: 'role.manage', title: 'Manage all roles', group: 'Admin', description: 'Create, edit and delete roles and their grants.' },
  { name: 'group.manage', title: 'Manage all groups', group: 'Admin', description: 'Create groups and change any group, closed ones included.' },
  { name: 'audit.view', title: 'View Activity Log', group: 'Admin', description: 'Read the activity log of every user.' },
  { name: 'domostats.view', title: 'Manage DomoStats', group: 'Admin', description: 'Configure Remote DomoStats jobs.' },
  { name: 'content.admin', title: 'Manage all content', group: 'Content', description: 'Act on every object (datasets, cards, pages, collections, files, queues, workflows...) as its owner, without a share.' },
  { name: 'card.view', title: 'View cards', group: 'Content', description: 'See cards and pages shared with you.' },
  { name: 'card.create', title: 'Create cards', group: 'Content', description: 'Create cards.' },
  { name: 'card.edit', title: 'Edit cards', group: 'Content', description: 'Edit cards you can see.' },
  { name: 'page.view', title: 'View pages', group: 'Content', description: 'See pages shared with you.' },
  { name: 'page.create', title: 'Create pages', group: 'Content', description: 'Create pages and subpages.' },
  { name: 'page.edit', title: 'Edit pages', group: 'Content', description: 'Move, edit and share pages you can see.' },
  { name: 'beastmode.manage', title: 'Edit Beast Modes', group: 'Content', description: 'Create, edit and lock Beast Mode calculations.' },
  { name: 'alert.manage', title: 'Create alerts', group: 'Content', description: 'Create, share and subscribe to alerts.' },
  { name: 'report.schedule', title: 'Schedule reports', group: 'Content', description: 'Create and send scheduled reports.' },
  { name: 'certification.manage', title: 'Manage certified content', group: 'Content', description: 'Certify and de-certify content.' },
  { name: 'dataset.view', title: 'View DataSets', group: 'Data', description: 'Read datasets shared with you.' },
  { name: 'dataset.create', title: 'Create DataSets', group: 'Data', description: 'Create datasets, streams and uploads.' },
  { name: 'dataset.manage', title: 'Edit DataSets', group: 'Data', description: 'Change, share and delete datasets you have access to.' },
  { name: 'dataset.export', title: 'Export data', group: 'Data', description: 'Export dataset rows (CSV, S3).' },
  { name: 'dataflow.manage', title: 'Edit DataFlows', group: 'Data', description: 'Create, edit and run DataFlows.' },
  { name: 'account.manage', title: 'Manage accounts', group: 'Data', description: 'Create and edit data accounts.' },
  { name: 'appdb.manage', title: 'Create data in AppDB', group: 'Apps', description: 'Create AppDB datastores and collections.' },
  { name: 'file.upload', title: 'Upload files', group: 'Apps', description: 'Upload data files.' },
  { name: 'fileset.manage', title: 'Manage FileSets', group: 'Apps', description: 'Create FileSets.' },
  { name: 'codeengine.manage', title: 'Manage Code Engine', group: 'Apps', description: 'Create and release Code Engine packages.' },
  { name: 'workflow.manage', title: 'Manage Workflows', group: 'Apps', description: 'Create workflows and start their instances.' },
  { name: 'taskcenter.manage', title: 'Manage Task Center', group: 'Apps', description: 'Create task queues and manage every task.' },
  { name: 'ai.use', title: 'Use AI Services', group: 'Apps', description: 'Call the AI text and SQL services.' },
  { name: 'search.use', title: 'Use search', group: 'Social', description: 'Search the instance.' },
  { name: 'social.buzz', title: 'Use Buzz', group: 'Social', description: 'Use Buzz and profiles.' },
];

export const authorityNames: ReadonlySet<string> = new Set(AUTHORITIES.map((a) => a.name));

/**
 * What makes a user an administrator: holding both of these, they can restore every other right.
 * The instance always keeps at least one such user (the "last admin" rule).
 */
export const ADMIN_AUTHORITIES = ['user.manage', 'role.manage'] as const;
