/** Who may do what: the principal, the policy, the actions table and the resource models. See docs/access.md. */
export { Principal, type TokenKind, type Decision } from './principal.js';
export { AccessPolicy, CONTENT_ADMIN } from './policy.js';
export { ACTIONS, type Action, type ActionSpec } from './actions.js';
export { AUTHORITIES, authorityNames, ADMIN_AUTHORITIES } from './authorities.js';
export { RESOURCE_MODELS, type Resource, type Grant, type ResourceType } from './resources.js';
