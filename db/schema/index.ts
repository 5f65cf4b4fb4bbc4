// Every table of the emulator. One file per family; drizzle-kit reads this index.
export * from './emulator.js';
export * from './users.js';
export * from './roles.js';
export * from './groups.js';
export * from './datasets.js';
export * from './streams.js';
export * from './accounts.js';
export * from './exports.js';
export * from './cards.js';
export * from './appdb.js';
export * from './files.js';
export * from './filesets.js';
export * from './alerts.js';
export * from './beast-modes.js';
export * from './certified-content.js';
export * from './pages.js';
