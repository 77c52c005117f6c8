// Loaded into the benchmark's server process with `node --expose-gc --require` (never in production):
// on `memory` over the IPC channel it runs two full garbage collections and answers with
// process.memoryUsage(), so heap figures are live objects, not garbage awaiting collection; on `cpu`
// it answers process.cpuUsage() (microseconds of CPU the server has used).
'use strict';
if (typeof process.send === 'function') {
  process.on('message', (m) => {
    if (m === 'cpu') return void process.send(process.cpuUsage());
    if (m !== 'memory') return;
    if (typeof global.gc === 'function') {
      global.gc();
      global.gc();
    }
    process.send(process.memoryUsage());
  });
  // The IPC channel must not keep the server alive on its own.
  process.channel?.unref();
}
