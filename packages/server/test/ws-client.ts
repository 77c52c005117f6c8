import type { ServerFrame } from '@haven/protocol';
import WebSocket from 'ws';

/** A test WebSocket client that records every frame and waits for the ones a test expects. */
export class FrameClient {
  readonly frames: ServerFrame[] = [];
  closed: { code: number; reason: string } | undefined;
  #waiters: { pred: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];
  #closeWaiters: ((c: { code: number; reason: string }) => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as ServerFrame;
      this.frames.push(f);
      this.#waiters = this.#waiters.filter((w) => (w.pred(f) ? (w.resolve(f), false) : true));
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.#closeWaiters) w(this.closed);
    });
  }

  static async open(baseUrl: string): Promise<FrameClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/ws`);
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    return new FrameClient(ws);
  }

  /** Connects, says hello and waits for `synced`. */
  static async connect(baseUrl: string, token: string): Promise<FrameClient> {
    const c = await FrameClient.open(baseUrl);
    c.send({ type: 'hello', token });
    await c.next((f) => f.type === 'synced');
    return c;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first recorded frame matching `pred`, or the next to arrive (within `ms`). */
  next(pred: (f: ServerFrame) => boolean, ms = 5000): Promise<ServerFrame> {
    const have = this.frames.find(pred);
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching frame in ${ms} ms; got ${JSON.stringify(this.frames.map((f) => f.type))}`)), ms);
      this.#waiters.push({ pred, resolve: (f) => (clearTimeout(t), resolve(f)) });
    });
  }

  waitClose(ms = 5000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('socket did not close')), ms);
      this.#closeWaiters.push((c) => (clearTimeout(t), resolve(c)));
    });
  }

  messages(): Extract<ServerFrame, { type: 'message' }>['message'][] {
    return this.frames.flatMap((f) => (f.type === 'message' ? [f.message] : []));
  }

  close(): void {
    this.ws.close();
  }
}
