import WebSocket from 'ws';
import type { WebSocketFactory, WebSocketLike } from './connection';

/** The `ws` package as a {@link WebSocketFactory}, for Node (20 has no global WebSocket). */
export const nodeWebSocket: WebSocketFactory = (url) => new WebSocket(url, { maxPayload: 16 * 1024 * 1024 }) as unknown as WebSocketLike;
