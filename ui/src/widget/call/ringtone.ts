// The sound of a specialist's call ringing in the widget: a 425 Hz tone, 1 s on and 3 s off
// (the common ringback cadence), made with WebAudio (no file to load) until `stop` or for
// a minute at most (the line gives up ringing before that). A browser that refuses to play
// (no WebAudio, or an autoplay policy) leaves only the ring on screen.

const TONE_HZ = 425;
const ON_S = 1;
const PERIOD_S = 4;
const RINGS = 15;

/** Start ringing; the returned function stops it. */
export function startRingtone(): () => void {
  const Context = typeof AudioContext === "undefined" ? null : AudioContext;
  if (Context === null) return () => {};
  let ctx: AudioContext;
  try {
    ctx = new Context();
  } catch {
    return () => {};
  }
  const gain = ctx.createGain();
  gain.gain.value = 0;
  gain.connect(ctx.destination);
  const tone = ctx.createOscillator();
  tone.frequency.value = TONE_HZ;
  tone.connect(gain);
  const t0 = ctx.currentTime + 0.05;
  for (let i = 0; i < RINGS; i += 1) {
    gain.gain.setValueAtTime(0.2, t0 + i * PERIOD_S);
    gain.gain.setValueAtTime(0, t0 + i * PERIOD_S + ON_S);
  }
  tone.start(t0);
  tone.stop(t0 + RINGS * PERIOD_S);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    try {
      tone.stop();
    } catch {
      // Already stopped.
    }
    void ctx.close().catch(() => {});
  };
}
