// C9: the chat's warning state around ./holdGate.ts: the warning shown (who holds the appeal,
// what was stopped) and the held action, run confirmed when the specialist goes on.
import { commands } from "../../bindings";
import type { ColleagueHold } from "../../bindings";
import { call } from "../../api";
import { attemptPastHold, type Act, type HeldKind } from "./holdGate";

export class HoldGate {
  held = $state<ColleagueHold | null>(null);
  kind = $state<HeldKind | null>(null);
  #pending: Act | null = null;

  /** Run `act` unless a colleague holds the client's appeal (then warn and keep it for
   *  `confirm`). True when it ran. */
  async attempt(lineId: number, clientId: number, kind: HeldKind, act: Act): Promise<boolean> {
    const holdOf = () => call(commands.colleagueHold(lineId, clientId));
    const warning = await attemptPastHold(holdOf, kind, act);
    if (!warning) return true;
    this.held = warning.hold;
    this.kind = warning.kind;
    this.#pending = warning.act;
    return false;
  }

  /** The specialist chose to go on: the held action, confirmed. */
  async confirm(): Promise<void> {
    const act = this.#pending;
    this.clear();
    if (act) await act(true);
  }

  clear() {
    this.held = null;
    this.kind = null;
    this.#pending = null;
  }
}
