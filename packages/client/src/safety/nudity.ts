// Nudity warnings on children's devices (issue 11, point 5; Apple's Communication Safety idea). An
// on-device classifier scores an image; an incoming image it flags is shown blurred ("it's OK not to
// look") until the child chooses to reveal it, and a child about to send one is asked to think again.
// The guard has no network access at all: nothing about a classification reaches the server unless
// the child reports (the ordinary report flow). Runs in Node and the browser; the classifier is
// pluggable (`NudityClassifier`), and one that fails to load or answer blurs, never unblurs.

export interface NudityScore {
  /** 0–1: how likely the image shows nudity or sexual content. */
  nudity: number;
}

export interface NudityClassifier {
  readonly name: string;
  classify(image: Uint8Array): Promise<NudityScore>;
}

/** Loads the classifier (model weights from a package, never from the network). */
export type NudityLoader = () => Promise<NudityClassifier>;

export const CHILDLINE = 'Childline: 0800 1111, free and confidential, any time.';

/** The nsfwjs classes that count as nudity or sexual content (its others: Drawing, Neutral). */
export const NSFWJS_SEXUAL_CLASSES: ReadonlySet<string> = new Set(['Porn', 'Hentai', 'Sexy']);

/** An nsfwjs answer as one score: the probability of its sexual classes together, 0–1. */
export function nudityFromPredictions(predictions: readonly { className: string; probability: number }[]): number {
  return predictions.filter((x) => NSFWJS_SEXUAL_CLASSES.has(x.className)).reduce((n, x) => n + x.probability, 0);
}

export type IncomingVerdict =
  | { blurred: false }
  | {
      blurred: true;
      /** `flagged`: the classifier thinks it may show nudity; `unchecked`: it could not be checked. */
      reason: 'flagged' | 'unchecked';
      /** Shown over the blurred image. */
      message: string;
      help: string[];
    };

export type OutgoingVerdict = { warn: false } | { warn: true; reason: 'flagged' | 'unchecked'; message: string; help: string[] };

export interface NudityGuardOptions {
  /** The account's band: the guard is on for children by default. */
  band: 'child' | 'adult';
  loader: NudityLoader;
  /** Operator setting: who gets warnings (default `children`). */
  enabledFor?: 'children' | 'everyone' | 'nobody';
  /** Score from which an image is flagged (default 0.6). */
  threshold?: number;
}

const INCOMING_FLAGGED = "This image might show nudity, so it is blurred. It's OK not to look. You can choose to see it, or leave it blurred.";
const INCOMING_UNCHECKED =
  "We couldn't check this image, so it is blurred to be safe. It's OK not to look. You can choose to see it.";
const INCOMING_HELP = ['You can block or report the person who sent it. You will not be in trouble.', CHILDLINE];
const OUTGOING_FLAGGED =
  "This image might show nudity. Think before you send it: once it is sent, you can't control where it goes. If someone is pressuring you, you don't have to do it.";
const OUTGOING_UNCHECKED = "We couldn't check this image. If it shows you without clothes, think again before you send it.";
const OUTGOING_HELP = ["If someone is asking you for pictures or threatening you, you're not in trouble: you can block and report them.", CHILDLINE];

/**
 * The on-device nudity check for one account.
 *
 * @example
 * const guard = new NudityGuard({ band: 'child', loader: nsfwjsLoader() });
 * const v = await guard.incoming(bytes); if (v.blurred) showBlurred(v.message, v.help);
 */
export class NudityGuard {
  readonly #opts: NudityGuardOptions;
  #loading: Promise<NudityClassifier> | undefined;

  constructor(opts: NudityGuardOptions) {
    this.#opts = opts;
  }

  /**
   * The guard for a signed-in account, as the server's operator set it (`AccountSelf.nudityWarnings`,
   * from `safety.safeguards.nudityWarnings`). An account not known yet (offline start) or an answer that
   * does not say is checked by its band, children by default: stricter, never looser.
   */
  static forAccount(me: { ageBand: string; nudityWarnings?: boolean | undefined } | null, loader: NudityLoader, threshold?: number): NudityGuard {
    const band = me && me.ageBand !== 'child' ? 'adult' : 'child';
    const enabledFor = me?.nudityWarnings === undefined ? 'children' : me.nudityWarnings ? 'everyone' : 'nobody';
    return new NudityGuard({ band, loader, enabledFor, ...(threshold === undefined ? {} : { threshold }) });
  }

  /** Whether this account's images are checked (children by default, as the operator configures). */
  get active(): boolean {
    const who = this.#opts.enabledFor ?? 'children';
    return who === 'everyone' || (who === 'children' && this.#opts.band === 'child');
  }

  /** The score, or undefined when the classifier could not load or answer, or answered nonsense. */
  async #score(image: Uint8Array): Promise<number | undefined> {
    try {
      this.#loading ??= this.#opts.loader();
      const classifier = await this.#loading;
      const { nudity } = await classifier.classify(image);
      return typeof nudity === 'number' && Number.isFinite(nudity) && nudity >= 0 && nudity <= 1 ? nudity : undefined;
    } catch {
      // A failed load is retried on the next image; this one stays blurred.
      this.#loading = undefined;
      return undefined;
    }
  }

  /** An image received: blurred when flagged or when it could not be checked; clear only after a successful low score. */
  async incoming(image: Uint8Array): Promise<IncomingVerdict> {
    if (!this.active) return { blurred: false };
    const score = await this.#score(image);
    if (score === undefined) return { blurred: true, reason: 'unchecked', message: INCOMING_UNCHECKED, help: INCOMING_HELP };
    if (score >= (this.#opts.threshold ?? 0.6)) return { blurred: true, reason: 'flagged', message: INCOMING_FLAGGED, help: INCOMING_HELP };
    return { blurred: false };
  }

  /** An image the child is about to send: a warning to think again when flagged (or unchecked); sending stays the child's choice. */
  async outgoing(image: Uint8Array): Promise<OutgoingVerdict> {
    if (!this.active) return { warn: false };
    const score = await this.#score(image);
    if (score === undefined) return { warn: true, reason: 'unchecked', message: OUTGOING_UNCHECKED, help: OUTGOING_HELP };
    if (score >= (this.#opts.threshold ?? 0.6)) return { warn: true, reason: 'flagged', message: OUTGOING_FLAGGED, help: OUTGOING_HELP };
    return { warn: false };
  }
}
