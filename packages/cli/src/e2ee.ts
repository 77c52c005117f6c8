// This device's end-to-end encryption, imported by context.ts only when a command first needs it: MLS
// (ts-mls and @haven/crypto's group code) is the largest part of the client, and commands that touch no
// e2ee conversation (--version, conversations, a visible conversation's send) never load it.
export { openProfileE2ee } from '@haven/client/node';
