// Idempotency keys of the widget's call actions (place, answer, hang up, statistics).

let keyCounter = 0;
/** A fresh idempotency key for an action of the widget's calls. */
export function newKey(): string {
  keyCounter += 1;
  const id = typeof crypto.randomUUID === "function" ? crypto.randomUUID() : String(Math.random()).slice(2);
  return `widget-call-${id}-${keyCounter}`;
}
