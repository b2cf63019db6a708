// What `iaad roadside` and `iaad vehicle` are run with (cli/main.ts parses the flags into this).
import type { ReceiveDecorator } from '../transport/types.js';

export interface ProcessCommandArgs {
  /** Config file (YAML or JSON). */
  config: string;
  /** Stop after this many seconds (default: until SIGINT/SIGTERM). */
  duration?: number;
  /** Testing: pretend this host clock is off by this much. */
  clockOffsetMs?: number;
  /** Testing: put around each transport the process receives on (`--impair` gives the network impairment layer). */
  receive?: ReceiveDecorator;
  /** Record what this process receives and sends to this MCAP file. */
  record?: string;
  /** Start trace replay at this wall-clock time, ms since epoch (aligns processes). */
  startAtMs?: number;
}
