import { describe, expect, it } from 'vitest';
import { HavenError, PAYLOAD_CONTENT_TYPE, type Conversation, type Message } from '@haven/protocol';
import { codecFor, defaultCodecs, visibleCodec } from './codec';
import { base64ToBytes, bytesToBase64 } from './base64';

const conversation = (mode: Conversation['mode']): Conversation =>
  ({
    id: '00000000-0000-4000-8000-000000000001',
    kind: 'direct',
    title: null,
    mode,
    modeReasonCode: 'mode.test',
    modeReason: 'test',
    members: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    lastSeq: 0,
  }) as unknown as Conversation;

const message = (body: string, contentType = PAYLOAD_CONTENT_TYPE): Message =>
  ({
    id: '00000000-0000-4000-8000-000000000002',
    conversationId: '00000000-0000-4000-8000-000000000001',
    seq: 1,
    sender: { id: '00000000-0000-4000-8000-000000000003', handle: 'alice', displayName: null },
    senderDeviceId: '00000000-0000-4000-8000-000000000004',
    clientMessageId: 'abcdefgh',
    contentType,
    body,
    sentAt: '2026-01-01T00:00:00.000Z',
  }) as unknown as Message;

describe('visible codec', () => {
  it('round-trips a payload as JSON with the Haven payload content type', async () => {
    const c = conversation('visible');
    const enc = await visibleCodec.encode(c, { v: 1, text: 'héllo 👋' });
    expect(enc.contentType).toBe(PAYLOAD_CONTENT_TYPE);
    expect(JSON.parse(new TextDecoder().decode(base64ToBytes(enc.body)))).toEqual({ v: 1, text: 'héllo 👋' });
    expect(await visibleCodec.decode(c, message(enc.body))).toEqual({ kind: 'payload', payload: { v: 1, text: 'héllo 👋' } });
  });

  it('reports a body it cannot read instead of throwing', async () => {
    const c = conversation('visible');
    const notJson = bytesToBase64(new TextEncoder().encode('not json'));
    expect(await visibleCodec.decode(c, message(notJson))).toMatchObject({ kind: 'undecodable', code: 'codec.payload' });
    const wrongShape = bytesToBase64(new TextEncoder().encode('{"v":2,"text":"x"}'));
    expect(await visibleCodec.decode(c, message(wrongShape))).toMatchObject({ kind: 'undecodable', code: 'codec.payload' });
    expect(await visibleCodec.decode(c, message('!!!'))).toMatchObject({ kind: 'undecodable', code: 'codec.base64' });
    expect(await visibleCodec.decode(c, message(notJson, 'message/mls'))).toMatchObject({ kind: 'undecodable', code: 'codec.content_type' });
  });
});

describe('codec selection', () => {
  it('uses the visible codec for visible conversations and none (yet) for e2ee', () => {
    expect(defaultCodecs(conversation('visible'))).toBe(visibleCodec);
    expect(defaultCodecs(conversation('e2ee'))).toBeUndefined();
    expect(() => codecFor(defaultCodecs, conversation('e2ee'))).toThrow(HavenError);
    expect(() => codecFor(defaultCodecs, conversation('e2ee'))).toThrow(/end-to-end encrypted/);
  });
});

describe('base64', () => {
  it('round-trips every byte value and large bodies', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(base64ToBytes(bytesToBase64(all))).toEqual(all);
    const big = new Uint8Array(200_000).map((_, i) => (i * 31) & 255);
    const b64 = bytesToBase64(big);
    expect(b64).toBe(Buffer.from(big).toString('base64'));
    expect(base64ToBytes(b64)).toEqual(big);
  });
});
