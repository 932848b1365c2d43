// Binary search over arrays kept in ascending order (line starts, scopes, collected nodes, statements).

/** How many leading items satisfy `before`, which must hold for a prefix of `items` and fail for the rest. */
export function partitionPoint<T>(items: readonly T[], before: (item: T) => boolean): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (before(items[mid])) low = mid + 1;
    else high = mid;
  }
  return low;
}
