// Turns the mqtt and zmq sections of a process config into transport options: reads the TLS material, the MQTT
// password and the CURVE key files a config names, once at start. Every error names the config field and the
// file (or environment variable), so an operator can fix it without reading code.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, resolveFrom } from '../config/load.js';
import type { MqttConfig, ZmqCurveClientConfig, ZmqCurveServerConfig } from '../config/schemas.js';
import type { MqttTransportOptions } from './mqtt.js';
import type { CurveClientKeys, CurveServerKeys } from './zmq.js';

/** Where relative paths are resolved and how errors name the config: its folder, its path, the section's field. */
export interface ConfigSite {
  baseDir: string;
  /** The config file, as errors name it. */
  origin: string;
  /** Dotted path of the section in the config, e.g. 'transports.mqtt' or 'rsus.0.zmq'. */
  field: string;
}

function readText(site: ConfigSite, key: string, p: string): { text: string; path: string } {
  const path = resolveFrom(site.baseDir, p);
  try {
    return { text: readFileSync(path, 'utf8'), path };
  } catch (err) {
    throw new ConfigError(`${site.origin}: ${site.field}.${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Reads a PEM file and checks it parses as what it should be, so a wrong file fails at start, not at connect. */
function readPem(site: ConfigSite, key: string, p: string, kind: 'certificate' | 'private key'): string {
  const { text, path } = readText(site, key, p);
  try {
    if (kind === 'certificate') new X509Certificate(text);
    else createPrivateKey(text);
  } catch (err) {
    throw new ConfigError(`${site.origin}: ${site.field}.${key}: ${path} is not a PEM ${kind}: ${(err as Error).message}`);
  }
  return text;
}

/** The password from exactly one of password (inline, tests), passwordFile or passwordEnv; undefined if none. */
function mqttPassword(m: MqttConfig, site: ConfigSite, env: NodeJS.ProcessEnv): string | undefined {
  if (m.passwordFile !== undefined) {
    const { text, path } = readText(site, 'passwordFile', m.passwordFile);
    const password = text.replace(/\r?\n$/, '');
    if (!password) throw new ConfigError(`${site.origin}: ${site.field}.passwordFile: ${path} is empty`);
    return password;
  }
  if (m.passwordEnv !== undefined) {
    const password = env[m.passwordEnv];
    if (!password) throw new ConfigError(`${site.origin}: ${site.field}.passwordEnv: environment variable ${m.passwordEnv} is not set or empty`);
    return password;
  }
  return m.password;
}

/** The MqttTransport options a config's mqtt section gives (url, protocol, credentials, TLS, timing). */
export function mqttOptionsFromConfig(m: MqttConfig, site: ConfigSite, env: NodeJS.ProcessEnv = process.env):
  Pick<MqttTransportOptions, 'url' | 'protocolVersion' | 'keepaliveS' | 'username' | 'password' | 'tls' | 'reconnectMaxDelayMs' | 'connackTimeoutMs'> {
  const tls = m.tls;
  const tlsField = { ...site, field: `${site.field}.tls` };
  return {
    url: m.url,
    protocolVersion: m.protocolVersion,
    keepaliveS: m.keepaliveS,
    reconnectMaxDelayMs: m.reconnectMaxDelayMs,
    connackTimeoutMs: m.connectTimeoutMs,
    username: m.username,
    password: mqttPassword(m, site, env),
    tls: tls && {
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.ca !== undefined ? { ca: readPem(tlsField, 'ca', tls.ca, 'certificate') } : {}),
      ...(tls.cert !== undefined ? { cert: readPem(tlsField, 'cert', tls.cert, 'certificate') } : {}),
      ...(tls.key !== undefined ? { key: readPem(tlsField, 'key', tls.key, 'private key') } : {}),
    },
  };
}

const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/** A CURVE key file: 40 Z85 characters (a 32-byte key), surrounding whitespace ignored. */
function readZ85Key(site: ConfigSite, key: string, p: string): string {
  const { text, path } = readText(site, key, p);
  const z85 = text.trim();
  if (!Z85_KEY.test(z85)) throw new ConfigError(`${site.origin}: ${site.field}.${key}: ${path} is not a Z85 CURVE key (40 characters, from \`iaad keys curve\`)`);
  return z85;
}

/**
 * An authorized-keys file: one Z85 public key per line, optionally followed by whitespace and a note; blank lines
 * and comment lines ('#' then a space, or '#' alone) ignored. A key itself may contain '#' (a Z85 character).
 */
function readAuthorizedKeys(site: ConfigSite, key: string, p: string): string[] {
  const { text, path } = readText(site, key, p);
  const keys: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || /^#(\s|$)/.test(line)) return;
    const z85 = line.split(/\s/, 1)[0]!;
    if (!Z85_KEY.test(z85)) throw new ConfigError(`${site.origin}: ${site.field}.${key}: ${path}:${i + 1}: not a Z85 CURVE public key`);
    keys.push(z85);
  });
  if (keys.length === 0) throw new ConfigError(`${site.origin}: ${site.field}.${key}: ${path} lists no key (no client could connect)`);
  return keys;
}

export function curveServerKeysFromConfig(c: ZmqCurveServerConfig, site: ConfigSite): CurveServerKeys {
  const s = { ...site, field: `${site.field}.curve` };
  return {
    secretKey: readZ85Key(s, 'secretKeyFile', c.secretKeyFile),
    ...(c.authorizedKeysFile !== undefined ? { allowedClientKeys: readAuthorizedKeys(s, 'authorizedKeysFile', c.authorizedKeysFile) } : {}),
  };
}

export function curveClientKeysFromConfig(c: ZmqCurveClientConfig, site: ConfigSite): CurveClientKeys {
  const s = { ...site, field: `${site.field}.curve` };
  return {
    serverPublicKey: readZ85Key(s, 'serverPublicKeyFile', c.serverPublicKeyFile),
    publicKey: readZ85Key(s, 'publicKeyFile', c.publicKeyFile),
    secretKey: readZ85Key(s, 'secretKeyFile', c.secretKeyFile),
  };
}
