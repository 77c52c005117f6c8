import type { Command } from 'commander';
import { register as account } from './account';
import { register as admin } from './admin';
import { register as contacts } from './contacts';
import { register as conversations } from './conversations';
import { register as devices } from './devices';
import { register as groups } from './groups';
import { register as hash } from './hash';
import { register as hashlist } from './hashlist';
import { register as help } from './help';
import { register as invites } from './invites';
import { register as inbox } from './inbox';
import { register as match } from './match';
import { register as moderation } from './moderation';
import { register as report } from './report';
import { register as send } from './send';
import { register as serve } from './serve';
import { register as stats } from './stats';
import { register as selfReport } from './self-report';

// One line per command module; each module exports `register(program)`.
export function registerCommands(program: Command): void {
  serve(program);
  admin(program);
  account(program);
  contacts(program);
  send(program);
  inbox(program);
  conversations(program);
  groups(program);
  hash(program);
  hashlist(program);
  match(program);
  help(program);
  invites(program);
  report(program);
  stats(program);
  moderation(program);
  selfReport(program);
  devices(program);
}
