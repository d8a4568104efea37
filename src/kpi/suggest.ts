/** Words longer than this get no suggestion: nobody mistypes 65 characters, and the comparison costs their square. */
export const MAX_SUGGESTED_WORD = 64;

/** "Did you mean ...?": the closest known word by edit distance, when it is close enough to help. */
export function closestWord(word: string, known: readonly string[]): string | undefined {
  if (word.length > MAX_SUGGESTED_WORD) return undefined;
  const allowed = Math.max(2, Math.floor(word.length / 3));
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    // Lengths further apart than the distance allowed cannot be close enough (the difference is a lower bound).
    if (Math.abs(candidate.length - word.length) > allowed) continue;
    const distance = editDistance(lower, candidate.toLowerCase(), Math.min(allowed, bestDistance - 1));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= allowed ? best : undefined;
}

/** ` (did you mean "x"?)` for the closest known word, or nothing: to follow the word in a command-line error. */
export function didYouMean(word: string, known: readonly string[]): string {
  const nearest = closestWord(word, known);
  return nearest === undefined ? '' : ` (did you mean "${nearest}"?)`;
}

/** Levenshtein distance; past `max` (when given) it stops early and answers `max + 1`. */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, current[j] ?? 0);
    }
    // Every later row is at least this row's least value.
    if (rowMin > max) return max + 1;
    previous = current;
  }
  return previous[b.length] ?? 0;
}
