// Work sharing between the threads of one kernel call. A kernel run as `parts` parts cuts its
// output into units (chunks of positions, blocks of channels, output rows) and every thread
// claims the next unclaimed unit from one counter in shared memory until none is left. With a
// fixed split, a thread the OS descheduled for a while (other processes, a busy browser)
// holds up the whole call by its entire share; with claiming, by one unit at most. The
// counter lives in the thread pool's control block, zeroed by the caller before each call.

/** Units each part should get on average: enough for claiming to even out, few enough to keep blocks large. */
export const UNITS_PER_PART: i32 = 4;

let claimCounter: usize = 0;

/** Where the claim counter is (set once per instance by the thread pool; 0 = none). */
export function setClaimCounter(ptr: usize): void {
  claimCounter = ptr;
}

/**
 * The unit to do after `prev` (start with -1). One part takes every unit in order; several
 * parts take turns on the shared counter (atomically in the shared-memory build, the only one
 * that runs parts at the same time; a single-threaded caller that runs the parts one after
 * another gets every unit in the first part).
 */
export function nextUnit(prev: i32, parts: i32): i32 {
  if (parts <= 1 || claimCounter == 0) return prev + 1;
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(claimCounter, 1);
  const u = load<i32>(claimCounter);
  store<i32>(claimCounter, u + 1);
  return u;
}
