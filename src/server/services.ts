import type { App } from '../app.js';
import type { Logger } from '../kernel/log.js';

/** What every tool receives: the core services and a stderr logger. */
export interface ToolServices {
  app: App;
  logger: Logger;
}
