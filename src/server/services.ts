import type { App } from '../app.js';
import type { Logger } from '../kernel/log.js';
import type { JobSlots } from './job-slots.js';

/** What every tool receives: the core services and a stderr logger. */
export interface ToolServices {
  app: App;
  logger: Logger;
  /** The client's limit on long jobs at once (an HTTP session's); absent over stdio, where there is one client. */
  jobs?: JobSlots;
}
