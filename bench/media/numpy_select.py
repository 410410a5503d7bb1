"""Reference: representative-frame selection in Python with numpy, same pipeline as
assurai_media::select_frames with default options.

ffmpeg (same command: select 32 uniform frames + showinfo, raw RGB24 on a pipe) -> per frame:
BT.601 fixed-point luma, 256-bin entropy, mean/std, variance of the 4-neighbour Laplacian ->
drop black (<20), white (>235), flat (std <10) -> best by 0.6*min(1, log10(1+sharp)/4) +
0.4*entropy/8 -> Pillow Lanczos resize to 1024 + JPEG 85 + Base64.

Usage: python numpy_select.py VIDEO [RUNS]   prints seconds per selection and the choice.
"""
import base64
import io
import json
import math
import re
import subprocess
import sys
import threading
import time

import numpy as np
from PIL import Image

PTS = re.compile(r" n:\s*\d+.*?pts_time:(\S+)")


def probe(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height,avg_frame_rate,duration:format=duration", "-of", "json", "--", path],
        check=True, capture_output=True).stdout
    info = json.loads(out)
    s = info["streams"][0]
    duration = float(s.get("duration") or info["format"]["duration"])
    num, den = (float(v) for v in s["avg_frame_rate"].split("/"))
    return s["width"], s["height"], duration, (num / den if den else None)


def measure(frame):
    r, g, b = (frame[..., i].astype(np.uint32) for i in range(3))
    y = ((77 * r + 150 * g + 29 * b + 128) >> 8).astype(np.int32)
    hist = np.bincount(y.ravel(), minlength=256)
    p = hist[hist > 0] / y.size
    entropy = float(-(p * np.log2(p)).sum())
    lap = y[:-2, 1:-1] + y[2:, 1:-1] + y[1:-1, :-2] + y[1:-1, 2:] - 4 * y[1:-1, 1:-1]
    sharp = float(lap.var())
    score = 0.6 * min(1.0, math.log10(1 + sharp) / 4) + 0.4 * entropy / 8
    return sharp, entropy, float(y.mean()), float(y.std()), score


def select(path, frames=32):
    w, h, duration, fps = probe(path)
    step = duration / frames
    # Same rule as FrameOptions::skip_non_reference: decode reference frames only when the
    # sampling step spans at least 4 frames.
    skip = ["-skip_frame", "noref"] if fps and step * fps >= 4 else []
    expr = f"isnan(prev_selected_t)+gt(floor(t/{step:.9f})\\,floor(prev_selected_t/{step:.9f}))"
    cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", *skip, "-i", path,
           "-map", "0:v:0", "-an", "-sn", "-vf", f"select='{expr}',showinfo=checksum=0",
           "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "pipe:1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    times = []

    def read_err():
        for line in proc.stderr:
            m = PTS.search(line.decode("utf-8", "replace"))
            if m and "Parsed_showinfo" in line.decode("utf-8", "replace"):
                times.append(float(m.group(1)))

    t = threading.Thread(target=read_err)
    t.start()
    size = w * h * 3
    best = None
    n = 0
    while n < frames:
        buf = proc.stdout.read(size)
        if len(buf) < size:
            break
        frame = np.frombuffer(buf, dtype=np.uint8).reshape(h, w, 3)
        sharp, entropy, bright, contrast, score = measure(frame)
        idx = n
        n += 1
        if bright < 20 or bright > 235 or contrast < 10:
            continue
        if best is None or score > best[0]:
            best = (score, idx, frame.copy(), sharp, entropy)
    proc.stdout.close()
    proc.kill() if n >= frames else None
    proc.wait()
    t.join()
    score, idx, frame, sharp, entropy = best
    im = Image.fromarray(frame)
    scale = 1024 / max(w, h)
    if scale < 1:
        size = (1024, max(1, round(h * scale))) if w >= h else (max(1, round(w * scale)), 1024)
        im = im.resize(size, Image.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=85)
    url = "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return {"timestamp_s": times[idx], "sharpness": sharp, "entropy": entropy, "frames_considered": n,
            "data_url_len": len(url)}


def main():
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    result = select(path)  # warm-up
    start, cpu0 = time.perf_counter(), cpu_seconds()
    for _ in range(runs):
        result = select(path)
    wall = (time.perf_counter() - start) / runs
    cpu = (cpu_seconds() - cpu0) / runs
    print(f"numpy {np.__version__}: wall {1000 * wall:.2f} ms/run, cpu {1000 * cpu:.2f} ms/run ({runs} runs); {json.dumps(result)}")


def cpu_seconds():
    import resource
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


if __name__ == "__main__":
    main()
