// History-search snippets come from Rust as plain text with [[ and ]] around each hit.
// They are split into segments and rendered as text nodes: never as HTML.
export type Segment = { text: string; hit: boolean };

export function snippetSegments(snippet: string): Segment[] {
  const segments: Segment[] = [];
  let rest = snippet;
  while (rest.length > 0) {
    const open = rest.indexOf("[[");
    if (open < 0) {
      segments.push({ text: rest, hit: false });
      break;
    }
    const close = rest.indexOf("]]", open + 2);
    if (close < 0) {
      segments.push({ text: rest, hit: false });
      break;
    }
    if (open > 0) segments.push({ text: rest.slice(0, open), hit: false });
    segments.push({ text: rest.slice(open + 2, close), hit: true });
    rest = rest.slice(close + 2);
  }
  return segments;
}
