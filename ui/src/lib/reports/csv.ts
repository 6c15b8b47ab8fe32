// CSV export of a report's table (R1): what the table shows, one row per line, RFC 4180
// quoting, and text cells that a spreadsheet would run as a formula (starting with = + - @,
// or a tab or carriage return that hides one) prefixed with an apostrophe, as OWASP advises
// against CSV injection: a client's rating comment "=HYPERLINK(...)" stays text. Numbers are
// written as numbers (a negative figure is not text a client typed).

export type Cell = string | number | null;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell as CSV. */
export function csvCell(value: Cell): string {
  if (value === null) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A table as CSV text: the header row, then the rows, CRLF-separated, with a UTF-8 BOM so
 * spreadsheets read Cyrillic right. */
export function toCsv(headers: string[], rows: Cell[][]): string {
  const lines = [headers, ...rows].map((row) => row.map(csvCell).join(","));
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}
