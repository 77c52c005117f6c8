import type { Command } from 'commander';
import { register as admin } from './admin';
import { register as serve } from './serve';

// One line per command module; each module exports `register(program)`.
export function registerCommands(program: Command): void {
  serve(program);
  admin(program);
}
