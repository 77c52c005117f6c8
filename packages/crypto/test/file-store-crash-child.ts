// Child process for file-store.node.test.ts: writes large self-checking values to one key forever,
// printing "writing" before the first put, until the parent kills it.
import { FileStateStore } from '../src/file-store.node.ts';

const dir = process.argv[2]!;
const size = Number(process.argv[3] ?? 4_000_000);
const store = await FileStateStore.open(dir);
let n = 0;
process.stdout.write('writing\n');
for (;;) {
  n++;
  const v = new Uint8Array(size).fill(n & 0xff);
  new DataView(v.buffer).setUint32(0, n);
  await store.put('group.g', v);
}
