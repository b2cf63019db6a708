// Reads a YAML or JSON config file and validates it with a zod schema. Errors name the file and the bad field
// (e.g. "rsu.config.yaml: transports.zmq.pubEndpoint: must start with tcp:// or ipc://"), so an operator can fix
// the file without reading code.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Formats zod issues as one "path: message" line each. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('\n');
}

/** Validates already-parsed data; `origin` names where it came from in error messages. */
export function validateConfig<S extends z.ZodType>(schema: S, data: unknown, origin: string): z.output<S> {
  const result = schema.safeParse(data);
  if (!result.success) throw new ConfigError(`invalid config ${origin}:\n${formatIssues(result.error.issues)}`);
  return result.data;
}

export interface LoadedConfig<T> {
  config: T;
  /** Absolute path of the file; relative paths inside it are resolved against its folder. */
  path: string;
  baseDir: string;
}

/**
 * Reads and parses a .json file or a YAML file (any other extension), not yet validated; `what` ("config",
 * "scenario") names the file in the ConfigError of a file that cannot be read or parsed.
 */
export function readDataFile(file: string, what: string): { data: unknown; path: string } {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return { data: path.endsWith('.json') ? JSON.parse(text) : parseYaml(text), path };
  } catch (err) {
    throw new ConfigError(`cannot parse ${what} ${path}: ${(err as Error).message}`);
  }
}

export function loadConfigFile<S extends z.ZodType>(schema: S, file: string): LoadedConfig<z.output<S>> {
  const { data, path } = readDataFile(file, 'config');
  return { config: validateConfig(schema, data, path), path, baseDir: dirname(path) };
}

/** Resolves a path from a config file against the config's folder (absolute paths pass through). */
export const resolveFrom = (baseDir: string, p: string): string => resolve(baseDir, p);
