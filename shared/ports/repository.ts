/** A stored value with the ETag it was read at; writes pass the ETag back (optimistic concurrency). */
export interface Versioned<T> {
  value: T;
  etag: string;
}
