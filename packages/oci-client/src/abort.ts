/**
 * A signal that aborts with the caller's signal (which may be absent) or with one of our own,
 * whichever comes first, carrying that one's reason. `AbortSignal.any` holds its sources weakly,
 * so nothing needs unlinking afterwards.
 */
export function alsoAbortedBy(caller: AbortSignal | undefined, own: AbortSignal): AbortSignal {
  return caller === undefined ? own : AbortSignal.any([caller, own]);
}
