// How the roadside puts a perception frame on the wire. Its own small module (codec only): the simulator's
// perception worker encodes frames ahead with it and should not load the pipeline's RxJS to do so.
import type { PerceptionFrame } from '../shared/model/types.js';
import { encodeEnvelope } from '../shared/wire/codec.js';
import type { EnvelopeSealer } from '../shared/auth/signed-envelope.js';

/**
 * A frame as the roadside publishes it: one envelope, expiring frameValidityMs after the capture; sealed by `seal`
 * (signed, with the boot epoch) when given, else unsigned.
 */
export function frameEnvelope(rsuId: string, frameValidityMs: number, frame: PerceptionFrame, seal: EnvelopeSealer = encodeEnvelope): Uint8Array {
  return seal({
    senderId: rsuId, payload: { kind: 'frame', frame }, expiresAtNs: frame.captureTimeNs + frameValidityMs * 1e6,
  });
}
