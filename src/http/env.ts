import type { Config } from '../config.js';
import type { Instance, InstanceRegistry } from '../instances.js';
import type { Principal } from '../access/principal.js';
import type { Logger } from '../logger.js';

/** What every handler can read from the context. */
export interface AppEnv {
  Variables: {
    requestId: string;
    config: Config;
    registry: InstanceRegistry;
    logger: Logger;
    instance: Instance;
    /** Who is calling (set by auth on /api and /domo routes). */
    principal: Principal;
    /** What the request sent that was ignored or repaired (unknown fields), for its journal entry. */
    warnings?: string[];
  };
}
