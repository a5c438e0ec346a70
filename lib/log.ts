// The one logger factory. Everything logs through pino to stderr (stdout stays free for
// command output such as `vigil events`); VIGIL_LOG_LEVEL sets the level.
import { pino, type Logger } from 'pino';

const root = pino(
  { level: process.env.VIGIL_LOG_LEVEL ?? 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
  pino.destination({ fd: 2, sync: false }),
);

export type { Logger };

export function logger(component: string): Logger {
  return root.child({ component });
}
