// The clients list's filter button (seed 001: «Кнопка фильтра списка клиентов доступна рядом с
// полем поиска»): which of the listed (or found) clients to show. A view over the row's flags,
// which the store computed; no rule of the line is decided here.

export const CLIENT_FILTERS = ["all", "mine", "queued", "waiting", "favourite", "vip"] as const;
export type ClientFilter = (typeof CLIENT_FILTERS)[number];

type Flags = {
  myAppeal: boolean;
  queued: boolean;
  waiting?: boolean;
  favourite: boolean;
  vip: boolean;
};

export function isClientFilter(value: string): value is ClientFilter {
  return (CLIENT_FILTERS as readonly string[]).includes(value);
}

/** Whether a row passes the filter. */
export function passes(filter: ClientFilter, row: Flags): boolean {
  switch (filter) {
    case "all":
      return true;
    case "mine":
      return row.myAppeal;
    case "queued":
      return row.queued;
    case "waiting":
      return row.waiting === true;
    case "favourite":
      return row.favourite;
    case "vip":
      return row.vip;
  }
}
