import { useEffect, useState } from 'react';
import type { Device } from '@haven/protocol';
import type { ConversationDevice, DeviceNotice } from '@haven/client';
import type { AppState, HavenSession } from '../lib/session';
import { ErrorMessage, Modal, useAction } from './common';

// Devices in the browser (issue 15; docs/decisions/0011-device-linking.md): a browser signed in with the
// password alone is pending until a linked device vouches for it with a one-time code; linked browsers
// show that code, list and remove devices, and say what changed in each conversation's encryption.

/** On a pending browser: what linking means, and the field for the code shown on a linked device. */
export function LinkThisBrowser({ session }: { session: HavenSession }) {
  const [code, setCode] = useState('');
  const link = useAction(async () => session.acceptLink(code.trim()));
  return (
    <section className="link-card" aria-labelledby="link-title">
      <h2 id="link-title">Link this browser</h2>
      <p>
        This browser can’t read your encrypted conversations yet. On a device where you’re already signed in, open <strong>Settings → Your devices</strong>, choose{' '}
        <strong>Link a new device</strong>, and enter the code it shows here.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void link.run();
        }}
      >
        <label htmlFor="link-code">Link code</label>
        <input id="link-code" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" spellCheck={false} placeholder="XXXX-XXXX-XXXX-XXXX" aria-describedby="link-hint" />
        <p className="hint" id="link-hint">
          Only enter a code you see on your own device. Nobody from Haven will ever ask you for one.
        </p>
        <ErrorMessage error={link.error} />
        <button type="submit" className="primary" disabled={link.busy || !code.trim()}>
          {link.busy ? 'Waiting for your other device…' : 'Link this browser'}
        </button>
      </form>
      <p className="muted">Conversations that are visible to safety checks can be read here already.</p>
    </section>
  );
}

