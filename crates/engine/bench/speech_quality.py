"""Speech quality under loss: WB-PESQ of the whole engine (`linedesk-voice loopback`: a real
line server, two engines, WebRTC on 127.0.0.1) and of the codec with the jitter buffer alone
(`linedesk-voice simulate`), at 0/5/10 % loss, without and with 0-30 ms jitter, the mean over
several loss seeds. Prints a Markdown table (BENCHMARKS.md, "Speech quality under loss").

    python speech_quality.py --bin target/release/linedesk-voice [--seeds 3] [--dir DIR]
        [--modes loopback,simulate] [--extra "--fec off"]

The speech is made here with espeak-ng and sox (the same text every time).
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pesq_score import score  # noqa: E402

TEXT = (
    "Здравствуйте, это служба поддержки. Расскажите, пожалуйста, что у вас случилось "
    "с документом. Я проверю вашу заявку и перезвоню вам через десять минут."
)
CONDITIONS = [(0, 0), (5, 0), (10, 0), (0, 30), (5, 30), (10, 30)]


def speech(dir_):
    path = os.path.join(dir_, "speech.wav")
    if not os.path.exists(path):
        raw = os.path.join(dir_, "espeak.wav")
        subprocess.run(["espeak-ng", "-v", "ru", "-w", raw, TEXT], check=True)
        subprocess.run(["sox", raw, "-r", "48000", "-c", "1", "-b", "16", path], check=True)
    return path


def run(binary, mode, speech_path, out, loss, jitter, seed, extra):
    args = [binary, mode, "--input", speech_path, "--output", out, "--seed", str(seed)]
    if loss:
        args += ["--loss", str(loss)]
    if jitter:
        args += ["--jitter", str(jitter)]
    args += extra
    done = subprocess.run(args, check=True, capture_output=True, text=True)
    m2e = re.search(r"mouth-to-ear delay: ([0-9.]+) ms", done.stdout)
    concealed = re.search(r"client heard: .*?concealed (\d+)", done.stdout) or re.search(
        r"concealed (\d+)", done.stdout
    )
    return (
        float(m2e.group(1)) if m2e else float("nan"),
        int(concealed.group(1)) if concealed else -1,
        done.stdout,
    )


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--dir")
    p.add_argument("--modes", default="loopback,simulate")
    p.add_argument("--extra", default="", help="more options for linedesk-voice")
    p.add_argument("--verbose", action="store_true")
    a = p.parse_args()
    dir_ = a.dir or tempfile.mkdtemp(prefix="speech-quality-")
    os.makedirs(dir_, exist_ok=True)
    ref = speech(dir_)
    extra = a.extra.split()
    modes = a.modes.split(",")
    print(f"| network | {' | '.join(f'{m}: WB-PESQ (min-max)' for m in modes)} | loopback mouth-to-ear | loopback concealed |")
    print(f"|---|{'---|' * len(modes)}---|---|")
    for loss, jitter in CONDITIONS:
        cells, m2es, concealed = [], [], []
        for mode in modes:
            scores = []
            for seed in range(1, a.seeds + 1):
                out = os.path.join(dir_, f"{mode}-{loss}-{jitter}-{seed}.wav")
                m2e, conc, stdout = run(a.bin, mode, ref, out, loss, jitter, seed, extra)
                if a.verbose:
                    print(stdout, file=sys.stderr)
                value, _ = score(ref, out)
                scores.append(value)
                if mode == "loopback":
                    m2es.append(m2e)
                    concealed.append(conc)
            cells.append(f"{statistics.mean(scores):.2f} ({min(scores):.2f}-{max(scores):.2f})")
        name = f"{loss} % loss" if loss else "clean"
        if jitter:
            name += f", 0-{jitter} ms jitter"
        m2e_cell = f"{statistics.mean(m2es):.1f} ms" if m2es else "-"
        conc_cell = f"{statistics.mean(concealed):.0f}" if concealed else "-"
        print(f"| {name} | {' | '.join(cells)} | {m2e_cell} | {conc_cell} |", flush=True)


if __name__ == "__main__":
    main()
