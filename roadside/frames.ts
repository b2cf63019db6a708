// How the roadside puts a perception frame on the wire. Its own small module (codec only): the simulator's
// perception worker encodes frames ahead with it and should not load the pipeline's RxJS to do so.
import type { PerceptionFrame } from '../shared/model/types.js';
import { encodeEnvelope } from '../shared/wire/codec.js';

/** A frame as the roadside publishes it: one envelope, expiring frameValidityMs after the capture. */
export function frameEnvelope(rsuId: string, frameValidityMs: number, frame: PerceptionFrame): Uint8Array {
  return encodeEnvelope({
    senderId: rsuId, payload: { kind: 'frame', frame }, expiresAtNs: frame.captureTimeNs + frameValidityMs * 1e6,
  });
}
