import { ROUTES } from '@haven/protocol';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/context';
import { addMember, createConversation, getConversation, listConversations, removeMember } from '../../services/conversations';
import { acknowledge, listMessages, sendMessage } from '../../services/messages';
import { takeWrite } from '../rate-limit';
import { mount, withStatus } from '../route';

export function conversationRoutes(app: FastifyInstance, s: Services): void {
  mount(app, s, ROUTES.listConversations, async ({ caller }) => ({ conversations: await listConversations(s, caller) }));
  mount(app, s, ROUTES.createConversation, async ({ caller, body }) => {
    if (body.kind === 'group') takeWrite(s, 'groups', caller.accountId);
    const { conversation, created } = await createConversation(s, caller, body);
    return created ? conversation : withStatus(200, conversation);
  });
  mount(app, s, ROUTES.getConversation, async ({ caller, params }) => getConversation(s, caller, params.id));
  mount(app, s, ROUTES.addMember, async ({ caller, params, body }) => {
    takeWrite(s, 'groups', caller.accountId);
    return addMember(s, caller, params.id, body.handle);
  });
  mount(app, s, ROUTES.removeMember, async ({ caller, params }) => removeMember(s, caller, params.id, params.handle));
  mount(app, s, ROUTES.sendMessage, async ({ caller, params, body }) => {
    const { message, created } = await sendMessage(s, caller, { conversationId: params.id, ...body });
    return created ? message : withStatus(200, message);
  });
  mount(app, s, ROUTES.listMessages, async ({ caller, params, query }) => ({
    messages: await listMessages(s, caller, params.id, query.after, query.limit),
  }));
  mount(app, s, ROUTES.ack, async ({ caller, params, body }) => ({
    conversationId: params.id,
    ackedSeq: await acknowledge(s, caller, params.id, body.seq),
  }));
}
