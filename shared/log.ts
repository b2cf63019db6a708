// Structured logs (JSON lines on stderr, so stdout stays free for machine-readable output such as summaries).
// Level from IAAD_LOG_LEVEL (trace|debug|info|warn|error|silent), default info.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, level = process.env.IAAD_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}
