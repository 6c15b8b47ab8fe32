// A4: a rating as the timeline shows it. The wire's stars are 1 to 5; the store keeps them as
// the note's text `target`, which is not trusted to be a number.

/** Five stars, filled up to the score (anything unreadable shows as none filled). */
export function starGlyphs(stars: string): string {
  const n = Math.min(5, Math.max(0, Number.parseInt(stars, 10) || 0));
  return "★".repeat(n) + "☆".repeat(5 - n);
}
