import type { Conversation, Message, SessionResponse } from '@haven/protocol';

/** Minimal JSON-over-fetch helpers for scenario tests against a real server. */
export interface Reply<T = any> {
  status: number;
  body: T;
}

export async function call<T = any>(base: string, method: string, path: string, body?: unknown, token?: string): Promise<Reply<T>> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

let n = 0;
export const uniqueHandle = (prefix = 'u'): string => `${prefix}${Date.now().toString(36)}${(n++).toString(36)}`;

export async function registerUser(base: string, handle = uniqueHandle(), birthDate = '1990-01-01', password = `pw-${handle}-long`): Promise<SessionResponse & { password: string }> {
  const r = await call<SessionResponse>(base, 'POST', '/v1/accounts', { handle, password, birthDate });
  if (r.status !== 201) throw new Error(`register failed: ${JSON.stringify(r.body)}`);
  return { ...r.body, password };
}

export async function directConversation(base: string, token: string, withHandle: string): Promise<Conversation> {
  const r = await call<Conversation>(base, 'POST', '/v1/conversations', { kind: 'direct', with: withHandle }, token);
  if (r.status !== 201 && r.status !== 200) throw new Error(`conversation failed: ${JSON.stringify(r.body)}`);
  return r.body;
}

export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
export const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

export async function sendText(base: string, token: string, conversationId: string, text: string, clientMessageId = `c${Math.random().toString(36).slice(2, 12)}`): Promise<Reply<Message>> {
  return call<Message>(base, 'POST', `/v1/conversations/${conversationId}/messages`, { clientMessageId, body: b64(text) }, token);
}
