// W1: who answers the client, as the specialist's profile says: their name, position and
// avatar, asked once per specialist (and again when the avatar's version changed) and kept
// for the page's life. The avatar is an object URL of the image the server checked; text is
// shown as text.
import { specialistAvatar, specialistCard, type SpecialistCard } from "./api";

export interface Shown {
  name: string;
  position: string;
  /** An object URL of the avatar, or null. */
  avatar: string | null;
}

export class Specialists {
  shown = $state<Record<number, Shown>>({});
  private asked = new Set<number>();

  constructor(
    private line: number,
    private token: string,
  ) {}

  /** Ask for `id`'s card once (failures leave the plain "Specialist"). */
  want(id: number): void {
    if (this.asked.has(id)) return;
    this.asked.add(id);
    void this.load(id);
  }

  private async load(id: number): Promise<void> {
    let card: SpecialistCard;
    try {
      card = await specialistCard(this.token, this.line, id);
    } catch {
      return;
    }
    let avatar: string | null = null;
    if (card.avatar > 0) {
      try {
        avatar = URL.createObjectURL(await specialistAvatar(this.token, id));
      } catch {
        avatar = null;
      }
    }
    this.shown = { ...this.shown, [id]: { name: card.name, position: card.position, avatar } };
  }
}
