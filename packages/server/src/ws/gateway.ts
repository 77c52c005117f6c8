import type { Server } from 'node:http';
import { WS_PATH, errorBody } from '@haven/protocol';
import { WebSocketServer } from 'ws';
import type { Services } from '../services/context';
import { CLOSE, handleConnection } from './connection';
import { connectionLimits } from './limits';

/** Connections pinged per turn of the event loop: 20,000 in one turn held the loop about half a second. */
const PING_SLICE = 500;

/** Serves `/v1/ws` on the HTTP server's `upgrade` event; frames over `limits.frameBytes` close with 1009. */
export function attachGateway(server: Server, s: Services): { close(): Promise<void> } {
  // Until hello succeeds a connection may send only small frames: `ws` refuses a bigger one from its
  // header, before buffering it (1009). After hello the connection's limit is raised to limits.frameBytes.
  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.min(s.config.websocket.preAuthFrameBytes, s.config.limits.frameBytes) });
  const limits = connectionLimits(s);
  const alive = new WeakMap<object, boolean>();

  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== WS_PATH) {
      const body = JSON.stringify(errorBody('request.not_found', `There is no WebSocket at ${path}; use ${WS_PATH}.`));
      socket.end(`HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      alive.set(ws, true);
      s.metrics.connections.inc();
      ws.once('close', () => s.metrics.connections.dec());
      ws.on('pong', () => alive.set(ws, true));
      handleConnection(ws, s, limits, socket);
    });
  });

  // Live events published while NATS was away are lost; the devices reconnect and read their backlog.
  s.fanout.onResumed(() => {
    for (const ws of wss.clients) ws.close(CLOSE.serviceRestart, 'live delivery resumed: reconnect to catch up');
  });

  // Drop connections whose peer vanished without closing (a laptop lid, a dead NAT entry): each sweep cuts
  // off those that did not answer the last ping and pings the rest, PING_SLICE at a time with a turn of the
  // event loop between, so frames, timers and HTTP requests are served during a sweep of many connections.
  let sweeping = false;
  let closed = false;
  const sweep = async (): Promise<void> => {
    if (sweeping) return;
    sweeping = true;
    try {
      const all = [...wss.clients];
      for (let i = 0; i < all.length && !closed; i += PING_SLICE) {
        if (i > 0) await new Promise((r) => setImmediate(r));
        for (const ws of all.slice(i, i + PING_SLICE)) {
          if (ws.readyState !== ws.OPEN) continue;
          if (!alive.get(ws)) ws.terminate();
          else {
            alive.set(ws, false);
            ws.ping();
          }
        }
      }
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(() => void sweep(), s.config.websocket.pingIntervalSeconds * 1000);
  timer.unref();

  return {
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        closed = true;
        for (const ws of wss.clients) ws.close(CLOSE.goingAway, 'server shutting down');
        wss.close(() => resolve());
        // Clients that do not answer the close handshake promptly are cut off.
        setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
        }, 1000).unref();
      }),
  };
}
