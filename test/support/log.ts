// A pino logger that keeps its records in memory, for tests that assert what a component logs.
import { pino, type Logger } from 'pino';

export function memoryLog(): { log: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, records };
}
