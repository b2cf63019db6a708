// The MCAP schema for iaad.v1.Envelope: a protobuf FileDescriptorSet built from proto/iaad/v1/iaad.proto, the
// form Foxglove Studio and the mcap CLI expect ({ encoding: 'protobuf', name: <full message name> }). The set
// is self-contained (the proto imports nothing), so a file can be decoded without this repository.
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

export const ENVELOPE_SCHEMA_NAME = 'iaad.v1.Envelope';
export const MESSAGE_ENCODING = 'protobuf';
/** Relative to this module, so it works from any working directory (and under tsx or compiled). */
export const PROTO_URL = new URL('../../proto/iaad/v1/iaad.proto', import.meta.url);
/** File name inside the descriptor: the path protoc would use (relative to proto/). */
const PROTO_FILE_NAME = 'iaad/v1/iaad.proto';

export interface McapSchemaInfo {
  name: string;
  encoding: string;
  data: Uint8Array;
}

// protobufjs/ext/descriptor adds these at runtime but its typings do not declare them.
interface DescribableRoot { toDescriptor(syntax: string): protobuf.Message & FileSetShape }
interface RootFromDescriptor { fromDescriptor(set: Uint8Array | protobuf.Message): protobuf.Root }
interface FieldShape { number?: number; typeName?: string }
interface MessageShape { name?: string; field?: FieldShape[]; nestedType?: MessageShape[] }
interface FileShape { name?: string; package?: string; messageType?: MessageShape[] }
interface FileSetShape { file: FileShape[] }

/** The proto as a protobufjs Root with the .proto field names (snake_case), as other tools show them. */
export function loadEnvelopeRoot(): protobuf.Root {
  const { root } = protobuf.parse(readFileSync(PROTO_URL, 'utf8'), new protobuf.Root(), { keepCase: true });
  root.resolveAll();
  return root;
}

/**
 * protobufjs writes type references as written in the .proto ("PerceptionFrame"); protoc writes them fully
 * qualified (".iaad.v1.PerceptionFrame"), and descriptor-pool based readers (C++, Python, Go) require that.
 */
function qualifyTypeNames(messages: MessageShape[] | undefined, scope: protobuf.Namespace): void {
  for (const m of messages ?? []) {
    const type = scope.lookupType(m.name ?? '');
    for (const f of m.field ?? []) {
      if (!f.typeName || f.typeName.startsWith('.')) continue;
      const resolved = type.fieldsById[f.number ?? -1]?.resolvedType;
      if (!resolved) throw new Error(`cannot resolve ${f.typeName} in ${type.fullName}`);
      f.typeName = resolved.fullName; // fullName starts with '.'
    }
    qualifyTypeNames(m.nestedType, type);
  }
}

let cached: McapSchemaInfo | undefined;

/** Encoded FileDescriptorSet of iaad.proto (one file, no dependencies). Built once per process. */
export function envelopeSchema(): McapSchemaInfo {
  if (cached) return cached;
  const root = loadEnvelopeRoot();
  const set = (root as unknown as DescribableRoot).toDescriptor('proto3');
  if (set.file.length !== 1) throw new Error(`expected one file in the descriptor set, got ${set.file.length}`);
  const file = set.file[0]!;
  file.name = PROTO_FILE_NAME;
  qualifyTypeNames(file.messageType, root.lookup(file.package ?? '') as protobuf.Namespace);
  const data = descriptor.FileDescriptorSet.encode(set).finish();
  cached = Object.freeze({ name: ENVELOPE_SCHEMA_NAME, encoding: MESSAGE_ENCODING, data });
  return cached;
}

/** A Root rebuilt from schema bytes alone, as a foreign reader would (used by tests and tools). */
export function rootFromSchemaData(data: Uint8Array): protobuf.Root {
  return (protobuf.Root as unknown as RootFromDescriptor).fromDescriptor(data);
}
