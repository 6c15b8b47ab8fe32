"""WB-PESQ (ITU-T P.862.2) of what came out of a call against what went in.

    python pesq_score.py reference.wav degraded.wav

Both files are 48 kHz mono WAVs (what `linedesk-voice` reads and writes). The degraded file is
aligned to the reference by cross-correlation (its start trimmed by the call's delay), both are
brought to 16 kHz (polyphase, scipy) and scored with the `pesq` package from PyPI in wide band
mode. Prints one line: `pesq <score> delay_ms <delay>`.

Needs numpy, scipy and pesq (`./dev.sh setup` makes a venv with them; see dev.sh).
"""

import sys
import wave

import numpy as np
from pesq import pesq
from scipy.signal import resample_poly


def read(path):
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            raise SystemExit(f"{path}: 16-bit PCM expected")
        rate = w.getframerate()
        channels = w.getnchannels()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    return rate, data / 32768.0


def delay_samples(ref, deg, rate, max_delay_s=1.0):
    """How far `deg` lags `ref`, in samples (coarse on a 8 kHz copy, then refined)."""
    step = rate // 8000
    r = ref[: len(ref) // step * step].reshape(-1, step).mean(axis=1)
    d = deg[: len(deg) // step * step].reshape(-1, step).mean(axis=1)
    n = 1
    while n < len(r) + len(d):
        n *= 2
    corr = np.fft.irfft(np.fft.rfft(d, n) * np.conj(np.fft.rfft(r, n)), n)
    limit = int(max_delay_s * 8000)
    coarse = int(np.argmax(corr[:limit])) * step
    best, best_c = coarse, -np.inf
    for lag in range(max(0, coarse - step), coarse + step + 1):
        m = min(len(ref), len(deg) - lag)
        if m <= 0:
            continue
        c = float(np.dot(ref[:m], deg[lag : lag + m]))
        if c > best_c:
            best, best_c = lag, c
    return best


def score(ref_path, deg_path):
    rate, ref = read(ref_path)
    rate_d, deg = read(deg_path)
    if rate != 48000 or rate_d != 48000:
        raise SystemExit("48 kHz WAVs expected")
    lag = delay_samples(ref, deg, rate)
    deg = deg[lag : lag + len(ref)]
    if len(deg) < len(ref):
        deg = np.concatenate([deg, np.zeros(len(ref) - len(deg))])
    ref16 = resample_poly(ref, 1, 3)
    deg16 = resample_poly(deg, 1, 3)
    return pesq(16000, ref16, deg16, "wb"), lag * 1000.0 / rate


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    value, delay_ms = score(sys.argv[1], sys.argv[2])
    print(f"pesq {value:.3f} delay_ms {delay_ms:.1f}")
