// What a durable backend must do; the typed StateStore is built on top of it once, so the
// file and JetStream implementations differ only in how they keep bytes.

export interface Backend {
  get(collection: string, id: string): Promise<unknown>;
  put(collection: string, id: string, value: unknown): Promise<void>;
  /** Writes only when absent; false when the id already exists (idempotency claims). */
  create(collection: string, id: string, value: unknown): Promise<boolean>;
  /** Read-modify-write that is safe against concurrent writers (revision-checked). */
  update(collection: string, id: string, change: (current: unknown) => unknown): Promise<unknown>;
  delete(collection: string, id: string): Promise<void>;
  list(collection: string): Promise<unknown[]>;
  /**
   * Follows a collection shared with other processes: `onValue` gets each value put from now on
   * (by anyone). Absent where no other process can write (the local files). Returns the stop.
   */
  watch?(collection: string, onValue: (value: unknown) => void): () => void;
  /** Appends to a log; an id already appended is ignored (a retried append is not doubled). */
  append(log: string, id: string, value: unknown): Promise<void>;
  readLog(log: string): Promise<unknown[]>;
  close(): Promise<void>;
}
