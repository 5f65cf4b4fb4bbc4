export { startEmulator, type RunningEmulator } from './server.js';
export { createApp, instanceNameFor } from './app.js';
export { InstanceRegistry, type Instance } from './instances.js';
export { optionsSchema, type EmulatorOptions, type Config } from './config.js';
export { createLogger } from './logger.js';
