import { z } from 'zod';
import { Base64, DeviceId } from './ids';

// Devices (issue 15, issue 13 item 8; docs/decisions/0011-device-linking.md): removal, and linking a new
// device from an existing one. The server relays the link's request and answer as opaque bytes: both are
// authenticated with a key derived from the code shown on the existing device, which the server never sees.

/** A link's id: derived from the code's secret (32 hex digits); the server cannot recover the code from it. */
export const LinkId = z.string().regex(/^[0-9a-f]{32}$/, 'expected a link id (32 hex digits)');

export const CreateDeviceLinkRequest = z.object({ linkId: LinkId }).strict();
export const DeviceLinkRequestBody = z.object({ request: Base64.max(4096) }).strict();
export const DeviceLinkResponseBody = z.object({ response: Base64.max(8192) }).strict();

/** Where a link stands: offered → requested (the new device's request) → answered (the existing device's). */
export const DeviceLink = z.object({
  linkId: LinkId,
  expiresAt: z.string(),
  offeredByDeviceId: DeviceId,
  requestedByDeviceId: DeviceId.nullable(),
  request: Base64.nullable(),
  response: Base64.nullable(),
});
export type DeviceLink = z.infer<typeof DeviceLink>;

const DeviceParams = z.object({ deviceId: DeviceId }).strict();
const LinkParams = z.object({ linkId: LinkId }).strict();

export const DEVICE_ROUTES = {
  removeDevice: { method: 'DELETE', path: '/v1/devices/:deviceId', summary: 'Remove another of your devices: it is signed out and removed from your encrypted conversations.', auth: 'session', params: DeviceParams, status: 204, response: null },
  createDeviceLink: { method: 'POST', path: '/v1/devices/links', summary: 'Offer a link for a new device (from a linked device); the code stays on your devices.', auth: 'session', body: CreateDeviceLinkRequest, status: 201, response: DeviceLink },
  getDeviceLink: { method: 'GET', path: '/v1/devices/links/:linkId', summary: 'Where a device link stands.', auth: 'session', params: LinkParams, status: 200, response: DeviceLink },
  requestDeviceLink: { method: 'POST', path: '/v1/devices/links/:linkId/request', summary: "The new device's request (MAC-protected with the code).", auth: 'session', params: LinkParams, body: DeviceLinkRequestBody, status: 200, response: DeviceLink },
  answerDeviceLink: { method: 'POST', path: '/v1/devices/links/:linkId/response', summary: "The existing device's answer: the new device's certificate and the sealed account key.", auth: 'session', params: LinkParams, body: DeviceLinkResponseBody, status: 200, response: DeviceLink },
} as const;