/** Settings: the account's devices, linking a new one from this browser, removing others. */
export function DevicesCard({ session, state }: { session: HavenSession; state: AppState }) {
  const [devices, setDevices] = useState<Device[] | null>(null);
  const [offer, setOffer] = useState<{ code: string; state: 'waiting' | 'linked' } | null>(null);
  const [removing, setRemoving] = useState<Device | null>(null);
  const load = useAction(async () => setDevices(await session.client.devices()));
  const start = useAction(async () => {
    const { code, done } = await session.offerLink();
    setOffer({ code, state: 'waiting' });
    let linked: { deviceId: string };
    try {
      linked = await done;
    } catch (e) {
      setOffer(null);
      throw e;
    }
    // The new device finishes on its side (its certificate reaches the server with its keys): the list
    // shows it linked once it has.
    for (let i = 0; i < 60; i++) {
      const list = await session.client.devices();
      setDevices(list);
      if (list.some((d) => d.id === linked.deviceId && d.linked)) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    setOffer({ code, state: 'linked' });
  });
  useEffect(() => {
    void load.run();
  }, []);
  const linked = state.e2ee.state === 'ready';
  return (
    <section className="card">
      <h2>Your devices</h2>
      <p className="hint">Every device signed in to your account. Each has its own encryption keys; only linked devices are added to your encrypted conversations.</p>
      <ErrorMessage error={load.error} />
      {devices && (
        <ul className="device-list">
          {devices.map((d) => (
            <li key={d.id}>
              <strong>{d.name ?? 'Device from sign-up'}</strong>
              {d.id === state.deviceId && <span className="tag">This browser</span>}
              <span className={d.linked ? 'tag' : 'tag pending'}>{d.linked ? 'Linked' : 'Not linked'}</span>
              <span className="muted">
                {' '}
                Added {new Date(d.createdAt).toLocaleDateString()}
                {d.lastSeenAt ? `, last seen ${new Date(d.lastSeenAt).toLocaleString()}` : ''}
              </span>
              {d.id !== state.deviceId && (
                <button type="button" className="link-button" onClick={() => setRemoving(d)} aria-label={`Remove ${d.name ?? 'device'} (added ${new Date(d.createdAt).toLocaleDateString()})`}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {linked ? (
        <>
          <button type="button" onClick={() => void start.run()} disabled={start.busy}>
            Link a new device
          </button>
          {offer && (
            <div className="link-offer" role="status">
              {offer.state === 'waiting' ? (
                <>
                  <p>On the new device, sign in, then enter this code:</p>
                  <p className="link-code" aria-label={`Link code ${offer.code}`}>
                    {offer.code}
                  </p>
                  <p className="hint">Never give this code to anyone: it lets a device read your encrypted conversations. It works once, for ten minutes.</p>
                </>
              ) : (
                <p>The new device is linked. It joins your encrypted conversations as you and your contacts use them; everyone in them sees that it was added.</p>
              )}
            </div>
          )}
          <ErrorMessage error={start.error} />
        </>
      ) : (
        <p className="muted">{state.e2ee.state === 'unlinked' ? 'Link this browser first (on the Messages page), then it can link others.' : 'Encryption is still starting in this browser.'}</p>
      )}
      {removing && <RemoveDevice session={session} device={removing} onClose={(removed) => (setRemoving(null), removed && void load.run())} />}
    </section>
  );
}

function RemoveDevice({ session, device, onClose }: { session: HavenSession; device: Device; onClose: (removed: boolean) => void }) {
  const act = useAction(async () => {
    await session.removeDevice(device.id);
    onClose(true);
  });
  return (
    <Modal title={`Remove ${device.name ?? 'this device'}?`} onClose={() => onClose(false)}>
      <p>It is signed out at once and removed from your encrypted conversations; everyone in them sees that it was removed. Remove a device you lost or no longer use.</p>
      <ErrorMessage error={act.error} />
      <div className="form-actions">
        <button type="button" onClick={() => onClose(false)}>
          Keep it
        </button>
        <button type="button" className="danger" onClick={() => void act.run()} disabled={act.busy}>
          Remove device
        </button>
      </div>
    </Modal>
  );
}

/** What this browser saw change in a conversation's encryption: warnings always shown, the rest folded. */
export function EncryptionNotices({ notices }: { notices: DeviceNotice[] }) {
  if (notices.length === 0) return null;
  const warnings = notices.filter((n) => n.prominent);
  const rest = notices.filter((n) => !n.prominent);
  return (
    <div className="encryption-notices">
      {warnings.map((n) => (
        <p key={n.id} className="encryption-warning" role="alert">
          ⚠ {n.text}
        </p>
      ))}
      {rest.length > 0 && (
        <details>
          <summary>Encryption changes ({rest.length})</summary>
          <ul>
            {rest.map((n) => (
              <li key={n.id}>
                <span className="muted">{new Date(n.at).toLocaleString()}</span> {n.text}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/** The safety code with the other person of a direct e2ee conversation, to compare in person or on a call. */
export function SafetyCodeDialog({ session, accountId, handle, onClose }: { session: HavenSession; accountId: string; handle: string; onClose: () => void }) {
  const [info, setInfo] = useState<{ code: string; verified: boolean; changedWhileVerified?: boolean } | null>(null);
  const load = useAction(async (confirm: boolean) => setInfo(await session.safetyCode(accountId, confirm)));
  useEffect(() => {
    void load.run(false);
  }, [accountId]);
  return (
    <Modal title={`Safety code with @${handle}`} onClose={onClose}>
      {info?.changedWhileVerified && (
        <p role="alert" className="encryption-warning">
          @{handle} was verified before, and their account key has changed since. Compare again before you trust this conversation.
        </p>
      )}
      <p>Compare this code with @{handle} in person or on a call. If it matches, nobody is in between.</p>
      <ErrorMessage error={load.error} />
      {info && (
        <>
          <p className="safety-code" aria-label={`Safety code ${info.code}`}>
            {info.code}
          </p>
          <p role="status">{info.verified ? `@${handle} is verified on this browser.` : 'Not verified yet.'}</p>
        </>
      )}
      <div className="form-actions">
        <button type="button" onClick={onClose}>
          Done
        </button>
        {info && !info.verified && (
          <button type="button" className="primary" onClick={() => void load.run(true)} disabled={load.busy}>
            The codes match
          </button>
        )}
      </div>
    </Modal>
  );
}

/** Every device in a conversation's encryption (issue 15): a device nobody expected is visible here. */
export function ConversationDevicesDialog({ session, conversationId, onClose }: { session: HavenSession; conversationId: string; onClose: () => void }) {
  const [list, setList] = useState<ConversationDevice[] | null>(null);
  const load = useAction(async () => setList(await session.conversationDevices(conversationId)));
  useEffect(() => {
    void load.run();
  }, [conversationId]);
  return (
    <Modal title="Devices in this conversation" onClose={onClose} wide>
      <p>Only these devices can read this conversation. Each was added by a member’s device; Haven’s server cannot add one on its own.</p>
      <ErrorMessage error={load.error} />
      {list && (
        <table className="conversation-devices">
          <caption className="visually-hidden">Devices in this conversation</caption>
          <thead>
            <tr>
              <th scope="col">Whose</th>
              <th scope="col">Device</th>
              <th scope="col">Key</th>
              <th scope="col">Added</th>
            </tr>
          </thead>
          <tbody>
            {list.map((d) => (
              <tr key={d.deviceId} className={d.trusted ? undefined : 'untrusted'}>
                <td>{d.self ? 'You (this browser)' : d.handle === 'you' ? 'You' : `@${d.handle}`}</td>
                <td>
                  {d.deviceName}
                  {!d.trusted && <strong className="encryption-warning-inline"> Not vouched for by their account key</strong>}
                </td>
                <td>
                  <code>{d.keyFingerprint}</code>
                </td>
                <td>{d.addedAt ? `${new Date(d.addedAt).toLocaleString()}, by ${d.addedBy ?? 'unknown'}` : (d.addedBy ?? 'before this browser joined')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="form-actions">
        <button type="button" onClick={onClose}>
          Done
        </button>
      </div>
    </Modal>
  );
}
