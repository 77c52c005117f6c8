import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES, modulesFor } from './index';

const namesOf = (ms: ReadonlyArray<{ names: readonly string[] }>) => ms.flatMap((m) => m.names);

describe('command modules', () => {
  it('each module adds exactly the top-level commands it is listed with', async () => {
    for (const m of COMMAND_MODULES) {
      const program = new Command('haven');
      (await m.load()).register(program);
      expect(program.commands.map((c) => c.name())).toEqual(m.names);
    }
  });

  it('no top-level command is listed twice', () => {
    const all = namesOf(COMMAND_MODULES);
    expect(new Set(all).size).toBe(all.length);
  });

  it('a named command loads only its own module', () => {
    expect(namesOf(modulesFor(['conversations', '--json']))).toEqual(['conversations']);
    expect(namesOf(modulesFor(['whoami']))).toEqual(['register', 'login', 'logout', 'whoami']);
    expect(namesOf(modulesFor(['verify', 'bob']))).toEqual(['devices', 'verify']);
    expect(namesOf(modulesFor(['send', '--help']))).toEqual(['send']);
  });

  it('--version loads none', () => {
    expect(modulesFor(['--version'])).toEqual([]);
    expect(modulesFor(['-V'])).toEqual([]);
  });

  it('help, program options, no command or an unknown one load every module (help lists them all)', () => {
    for (const args of [[], ['--help'], ['-h', 'send'], ['help', 'send'], ['sned', 'hi'], ['--version', 'send'], ['-V', '--help']]) {
      expect(modulesFor(args)).toBe(COMMAND_MODULES);
    }
  });
});
