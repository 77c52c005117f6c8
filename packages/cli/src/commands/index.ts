import type { Command } from 'commander';
import { register as registerHash } from './hash';
import { register as registerHashlist } from './hashlist';
import { register as registerMatch } from './match';

// One line per command module; each module exports `register(program)`.
export function registerCommands(program: Command): void {
  void program;
  registerHash(program);
  registerHashlist(program);
  registerMatch(program);
}
