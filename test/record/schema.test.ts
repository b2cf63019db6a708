import assert from 'node:assert/strict';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { envelopeSchema, ENVELOPE_SCHEMA_NAME, loadEnvelopeRoot, rootFromSchemaData } from '../../shared/record/schema.js';
import { envelope, framePayload, T0_NS } from './fixtures.js';

interface FieldJson { name: string; number: number; type: string; typeName?: string; options?: { packed?: boolean } }
interface MessageJson { name: string; field?: FieldJson[] }
interface FileJson { name: string; package: string; syntax: string; dependency?: string[]; messageType: MessageJson[]; enumType: { name: string }[] }

const decodedSet = (): { file: FileJson[] } =>
  descriptor.FileDescriptorSet.toObject(descriptor.FileDescriptorSet.decode(envelopeSchema().data), { enums: String }) as { file: FileJson[] };

describe('record/schema', () => {
  it('is a protobuf FileDescriptorSet named iaad.v1.Envelope', () => {
    const s = envelopeSchema();
    assert.equal(s.name, ENVELOPE_SCHEMA_NAME);
    assert.equal(s.encoding, 'protobuf');
    assert.ok(s.data.byteLength > 1000);
    assert.equal(envelopeSchema(), s, 'built once');
  });

  it('holds one self-contained proto3 file, as protoc would describe it', () => {
    const { file } = decodedSet();
    assert.equal(file.length, 1);
    const f = file[0]!;
    assert.equal(f.name, 'iaad/v1/iaad.proto');
    assert.equal(f.package, 'iaad.v1');
    assert.equal(f.syntax, 'proto3');
    assert.deepEqual(f.dependency ?? [], []);
    assert.deepEqual(f.enumType.map((e) => e.name).sort(), ['ObjectClass', 'SourceKind']);
    // Every message of the .proto is there, with the .proto's field names and fully qualified type references.
    const source = loadEnvelopeRoot().lookup('iaad.v1')!.toJSON() as { nested: Record<string, { fields?: object }> };
    const messages = Object.entries(source.nested).filter(([, v]) => v.fields).map(([k]) => k).sort();
    assert.deepEqual(f.messageType.map((m) => m.name).sort(), messages);
    const env = f.messageType.find((m) => m.name === 'Envelope')!;
    assert.deepEqual(env.field!.map((x) => `${x.number}:${x.name}`),
      ['1:version', '2:sender_id', '3:expires_at_ns', '4:boot_epoch_ns', '10:frame', '11:advisory', '12:intent', '13:sync_request',
        '14:sync_response', '20:key_id', '21:signature']);
    for (const m of f.messageType) {
      for (const x of m.field ?? []) if (x.typeName) assert.match(x.typeName, /^\.iaad\.v1\.[A-Z]\w+$/, `${m.name}.${x.name}`);
    }
    const cov = f.messageType.find((m) => m.name === 'DetectedObject')!.field!.find((x) => x.name === 'covariance')!;
    assert.equal(cov.options?.packed, true);
    const cls = f.messageType.find((m) => m.name === 'DetectedObject')!.field!.find((x) => x.name === 'object_class')!;
    assert.equal(cls.type, 'TYPE_ENUM');
    assert.equal(cls.typeName, '.iaad.v1.ObjectClass');
  });

  it('alone rebuilds a Root that decodes an Envelope encoded by the wire codec', () => {
    const root = rootFromSchemaData(envelopeSchema().data);
    const type = root.lookupType(ENVELOPE_SCHEMA_NAME);
    const bytes = envelope('rsu-1', framePayload('rsu-1', 7, T0_NS, 2));
    const msg = type.toObject(type.decode(bytes), { longs: String, enums: String, defaults: true }) as {
      version: number; sender_id: string;
      frame: { source_id: string; source_kind: string; sequence: string; capture_time_ns: string;
        objects: { track_id: number; object_class: string; covariance: number[]; length_m: number }[] };
    };
    assert.equal(msg.version, 1);
    assert.equal(msg.sender_id, 'rsu-1');
    assert.equal(msg.frame.source_id, 'rsu-1');
    assert.equal(msg.frame.source_kind, 'SOURCE_KIND_RSU');
    assert.equal(msg.frame.sequence, '7');
    assert.equal(msg.frame.capture_time_ns, String(BigInt(T0_NS)));
    assert.deepEqual(msg.frame.objects.map((o) => [o.track_id, o.object_class, o.covariance.length, o.length_m]),
      [[1, 'OBJECT_CLASS_CAR', 10, 4.5], [2, 'OBJECT_CLASS_PEDESTRIAN', 0, 4.5]]);
    // And re-encoding through the rebuilt type gives the same bytes (no field lost or renumbered).
    assert.deepEqual(type.encode(type.decode(bytes)).finish(), bytes);
  });
});
