import { UsageError } from './exit';

/** The options that would put a password on the command line, refused before parsing. */
const PASSWORD_FLAGS = /^--(password|passwd|pass|pw)(=.*)?$/;

/** Refuses a password in argv: it would end up in shell history and in every user's `ps`. */
export function refusePasswordInArgv(argv: readonly string[]): void {
  for (const a of argv) {
    if (a === '--') return;
    if (PASSWORD_FLAGS.test(a)) {
      throw new UsageError(
        'passwords are never taken from the command line (shell history and process lists would show them); use --password-stdin or type it at the prompt',
      );
    }
  }
}

/** Reads the password: all of stdin with `--password-stdin` (one trailing newline dropped), else a silent prompt. */
export async function readPassword(opts: { stdin: boolean; prompt: string; confirm?: boolean }): Promise<string> {
  let pw: string;
  if (opts.stdin) {
    pw = (await readAllStdin()).replace(/\r?\n$/, '');
  } else {
    if (!process.stdin.isTTY) throw new UsageError('no terminal to ask for the password: pipe it in with --password-stdin');
    pw = await promptHidden(opts.prompt);
    if (opts.confirm && (await promptHidden('Repeat the password: ')) !== pw) throw new UsageError('the passwords do not match');
  }
  if (pw === '') throw new UsageError('the password is empty');
  return pw;
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
