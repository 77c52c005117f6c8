// The persisted form of a GroupSession:
//   "HVGS" | u8 version=1 | u16 suite id | vec32(GroupState) | u8 has_pending
//   [ | vec32(pending GroupState) | vec32(commit MLSMessage) | vec32(welcome MLSMessage or empty) ]
// GroupState is ts-mls's own TLS encoding (encodeGroupState); the client config (callbacks) is not
// stored and comes back from the SessionOptions on import.
import { decodeGroupState, encodeGroupState, type ClientConfig, type ClientState } from 'ts-mls';
import { Reader, concatBytes, fromUtf8, u16, utf8, vec32 } from './bytes';
import { SUITES, suiteById, type SuiteName } from './suites';

export interface PendingState {
  state: ClientState;
  commit: Uint8Array;
  welcome: Uint8Array | undefined;
}

const MAGIC = 'HVGS';

export function encodeSessionState(suite: SuiteName, state: ClientState, pending: PendingState | undefined): Uint8Array {
  const parts = [utf8(MAGIC), Uint8Array.of(1), u16(SUITES[suite]), vec32(encodeGroupState(state))];
  if (pending) {
    parts.push(
      Uint8Array.of(1),
      vec32(encodeGroupState(pending.state)),
      vec32(pending.commit),
      vec32(pending.welcome ?? new Uint8Array()),
    );
  } else parts.push(Uint8Array.of(0));
  return concatBytes(...parts);
}

function groupState(bytes: Uint8Array | undefined, config: ClientConfig): ClientState | undefined {
  if (!bytes) return undefined;
  try {
    const d = decodeGroupState(bytes, 0);
    return d && d[1] === bytes.length ? { ...d[0], clientConfig: config } : undefined;
  } catch {
    return undefined;
  }
}

export function decodeSessionState(
  bytes: Uint8Array,
  config: ClientConfig,
): { suite: SuiteName; state: ClientState; pending: PendingState | undefined } | undefined {
  const r = new Reader(bytes);
  const magic = r.bytes(4);
  if (!magic || fromUtf8(magic) !== MAGIC || r.u8() !== 1) return undefined;
  const id = r.u16();
  const suite = id === undefined ? undefined : suiteById(id);
  const state = groupState(r.vec32(), config);
  const flag = r.u8();
  if (!suite || !state || (flag !== 0 && flag !== 1)) return undefined;
  if (flag === 0) return r.done ? { suite, state, pending: undefined } : undefined;
  const pendingState = groupState(r.vec32(), config);
  const commit = r.vec32();
  const welcome = r.vec32();
  if (!pendingState || !commit || !welcome || !r.done) return undefined;
  return {
    suite,
    state,
    pending: { state: pendingState, commit: commit.slice(), welcome: welcome.length ? welcome.slice() : undefined },
  };
}
