/** A minimal external store for React's useSyncExternalStore: immutable state, shallow merges. */
export class Store<S extends object> {
  #state: S;
  readonly #listeners = new Set<() => void>();
  constructor(initial: S) {
    this.#state = initial;
  }
  get state(): S {
    return this.#state;
  }
  readonly getState = (): S => this.#state;
  readonly subscribe = (l: () => void): (() => void) => {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  };
  protected set(patch: Partial<S>): void {
    this.#state = { ...this.#state, ...patch };
    for (const l of this.#listeners) l();
  }
}
