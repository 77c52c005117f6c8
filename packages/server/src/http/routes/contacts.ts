import { ROUTES } from '@haven/protocol';
import type { FastifyInstance } from 'fastify';
import { acceptContact, blockContact, declineContact, listContacts, requestContact, unblockContact } from '../../services/contacts';
import type { Services } from '../../services/context';
import { takeWrite } from '../rate-limit';
import { mount } from '../route';

export function contactRoutes(app: FastifyInstance, s: Services): void {
  mount(app, s, ROUTES.listContacts, async ({ caller }) => ({ contacts: await listContacts(s, caller) }));
  mount(app, s, ROUTES.requestContact, async ({ caller, body }) => {
    takeWrite(s, 'contactRequests', caller.accountId);
    return requestContact(s, caller, body.handle);
  });
  mount(app, s, ROUTES.acceptContact, async ({ caller, params }) => acceptContact(s, caller, params.handle));
  mount(app, s, ROUTES.declineContact, async ({ caller, params }) => declineContact(s, caller, params.handle));
  mount(app, s, ROUTES.blockContact, async ({ caller, params }) => blockContact(s, caller, params.handle));
  mount(app, s, ROUTES.unblockContact, async ({ caller, params }) => unblockContact(s, caller, params.handle));
}
